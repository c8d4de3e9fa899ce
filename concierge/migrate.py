"""Alembic migrations, applied from the command line or from async code (tests, start-up).

Alembic is imported only to migrate: every command checks that the database is up to date,
and importing Alembic (its DDL modules, Mako, Pygments) costs more than the command itself."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.ext.asyncio import AsyncEngine  # the ORM's package: only for its type

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version"  # Alembic's default; env.py keeps it


def alembic_config(database_url: str | None = None) -> Config:
    """An Alembic configuration pointing at our migrations (no alembic.ini needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if database_url is not None:
        config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def _upgrade_on(connection: Connection, revision: str) -> None:
    from alembic import command

    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)
    # A migration may change the rota with plain SQL, past the session's watch: every process's
    # kept copy is read again (concierge.reference), once the versions' table exists.
    from sqlalchemy import inspect

    from concierge.reference import bump

    if inspect(connection).has_table("reference_versions"):
        bump(connection)


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Apply migrations up to `revision` on the engine's database."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade_on, revision)


def _script_revisions(script: Path) -> tuple[str, set[str]]:
    """A migration script's revision and the ones it follows (several when it merges)."""
    found: dict[str, object] = {}
    for node in ast.parse(script.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.AnnAssign | ast.Assign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
                    found[target.id] = ast.literal_eval(node.value)
    down = found.get("down_revision")
    follows = {down} if isinstance(down, str) else set(down) if isinstance(down, tuple) else set()
    return str(found["revision"]), {str(rev) for rev in follows}


def head_revisions() -> set[str]:
    """The newest migrations, those no other follows: Alembic's script heads, read from the
    scripts without importing Alembic."""
    revisions: set[str] = set()
    followed: set[str] = set()
    for script in (MIGRATIONS_DIR / "versions").glob("*.py"):
        revision, follows = _script_revisions(script)
        revisions.add(revision)
        followed |= follows
    return revisions - followed


def _current_heads(connection: Connection) -> set[str]:
    if not inspect(connection).has_table(VERSION_TABLE):
        return set()
    rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))
    return {str(row[0]) for row in rows}


def behind(connection: Connection) -> bool:
    """Whether the connection's database is behind the newest migration."""
    return _current_heads(connection) != head_revisions()


async def pending_migrations(engine: AsyncEngine) -> bool:
    """Whether the database is behind the newest migration."""
    async with engine.connect() as connection:
        return await connection.run_sync(behind)
