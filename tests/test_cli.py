"""The `concierge` command line, run as a user runs it."""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

LOCALE = {"LC_ALL", "LC_MESSAGES", "LANG"}
ENGLISH = {"LANG": "en_GB.UTF-8"}


def concierge(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the command line in `cwd` (no .env there, no locale unless given) with extra
    environment variables."""
    unset = {"DATABASE_URL", "TIME_ZONE", *LOCALE}
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd, env={**clean, **env}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = concierge("--help", cwd=tmp_path)
    assert result.returncode == 0
    for command in ("serve", "db", "demo"):
        assert command in result.stdout
    for sub in (["serve"], ["db"], ["db", "upgrade"], ["demo"]):
        sub_help = concierge(*sub, "--help", cwd=tmp_path)
        assert sub_help.returncode == 0 and "Usage" in sub_help.stdout, sub


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql://nobody@127.0.0.1:1/none", "Error: DATABASE_URL: cannot use"),
        ("oracle://scott@db/x", "Error: DATABASE_URL: unsupported database 'oracle'"),
        ("sqlite:///{tmp}/a-file/x.db", "Error: DATABASE_URL: cannot create the database folder"),
    ],
)
def test_serve_with_a_broken_database_url(tmp_path: Path, url: str, message: str) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    url = url.format(tmp=tmp_path)
    result = concierge("serve", cwd=tmp_path, DATABASE_URL=url, **ENGLISH)
    assert result.returncode != 0
    assert result.stderr.startswith(message)
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://nobody@127.0.0.1:1/none",  # refused
        "postgresql://nobody@127.0.0.1:1/none?ssl=require",  # asyncpg's TLS option, renamed
        "sqlite:///{tmp}/a-folder",  # a folder where the file should be
    ],
)
def test_jobs_with_a_database_it_cannot_reach_says_so_in_one_line(tmp_path: Path, url: str) -> None:
    """`jobs` reads without the runtime (synchronous Core): its errors are the runtime's line."""
    (tmp_path / "a-folder").mkdir()
    url = url.format(tmp=tmp_path)
    result = concierge("jobs", cwd=tmp_path, DATABASE_URL=url, **ENGLISH)
    assert result.returncode != 0
    assert result.stderr.startswith("Error: DATABASE_URL: cannot use"), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "invalid URI query parameter" not in result.stderr


def test_serve_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    empty = f"sqlite:///{tmp_path}/empty.db"
    result = concierge("serve", cwd=tmp_path, DATABASE_URL=empty, **ENGLISH)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "Error: DATABASE_URL: the database is not up to date; run `concierge db upgrade`"
    )
    italian = concierge("serve", cwd=tmp_path, DATABASE_URL=empty, LANG="it_IT.UTF-8")
    assert (italian.returncode, italian.stderr.strip()) == (
        2,
        "Errore: DATABASE_URL: il database non è aggiornato; eseguite `concierge db upgrade`",
    )


