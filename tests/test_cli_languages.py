"""Every command family speaks one language, errors included: `--lang`, else the locale, else
DEFAULT_LANGUAGE (Italian). The domain's refusals, the settings' and the commands' own are
read from the catalogue. In this process, as fresh interpreters would take a minute."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.cli_in_process import concierge

ENGLISH = {"LANG": "en_GB.UTF-8"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A migrated SQLite file with the demo data."""
    folder = tmp_path_factory.mktemp("languages")
    env = {"DATABASE_URL": f"sqlite:///{folder}/concierge.sqlite3"}
    for step in (("db", "upgrade"), ("demo",)):
        assert concierge(*step, cwd=folder, **env).returncode == 0
    return folder, env


def _both(
    folder: Path, env: dict[str, str], *args: str
) -> tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]:
    """The command with no locale (Italian), then with an English locale."""
    return concierge(*args, cwd=folder, **env), concierge(*args, cwd=folder, **env, **ENGLISH)


def test_rota_and_operators_refusals(demo: tuple[Path, dict[str, str]]) -> None:
    folder, env = demo
    it, en = _both(folder, env, "rota", "add", "3339999999", "mon", "8", "12")
    assert it.stderr.strip() == "Errore: nessun operatore con il numero +393339999999"
    assert en.stderr.strip() == "Error: no operator with phone +393339999999"
    it, en = _both(folder, env, "rota", "add", "3339999999", "someday", "8", "12")
    assert it.stderr.startswith("Errore: DAY: serve un giorno") and en.stderr.startswith(
        "Error: DAY: expected mon"
    )
    slot = concierge("--lang", "en", "rota", "add", "3331000001", "mon", "12", "8",
                     cwd=folder, **env)  # fmt: skip
    assert slot.stderr.strip() == "Error: a slot must end after it starts (12:00-08:00)"


def test_checkins_and_people_refusals(demo: tuple[Path, dict[str, str]]) -> None:
    folder, env = demo
    it, en = _both(folder, env, "checkins", "history", "+393339999999")
    assert it.stderr.strip() == "Errore: nessuno con il numero +393339999999"
    assert en.stderr.strip() == "Error: nobody with phone +393339999999"
    it, en = _both(folder, env, "checkins", "add", "+393339999998", "--days", "someday")
    assert it.stderr.startswith("Errore: --days: servono giorni come mon,wed,fri")
    assert en.stderr.startswith("Error: --days: expected days such as mon,wed,fri")
    it, en = _both(folder, env, "people", "export", "+393339999999")
    assert it.stderr.strip() == "Errore: nessuno ha il numero +393339999999"
    assert en.stderr.strip() == "Error: nobody has the number +393339999999"


def test_parcels_and_welfare_outputs(demo: tuple[Path, dict[str, str]]) -> None:
    folder, env = demo
    it, en = _both(folder, env, "companies", "list")
    assert "  codice ACME  " in it.stdout and "  code ACME  " in en.stdout
    it, en = _both(folder, env, "credit", "+393339999999")
    assert it.stderr.strip() == "Errore: nessuno con il numero +393339999999"
    assert en.stderr.strip() == "Error: nobody with phone +393339999999"
    it, en = _both(folder, env, "parcels", "list", "--cooperative", "Nope")
    assert it.stderr.startswith("Errore: --cooperative: nessuna cooperativa")
    assert en.stderr.startswith("Error: --cooperative: no cooperative")


def test_doctor_speaks_the_reader_s_language(demo: tuple[Path, dict[str, str]]) -> None:
    folder, env = demo
    it, en = _both(folder, env, "doctor")
    assert it.returncode == 1
    assert "[!!] SESSION_SECRET impostato: dare a SESSION_SECRET" in it.stdout
    assert it.stdout.strip().endswith("cose da fare prima di servire su internet.")
    assert "[!!] SESSION_SECRET set: set SESSION_SECRET" in en.stdout
    assert en.stdout.strip().endswith("thing(s) to do before serving on the internet.")


def test_a_wrong_setting_is_named_in_the_reader_s_language(tmp_path: Path) -> None:
    wrong = {"TIME_ZONE": "Mars/Olympus", "QUIET_HOURS": "never", "DATABASE_URL": "oracle://x/y"}
    (tmp_path / ".env").write_text("".join(f"{k}={v}\n" for k, v in wrong.items()))
    it = concierge("jobs", cwd=tmp_path)
    assert it.stderr.strip() == (
        "Errore: DATABASE_URL: database 'oracle' non supportato; usare sqlite:///percorso o"
        " postgresql://...; TIME_ZONE: fuso orario sconosciuto 'Mars/Olympus', es. Europe/Rome;"
        " QUIET_HOURS: serve un intervallo come 21:00-08:00, oppure off; non 'never'"
    )
    en = concierge("--lang", "en", "jobs", cwd=tmp_path)
    assert en.stderr.strip().startswith("Error: DATABASE_URL: unsupported database 'oracle';")
    assert "TIME_ZONE: unknown time zone 'Mars/Olympus'" in en.stderr
