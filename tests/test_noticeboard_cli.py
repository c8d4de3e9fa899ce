"""`concierge notices add|list|retire`, run as a coordinator runs it."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from tests.conftest import ROME
from tests.test_cli import concierge


def test_notices_from_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/concierge.sqlite3"
    assert concierge("db", "upgrade", cwd=tmp_path, DATABASE_URL=url).returncode == 0
    assert concierge("demo", cwd=tmp_path, DATABASE_URL=url).returncode == 0
    saturday = datetime.now(ROME).date() + timedelta(days=3)
    sunday = saturday + timedelta(days=1)
    posted = concierge(
        "notices", "add", "--kind", "market", "--from", saturday.isoformat(),
        "--it", "Mercato in piazza", "--en", "Market in the square",
        cwd=tmp_path, DATABASE_URL=url,
    )  # fmt: skip
    assert posted.returncode == 0, posted.stderr
    assert posted.stdout.strip() == (
        f"Pubblicato: 1: market {saturday}…{saturday}: Mercato in piazza / Market in the square"
    )
    concierge(
        "notices", "add", "--kind", "pharmacy", "--from", saturday.isoformat(), "--until",
        sunday.isoformat(), "--it", "Farmacia Centrale", cwd=tmp_path, DATABASE_URL=url,
    )  # fmt: skip
    retired = concierge("notices", "retire", "1", cwd=tmp_path, DATABASE_URL=url)
    assert retired.stdout.strip().endswith("(ritirato)")
    english = concierge("notices", "list", "--all", "--lang", "en", cwd=tmp_path, DATABASE_URL=url)
    assert english.stdout.splitlines()[0].endswith("(retired)")
    listing = concierge("notices", "list", cwd=tmp_path, DATABASE_URL=url).stdout.splitlines()
    assert listing == [f"2: pharmacy {saturday}…{sunday}: Farmacia Centrale"]
    everything = concierge("notices", "list", "--all", cwd=tmp_path, DATABASE_URL=url)
    assert len(everything.stdout.splitlines()) == 2
    wrong = [
        (
            ["notices", "add", "--kind", "nope", "--from", "2030-01-01", "--it", "x"],
            "Error: invalid",
        ),
        (["notices", "add", "--kind", "event", "--from", "2030-01-01"], "Error: invalid notice: a"),
        (["notices", "retire", "9"], "Error: no notice no. 9"),
    ]
    for args, message in wrong:
        result = concierge(*args, cwd=tmp_path, DATABASE_URL=url, LANG="en_GB.UTF-8")
        assert (result.returncode, result.stderr[: len(message)]) == (2, message), result.stderr
    event = concierge("notices", "add", "--kind", "event", "--from", "2030-01-01",
                      cwd=tmp_path, DATABASE_URL=url)  # fmt: skip
    assert event.stderr.startswith(
        "Errore: avviso non valido: un avviso vuole un testo in italiano o in inglese"
    ), event.stderr
    gone = concierge("notices", "retire", "9", cwd=tmp_path, DATABASE_URL=url)
    assert gone.stderr.strip() == "Errore: nessun avviso n. 9"