def test_upgrade_then_demo_twice(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/var/concierge.sqlite3"
    upgrade = concierge("db", "upgrade", cwd=tmp_path, DATABASE_URL=url, **ENGLISH)
    assert upgrade.returncode == 0, upgrade.stderr
    assert "16 default services added" in upgrade.stdout
    first = concierge("demo", cwd=tmp_path, DATABASE_URL=url, **ENGLISH)
    again = concierge("demo", cwd=tmp_path, DATABASE_URL=url, **ENGLISH)
    italian = concierge("demo", cwd=tmp_path, DATABASE_URL=url)
    assert italian.stdout.startswith("Dati di prova pronti (0 operatori")
    assert "3 operators" in first.stdout
    assert "6 dashboard users added" in first.stdout
    assert "acme-hr (Acme's HR)" in first.stdout
    assert "password 'portico-demo'" in first.stdout
    assert "0 operators, 0 services and 0 dashboard users added" in again.stdout
    assert (tmp_path / "var" / "concierge.sqlite3").exists()


def test_a_wrong_setting_in_dot_env_is_named(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("TIME_ZONE=Mars/Olympus\n")
    result = concierge("demo", cwd=tmp_path, **ENGLISH)
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == "Error: TIME_ZONE: unknown time zone 'Mars/Olympus', e.g. Europe/Rome"
    )


def test_jobs_and_a_request_timeline(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/concierge.sqlite3"
    assert concierge("db", "upgrade", cwd=tmp_path, DATABASE_URL=url).returncode == 0
    empty = concierge("jobs", "--lang", "en", cwd=tmp_path, DATABASE_URL=url)
    assert empty.returncode == 0 and empty.stdout.strip() == "No pending jobs."
    concierge("demo", cwd=tmp_path, DATABASE_URL=url)
    script = f"""
import asyncio
from bot.runtime import Runtime
from concierge.context import DomainContext
from concierge.database import transaction
from concierge.messages import Channel, IdentityKind
from concierge.team.operators import go_on_duty, operator_for_person
from concierge.people.person import find_person
from concierge.requests.request import create_request
from concierge.routing.assignment import offer_next
from concierge.settings import load_settings

async def main():
    rt = Runtime.create(load_settings(DATABASE_URL={url!r}, _env_file=None))
    async with transaction(rt.sessions) as session:
        ctx = DomainContext(session=session, clock=rt.clock, settings=rt.settings)
        giulia = await find_person(session, IdentityKind.PHONE, "+393331000001")
        go_on_duty(await operator_for_person(session, giulia.id), ctx.now(), 1)
        maria = await find_person(session, IdentityKind.PHONE, "+393402000001")
        await offer_next(ctx, await create_request(ctx, maria, "parcel", "", Channel.WEBCHAT))
    await rt.close()

asyncio.run(main())
"""
    made = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    listing = concierge("jobs", "--lang", "en", cwd=tmp_path, DATABASE_URL=url)
    lines = listing.stdout.strip().splitlines()
    assert lines[0].split() == ["when", "(Europe/Rome)", "what", "request", "for"]
    assert lines[1].split()[2:] == ["offer", "time-out", "#1", "parcel", "Giulia", "Bianchi"]

    timeline = concierge("request", "1", "--lang", "en", cwd=tmp_path, DATABASE_URL=url)
    assert timeline.returncode == 0, timeline.stderr
    shown = timeline.stdout.strip().splitlines()
    assert shown[0] == "no. 1 · Parcel pickup"
    assert [line.split("  ", 1)[1] for line in shown[1:]] == [
        "new — Maria Rossi",
        "waiting for an operator — Maria Rossi",
        "offered to Giulia Bianchi",
    ]
    missing = concierge("request", "99", cwd=tmp_path, DATABASE_URL=url, LANG="en_GB.UTF-8")
    assert (missing.returncode, missing.stderr.strip()) == (
        2,
        "Error: there is no request number 99",
    )


def test_jobs_name_the_resident_of_a_check_in_and_warn_of_nothing(tmp_path: Path) -> None:
    # Issue 18 item 13: a check-in timer's subject is a plan, not an operator.
    url = f"sqlite:///{tmp_path}/concierge.sqlite3"
    assert concierge("db", "upgrade", cwd=tmp_path, DATABASE_URL=url).returncode == 0
    assert concierge("demo", cwd=tmp_path, DATABASE_URL=url).returncode == 0
    for phone in ("3402000001", "3402000002", "3402000003"):  # plan ids 3 and 4 and 5
        added = concierge("checkins", "add", phone, "--at", "08:30", cwd=tmp_path, DATABASE_URL=url)
        assert added.returncode == 0, added.stderr
    listing = concierge("jobs", cwd=tmp_path, DATABASE_URL=url)
    assert listing.returncode == 0
    assert listing.stderr == "", "no SQLAlchemy warning"
    rows = listing.stdout.strip().splitlines()
    assert rows[0].split()[:3] == ["quando", "(Europe/Rome)", "cosa"]
    whom = sorted(" ".join(row.split()[-2:]) for row in rows[1:])
    assert whom == ["Giuseppe Verdi", "Luca Ferrari", "Maria Rossi"]
    assert all("controllo quotidiano" in row for row in rows[1:])
    for operator in ("Giulia Bianchi", "Marco", "Sara"):
        assert operator not in listing.stdout


def test_parse_one_text_and_a_batch(tmp_path: Path) -> None:
    one = concierge(
        "parse", "il 3 dicembre alle 10 accompagnare mamma dal cardiologo",
        "--now", "2026-11-23T09:00:00+01:00", cwd=tmp_path,
    )  # fmt: skip
    assert one.returncode == 0, one.stderr
    answer = json.loads(one.stdout)
    assert {k: answer[k] for k in ("category", "when", "urgent")} == {
        "category": "accompaniment",
        "when": "2026-12-03T10:00:00+01:00",
        "urgent": False,
    }
    batch = tmp_path / "requests.jsonl"
    batch.write_text(
        '{"text": "pacco domani", "now": "2026-11-23T09:00:00+01:00", "lang": "it"}\n'
        '{"text": "URGENT: fix the tap", "now": "2026-11-23T09:00:00+01:00", "lang": "en"}\n'
        '{"text": "stirare 5 camicie entro il 30", "now": "2026-11-23T09:00:00+01:00"}\n'
    )
    lines = concierge("parse", "--batch", str(batch), cwd=tmp_path).stdout.splitlines()
    assert [(a["category"], a["when"], a["urgent"]) for a in map(json.loads, lines)] == [
        ("parcel", "2026-11-24", False),
        ("home_repair", None, True),
        ("ironing", "2026-11-30", False),
    ]


def test_parse_prints_a_recurrence(tmp_path: Path) -> None:
    one = concierge(
        "parse", "annaffiare le piante ogni 2 giorni fino al 16 dicembre",
        "--now", "2026-11-23T09:00:00+01:00", cwd=tmp_path,
    )  # fmt: skip
    assert one.returncode == 0, one.stderr
    answer = json.loads(one.stdout)
    assert (answer["category"], answer["when"]) == ("home_watch", "2026-11-23")
    assert answer["recurrence"] == {
        "freq": "every_n_days", "days": [], "interval": 2, "time": None, "until": "2026-12-16",
    }  # fmt: skip
    once = concierge("parse", "ogni tanto passate a vedere la casa", cwd=tmp_path)
    assert json.loads(once.stdout)["recurrence"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["pacco", "--now", "2026-11-23"], "Error: --now: Input should have timezone info"),
        (["pacco", "--lang", "fr"], "Error: --lang: expected one of 'it', 'en'"),
        ([], "Error: give either a TEXT or --batch FILE"),
        (["--batch", "missing.jsonl"], "Error: cannot read missing.jsonl"),
    ],
)
def test_parse_explains_what_is_wrong(tmp_path: Path, args: list[str], message: str) -> None:
    result = concierge("parse", *args, cwd=tmp_path, **ENGLISH)
    assert result.returncode == 2
    assert result.stderr.startswith(message), result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["pacco", "--now", "2026-11-23"], "Errore: --now: manca il fuso orario"),
        (["pacco", "--now", "domani"], "Errore: --now: attese data e ora come 2026-11-23T09"),
        (["pacco", "--lang", "fr"], "Errore: --lang: atteso uno tra 'it', 'en'"),
        ([], "Errore: date un TEXT oppure --batch FILE"),
        (["--batch", "missing.jsonl"], "Errore: impossibile leggere missing.jsonl"),
    ],
)
def test_parse_explains_what_is_wrong_in_italian(
    tmp_path: Path, args: list[str], message: str
) -> None:
    # Issue 18 item 14: the reader's language is `concierge --lang`, else the locale, else
    # DEFAULT_LANGUAGE; `parse --lang` is the writer's, and the JSON keys stay English.
    by_default = concierge("parse", *args, cwd=tmp_path)
    by_option = concierge("--lang", "it", "parse", *args, cwd=tmp_path, **ENGLISH)
    for result in (by_default, by_option):
        assert result.returncode == 2
        assert result.stderr.startswith(message), result.stderr
    english = concierge(
        "--lang", "en", "parse", "pacco domani", "--lang", "it", "--now",
        "2026-11-23T09:00:00+01:00", cwd=tmp_path, LANG="it_IT.UTF-8",
    )  # fmt: skip
    assert json.loads(english.stdout)["category"] == "parcel"


