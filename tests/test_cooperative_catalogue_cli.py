"""`concierge services list|retire|activate|rename|words|hours|add`, run as a coordinator runs
it, printing in Italian or English by the command line's language rule. In this process (the
command line's own app, its arguments and environment), as a dozen fresh interpreters would
take a minute on a busy machine."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli_in_process import concierge

PORTICO = "Cooperativa Il Portico"


def test_a_cooperative_s_catalogue_from_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/concierge.sqlite3"
    env = {"DATABASE_URL": url}
    assert concierge("db", "upgrade", cwd=tmp_path, **env).returncode == 0
    assert concierge("demo", cwd=tmp_path, **env).returncode == 0

    retired = concierge("services", "retire", "ironing", "--cooperative", PORTICO,
                        cwd=tmp_path, **env)  # fmt: skip
    assert retired.returncode == 0, retired.stderr
    assert retired.stdout.split() == ["ironing", "ritirato", "Stiratura", "orari", "del", "turno"]
    renamed = concierge(
        "--lang", "en", "services", "rename", "parcel", "--cooperative", PORTICO,
        "--it", "Pacchi e raccomandate", "--en", "Parcels and letters", cwd=tmp_path, **env,
    )  # fmt: skip
    assert renamed.stdout.split()[:5] == ["parcel", "offered", "Parcels", "and", "letters"]
    words = concierge(
        "services", "words", "parcel", "--cooperative", PORTICO, "--add", "Raccomandat*",
        "--add", "posta", "--lang", "it", cwd=tmp_path, LANG="en_GB.UTF-8", **env,
    )  # fmt: skip
    assert words.stdout.rstrip().endswith("rota hours               raccomandat*, posta")
    hours = concierge(
        "services", "hours", "ironing", "--cooperative", PORTICO, "--days", "mon-fri",
        "--from", "14:00", "--to", "18:00", cwd=tmp_path, **env,
    )  # fmt: skip
    assert "lun–ven, 14:00–18:00" in hours.stdout
    added = concierge(
        "--lang", "en", "services", "add", "bike_repair", "--cooperative", PORTICO,
        "--it", "Riparazione bici", "--en", "Bike repair", "--words-it", "bici",
        "--words-en", "bike*,bicycle*", cwd=tmp_path, **env,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "need the skill bike_repair" in added.stdout
    activated = concierge("services", "activate", "ironing", "--cooperative", PORTICO,
                          cwd=tmp_path, **env)  # fmt: skip
    assert activated.stdout.split()[:2] == ["ironing", "offerto"]

    listing = concierge("services", "list", "--cooperative", PORTICO, "--json",
                        cwd=tmp_path, **env)  # fmt: skip
    rows = {row["code"]: row for row in json.loads(listing.stdout)}
    assert rows["parcel"]["name_en"] == "Parcels and letters"
    assert rows["parcel"]["words_it"] == ["raccomandat*", "posta"]
    assert rows["ironing"]["active"] and rows["ironing"]["hours"] == {
        "days": [0, 1, 2, 3, 4], "from": "14:00", "to": "18:00",
    }  # fmt: skip
    assert rows["bike_repair"]["own"] and rows["bike_repair"]["words_en"] == ["bike*", "bicycle*"]
    shared = concierge("services", "list", "--json", cwd=tmp_path, **env)
    assert "bike_repair" not in {row["code"] for row in json.loads(shared.stdout)}

    wrong = [
        (["services", "retire", "nope", "--cooperative", PORTICO], "Error: no service"),
        (["services", "retire", "ironing", "--cooperative", "Nope"], "Error: --cooperative: no"),
        (
            [
                "services",
                "hours",
                "ironing",
                "--cooperative",
                PORTICO,
                "--days",
                "someday",
                "--from",
                "9:00",
                "--to",
                "8:00",
            ],
            "Error: invalid hours: days",
        ),
        (
            ["services", "add", "Bad Code", "--cooperative", PORTICO, "--it", "x", "--en", "x"],
            "Error: invalid service: code",
        ),
        (
            ["services", "add", "bike_repair", "--cooperative", PORTICO, "--it", "x", "--en", "x"],
            "Error: a service with code",
        ),
    ]
    for args, message in wrong:
        result = concierge(*args, cwd=tmp_path, LANG="en_GB.UTF-8", **env)
        assert (result.returncode, result.stderr[: len(message)]) == (2, message), result.stderr
    # The same refusals in Italian, the domain's and the command line's own.
    nope = concierge("services", "retire", "nope", "--cooperative", PORTICO, cwd=tmp_path, **env)
    assert nope.stderr.strip() == "Errore: nessun servizio con codice «nope»"
    hours = concierge("services", "hours", "ironing", "--cooperative", PORTICO, "--days", "x",
                      "--from", "9:00", "--to", "8:00", cwd=tmp_path, **env)  # fmt: skip
    assert hours.stderr.strip() == (
        "Errore: orario non valido: giorni: servono nomi come lun-ven o mon-fri, non 'x'"
    )
