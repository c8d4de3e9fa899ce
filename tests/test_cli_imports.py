"""Issue 20 target 7: the command line starts fast because each command imports what it uses
when it runs. Time is not asserted (the machine is shared; benchmarks/cli_startup.py measures
it); what `--help` imports is."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.lazy import load
from bot.cli.main import COMMANDS

# Libraries a listing of the commands has no use for, and what they cost at start.
HEAVY = (
    "fastapi", "starlette", "uvicorn", "sqlalchemy", "alembic", "dateparser", "babel.dates",
    "babel.messages", "holidays", "fpdf", "cryptography", "pydantic_settings", "phonenumbers",
    "aiogram", "telegram", "twilio", "argon2", "concierge", "bot.runtime", "bot.cli.support",
)  # fmt: skip

SHOW_IMPORTS = """
import sys
from bot.cli.main import app
try:
    app({args!r})
except SystemExit:
    pass
print("\\n" + __import__("json").dumps(sorted(sys.modules)))
"""


def _imported_by(tmp_path: Path, *args: str, **env: str) -> tuple[str, set[str]]:
    ran = subprocess.run(
        [sys.executable, "-c", SHOW_IMPORTS.format(args=list(args))],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, env={"COLUMNS": "120", **env},
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    shown, _, modules = ran.stdout.rstrip().rpartition("\n")
    return shown, set(json.loads(modules))


def _loaded(modules: set[str], heavy: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if m in heavy or m.startswith(tuple(f"{h}." for h in heavy)))


def test_help_lists_every_command_and_imports_none_of_them(tmp_path: Path) -> None:
    shown, modules = _imported_by(tmp_path, "--help")
    assert _loaded(modules, HEAVY) == []
    listed = [line.split()[1] for line in shown.splitlines() if line.startswith("│ ")]
    assert [name for name in listed if name in COMMANDS] == list(COMMANDS)
    for name, entry in COMMANDS.items():
        assert entry.help[:30] in " ".join(shown.split()), name


def test_a_command_imports_its_own_module_only(tmp_path: Path) -> None:
    shown, modules = _imported_by(tmp_path, "parse", "--help")
    assert "Usage:" in shown and "--batch" in shown
    assert "bot.cli.parse" in modules
    others = {e.target.partition(":")[0] for n, e in COMMANDS.items() if n != "parse"}
    assert others & modules == set()
    assert _loaded(modules, ("fastapi", "uvicorn", "alembic", "fpdf", "aiogram")) == []


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_line_of_the_listing_is_the_commands_own(name: str) -> None:
    # The listing is written in main.py; it must say what the command says of itself.
    command = load(name, COMMANDS[name])
    assert command.name == name
    assert (command.help or "").strip().splitlines()[0] == COMMANDS[name].help


# What a read-only database command has no use for: the ORM and the mapping of every model,
# the asyncio drivers, migrations, the runtime (it reads with Core on a plain connection); nor
# the holidays (the settings read their registry's source) or the messages' models.
ORM = (
    "sqlalchemy.orm", "sqlalchemy.ext.asyncio", "concierge.schema", "concierge.database",
    "aiosqlite", "asyncpg", "alembic", "bot.runtime", "fastapi", "uvicorn", "holidays",
    "concierge.messages",
)  # fmt: skip


def test_jobs_reads_the_timers_without_the_orm(tmp_path: Path) -> None:
    database = {"DATABASE_URL": f"sqlite:///{tmp_path}/concierge.sqlite3"}
    migrated = subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "upgrade"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, env=database,
    )  # fmt: skip
    assert migrated.returncode == 0, migrated.stderr
    shown, modules = _imported_by(tmp_path, "--lang", "en", "jobs", **database)
    assert shown.strip() == "No pending jobs."
    assert "bot.cli.jobs" in modules and "sqlalchemy" in modules
    assert _loaded(modules, ORM) == []


def test_the_service_loads_no_pdf_library_nor_holidays_until_used(tmp_path: Path) -> None:
    # Issue 20 target 6 (idle memory < 150 MB): fpdf2 with fontTools is ~30 MB, drawn only for
    # a receipt's or a report's PDF; holidays is read on the first holiday asked.
    ran = subprocess.run(
        [sys.executable, "-c", "import sys, json, bot.app; print(json.dumps(sorted(sys.modules)))"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    modules = set(json.loads(ran.stdout))
    assert "bot.dashboard.receipt_page" in modules and "concierge.welfare.report_files" in modules
    assert _loaded(modules, ("fpdf", "fontTools", "holidays")) == []