def test_operators_and_rota(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/concierge.sqlite3"
    assert concierge("db", "upgrade", cwd=tmp_path, DATABASE_URL=url).returncode == 0
    steps = [
        ["operators", "add", "Anna", "Neri", "333 123 4567", "--skills", "parcel,shopping",
         "--zones", "centro", "--capacity", "2"],
        ["rota", "add", "3331234567", "mon", "08:00", "12:00"],
        ["rota", "add", "3331234567", "lun", "14", "18"],
        ["rota", "off", "3331234567", "2026-11-30", "--note", "malattia"],
        ["rota", "extra", "3331234567", "2026-12-08", "09:00", "12:00"],
    ]  # fmt: skip
    said = []
    for step in steps:
        result = concierge(*step, cwd=tmp_path, DATABASE_URL=url, **ENGLISH)
        assert result.returncode == 0, result.stderr
        said.append(result.stdout.strip())
    assert said == [
        "Operator added: Anna Neri (+393331234567).",
        "Slot added: Mon 08:00-12:00.",
        "Slot added: Mon 14:00-18:00.",
        "Recorded: off on 2026-11-30 (whole day).",
        "Recorded: extra on 2026-12-08 (09:00-12:00).",
    ]
    listing = concierge(
        "operators", "list", cwd=tmp_path, DATABASE_URL=url, **ENGLISH
    ).stdout.split()
    assert listing[:6] == ["Anna", "Neri", "+393331234567", "capacity", "2", "centro"]
    assert listing[-1] == "parcel,shopping"
    rota = concierge(
        "rota", "list", "--days", "14", cwd=tmp_path, DATABASE_URL=url, **ENGLISH
    ).stdout
    assert "  Anna Neri              08:00-12:00, 14:00-18:00" in rota
    wrong = [
        (["rota", "add", "3339999999", "mon", "8", "12"], "Error: no operator with phone"),
        (["rota", "add", "3331234567", "mon", "12", "8"], "Error: a slot must end after"),
        (["rota", "add", "3331234567", "someday", "8", "12"], "Error: DAY: expected mon"),
        (["operators", "add", "A", "B", "3331234568", "--skills", "x"], "Error: no service"),
    ]
    for args, message in wrong:
        result = concierge(*args, cwd=tmp_path, DATABASE_URL=url, **ENGLISH)
        assert (result.returncode, result.stderr[: len(message)]) == (2, message)


def test_every_command_speaks_one_language_and_a_day_off_can_be_taken_back(
    tmp_path: Path,
) -> None:
    # Issue 18 item 14: `--lang`, else the locale, else DEFAULT_LANGUAGE; clean help; remove-off.
    url = f"sqlite:///{tmp_path}/concierge.sqlite3"
    assert concierge("db", "upgrade", cwd=tmp_path, DATABASE_URL=url).returncode == 0
    assert concierge("demo", cwd=tmp_path, DATABASE_URL=url).returncode == 0
    giulia = "3331000001"
    off = concierge("rota", "off", giulia, "2026-12-02", cwd=tmp_path, DATABASE_URL=url)
    assert off.stdout.strip() == "Registrato: assenza il 2026-12-02 (tutto il giorno)."
    by_locale = concierge("rota", "list", cwd=tmp_path, DATABASE_URL=url, LANG="en_US.UTF-8")
    by_option = concierge("--lang", "en", "rota", "list", cwd=tmp_path, DATABASE_URL=url)
    assert by_locale.stdout == by_option.stdout
    assert {line.split()[0] for line in by_option.stdout.splitlines() if line[0] != " "} <= {
        "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun",
    }  # fmt: skip
    italian = concierge("rota", "list", "--lang", "it", cwd=tmp_path, DATABASE_URL=url)
    assert italian.stdout.splitlines()[0].split()[0] in (
        "lun",
        "mar",
        "mer",
        "gio",
        "ven",
        "sab",
        "dom",
    )
    timeline = concierge("request", "99", cwd=tmp_path, DATABASE_URL=url, LANG="it_IT.UTF-8")
    assert timeline.stderr.strip() == "Errore: non c'è una richiesta numero 99"
    wrong = concierge("--lang", "fr", "jobs", cwd=tmp_path, DATABASE_URL=url)
    assert (wrong.returncode, wrong.stderr.strip()) == (
        2,
        "Errore: --lang: atteso uno tra it, en, non 'fr'",
    )
    wrong = concierge("jobs", "--lang", "fr", cwd=tmp_path, DATABASE_URL=url, **ENGLISH)
    assert (wrong.returncode, wrong.stderr.strip()) == (
        2,
        "Error: --lang: expected one of it, en, got 'fr'",
    )

    removed = concierge(
        "rota", "remove-off", giulia, "2026-12-02", "--lang", "en", cwd=tmp_path, DATABASE_URL=url
    )
    assert removed.returncode == 0, removed.stderr
    assert removed.stdout.strip() == "Removed: off on 2026-12-02 (whole day)."
    again = concierge("rota", "remove-off", giulia, "2026-12-02", cwd=tmp_path, DATABASE_URL=url)
    assert (again.returncode, again.stderr.strip()) == (
        2,
        "Errore: nessuna assenza registrata per 3331000001 il 2026-12-02",
    )

    for command in (["--help"], ["rota", "off", "--help"], ["checkins", "pause", "--help"]):
        shown = concierge(*command, cwd=tmp_path, COLUMNS="100")
        assert shown.returncode == 0
        assert "<bool>" not in shown.stdout and "<str>" not in shown.stdout, command
        assert "{" not in shown.stdout, command
    assert "PHONE DATE" in concierge("rota", "off", "--help", cwd=tmp_path).stdout


def test_checkins_from_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/concierge.sqlite3"
    assert concierge("db", "upgrade", cwd=tmp_path, DATABASE_URL=url).returncode == 0
    assert concierge("demo", cwd=tmp_path, DATABASE_URL=url).returncode == 0
    listing = concierge(
        "checkins", "list", cwd=tmp_path, DATABASE_URL=url, **ENGLISH
    ).stdout.splitlines()
    assert [line.split(":")[0] for line in listing] == [
        "Maria Rossi +393402000001",
        "Giuseppe Verdi +393402000002",
    ], "the demo data holds two plans"
    italian = concierge("checkins", "list", "--lang", "it", cwd=tmp_path, DATABASE_URL=url)
    assert "Maria Rossi +393402000001: lun,mar,mer,gio,ven,sab,dom alle 09:00 via voice" in (
        italian.stdout
    )
    added = concierge(
        "checkins", "add", "340 777 1234", "--at", "08:30", "--days", "lun,mer,ven",
        "--channel", "sms", "--contact", "Lucia:+393405550001", "--contact",
        "Franco:3405550002:whatsapp", "--notes", "porta blindata", cwd=tmp_path,
        DATABASE_URL=url, **ENGLISH,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == (
        "Added: +393407771234: Mon,Wed,Fri at 08:30 by sms, 2 retries every 10 min; contacts: "
        "Lucia +393405550001 (sms); Franco +393405550002 (whatsapp)"
    )
    paused = concierge(
        "checkins", "pause", "3407771234", "--from", "2026-12-01", "--until", "2026-12-10",
        cwd=tmp_path, DATABASE_URL=url, **ENGLISH,
    )  # fmt: skip
    assert paused.stdout.rstrip().endswith("paused 2026-12-01…2026-12-10")
    resumed = concierge(
        "checkins", "resume", "3407771234", cwd=tmp_path, DATABASE_URL=url, **ENGLISH
    )
    assert "paused" not in resumed.stdout
    board = concierge("checkins", "today", cwd=tmp_path, DATABASE_URL=url, **ENGLISH)
    assert board.returncode == 0 and "Maria Rossi" in board.stdout
    history = concierge(
        "checkins", "history", "3402000001", cwd=tmp_path, DATABASE_URL=url, **ENGLISH
    )
    assert history.stdout.strip() == "Maria Rossi: " + "·" * 30
    wrong = [
        (["checkins", "add", "3401", "--at", "25:00"], "Error: invalid plan"),
        (["checkins", "add", "3407771235", "--days", "someday"], "Error: --days: expected"),
        (["checkins", "add", "3407771235", "--contact", "Lucia"], "Error: --contact: expected"),
        (["checkins", "pause", "3409999999", "--from", "2026-12-01"], "Error: nobody with phone"),
        (["checkins", "pause", "3402000003", "--from", "2026-12-01"], "Error: Luca Ferrari has"),
        (["checkins", "pause", "3402000001", "--from", "2026-12-05", "--until", "2026-12-01"],
         "Error: a pause must end"),
    ]  # fmt: skip
    for args, message in wrong:
        result = concierge(*args, cwd=tmp_path, DATABASE_URL=url, **ENGLISH)
        assert (result.returncode, result.stderr[: len(message)]) == (2, message), result.stderr


def test_users_add_makes_the_first_admin_and_explains_refusals(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/concierge.sqlite3"
    assert concierge("db", "upgrade", cwd=tmp_path, DATABASE_URL=url).returncode == 0
    password = {"CONCIERGE_USER_PASSWORD": "a-long-secret", **ENGLISH}
    added = concierge("users", "add", "Anna.Rossi", cwd=tmp_path, DATABASE_URL=url, **password)
    assert added.returncode == 0, added.stderr
    assert "User anna.rossi added (admin)." in added.stdout

    again = concierge("users", "add", "anna.rossi", cwd=tmp_path, DATABASE_URL=url, **password)
    assert again.returncode == 2
    assert again.stderr.strip() == "Error: the username anna.rossi is taken"
    short = concierge(
        "users", "add", "bruno", cwd=tmp_path, DATABASE_URL=url, CONCIERGE_USER_PASSWORD="short",
        **ENGLISH,
    )  # fmt: skip
    assert short.stderr.strip() == "Error: the password must be at least 8 characters"
    lost = concierge(
        "users", "add", "carla", "--role", "coordinator", cwd=tmp_path, DATABASE_URL=url,
        **password,
    )  # fmt: skip
    assert lost.stderr.strip() == "Error: a coordinator user needs a cooperative (--cooperative)"
    typed = concierge("users", "add", "dario", cwd=tmp_path, DATABASE_URL=url)
    assert typed.returncode != 0  # no terminal to type the password in: nothing is added

    listed = concierge("users", "list", cwd=tmp_path, DATABASE_URL=url, **ENGLISH)
    assert listed.returncode == 0
    assert [line.split()[:2] for line in listed.stdout.splitlines()] == [["anna.rossi", "admin"]]


def test_users_speak_the_readers_language(tmp_path: Path) -> None:
    # Issue 18 item 14: `users` prints, and fails, in `--lang`, else the locale, else
    # DEFAULT_LANGUAGE (Italian here).
    url = f"sqlite:///{tmp_path}/concierge.sqlite3"
    assert concierge("db", "upgrade", cwd=tmp_path, DATABASE_URL=url).returncode == 0
    empty = concierge("users", "list", cwd=tmp_path, DATABASE_URL=url)
    assert empty.stdout.strip() == (
        "Ancora nessun utente: aggiungete il primo con `concierge users add`."
    )
    assert concierge("demo", cwd=tmp_path, DATABASE_URL=url).returncode == 0

    def rows(result: subprocess.CompletedProcess[str]) -> list[list[str]]:
        assert result.returncode == 0, result.stderr
        return [line.split()[:2] + line.split()[-1:] for line in result.stdout.splitlines()]

    italian = rows(concierge("users", "list", cwd=tmp_path, DATABASE_URL=url))
    assert italian[:3] == [
        ["acme-hr", "azienda", "attivo"],
        ["admin", "amministratore", "attivo"],
        ["giulia", "operatore", "attivo"],
    ]
    assert ["paola", "coordinatore", "attivo"] in italian
    english = rows(concierge("users", "list", cwd=tmp_path, DATABASE_URL=url, **ENGLISH))
    assert english[:3] == [
        ["acme-hr", "company", "active"],
        ["admin", "admin", "active"],
        ["giulia", "operator", "active"],
    ]
    by_option = concierge("users", "list", "--lang", "en", cwd=tmp_path, DATABASE_URL=url,
                          LANG="it_IT.UTF-8")  # fmt: skip
    by_root = concierge("--lang", "en", "users", "list", cwd=tmp_path, DATABASE_URL=url)
    assert rows(by_option) == rows(by_root) == english

    secret = {"CONCIERGE_USER_PASSWORD": "a-long-secret"}
    taken = concierge("users", "add", "admin", cwd=tmp_path, DATABASE_URL=url, **secret)
    assert (taken.returncode, taken.stderr.strip()) == (
        2, "Errore: il nome utente admin è già usato",
    )  # fmt: skip
    taken = concierge("users", "add", "admin", cwd=tmp_path, DATABASE_URL=url, **secret, **ENGLISH)
    assert taken.stderr.strip() == "Error: the username admin is taken"
    nobody = concierge("users", "password", "mallory", cwd=tmp_path, DATABASE_URL=url, **secret)
    assert nobody.stderr.strip() == "Errore: nessun utente di nome mallory"
    added = concierge(
        "users", "add", "carla", "--role", "coordinator", "--cooperative", "Nessuna",
        cwd=tmp_path, DATABASE_URL=url, **secret,
    )  # fmt: skip
    assert added.stderr.strip() == "Errore: nessuna cooperativa di nome Nessuna"
    changed = concierge("users", "password", "sara", cwd=tmp_path, DATABASE_URL=url, **secret)
    assert changed.stdout.strip() == "Password di sara cambiata."


def test_a_failure_speaks_the_readers_language_before_any_setting_is_read(
    tmp_path: Path,
) -> None:
    # `fail` before the settings (or with them wrong): `--lang`, else the locale, else the
    # setting's own default.
    folder = f"sqlite:///{tmp_path}/a-file/x.db"
    (tmp_path / "a-file").write_text("not a folder")
    italian = concierge("jobs", cwd=tmp_path, DATABASE_URL=folder)
    assert italian.stderr.startswith(
        "Errore: DATABASE_URL: impossibile creare la cartella del database: "
    ), italian.stderr
    english = concierge("--lang", "en", "jobs", cwd=tmp_path, DATABASE_URL=folder)
    assert english.stderr.startswith("Error: DATABASE_URL: cannot create the database folder")
    (tmp_path / ".env").write_text("TIME_ZONE=Mars/Olympus\n")
    wrong = concierge("users", "list", cwd=tmp_path, LANG="it_IT.UTF-8")
    assert wrong.stderr.strip() == (
        "Errore: TIME_ZONE: fuso orario sconosciuto 'Mars/Olympus', es. Europe/Rome"
    ), "the whole line in the reader's language"
    english = concierge("--lang", "en", "users", "list", cwd=tmp_path)
    assert english.stderr.strip() == (
        "Error: TIME_ZONE: unknown time zone 'Mars/Olympus', e.g. Europe/Rome"
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_service_log_is_quiet_and_says_what_matters(tmp_path: Path) -> None:
    # Issue 18 item 15: two APScheduler INFO lines every round buried what matters.
    url = f"sqlite:///{tmp_path}/concierge.sqlite3"
    assert concierge("db", "upgrade", cwd=tmp_path, DATABASE_URL=url).returncode == 0
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", *LOCALE}}
    env = {**clean, "DATABASE_URL": url, "SCHEDULER_SYNC_SECONDS": "0.5", "LOG_LEVEL": "INFO"}
    serving = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--port", str(_free_port())],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    lines: list[str] = []
    try:
        assert serving.stderr is not None
        deadline = time.monotonic() + 60
        for line in serving.stderr:
            lines.append(line.rstrip())
            if "now runs the scheduler" in line or time.monotonic() > deadline:
                break
        time.sleep(2.5)  # five scheduling rounds
    finally:
        serving.send_signal(signal.SIGINT)
        rest = serving.communicate(timeout=30)[1]
    lines += rest.splitlines()
    assert any(
        line.endswith("scheduling.service: this process now runs the scheduler") for line in lines
    )
    assert not [line for line in lines if "apscheduler" in line or "alembic" in line], lines
    stamped = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (INFO|WARNING|ERROR) [\w.]+: ")
    assert all(stamped.match(line) for line in lines), lines


@pytest.mark.parametrize(
    ("level", "ours", "chatty"),
    [("INFO", logging.INFO, logging.WARNING), ("WARNING", logging.WARNING, logging.WARNING),
     ("ERROR", logging.ERROR, logging.ERROR), ("DEBUG", logging.DEBUG, logging.DEBUG)],
)  # fmt: skip
def test_log_level_sets_our_lines_and_keeps_libraries_to_their_warnings(
    level: str, ours: int, chatty: int
) -> None:
    from bot.logs import CHATTY, configure_logging  # imported here: the module under test

    root = logging.getLogger()
    saved, handlers = root.level, list(root.handlers)
    try:
        configure_logging(level)
        assert logging.getLogger().level == ours
        for name in ("apscheduler.executors.default", "alembic.runtime.migration", "httpx"):
            assert logging.getLogger(name).getEffectiveLevel() == chatty, name
    finally:
        for name in CHATTY:
            logging.getLogger(name).setLevel(logging.NOTSET)
        root.handlers[:] = handlers  # pytest's own capture comes back
        root.setLevel(saved)
