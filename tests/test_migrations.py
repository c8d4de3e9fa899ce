"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text

from bot.runtime import Runtime
from concierge.migrate import alembic_config, head_revisions, pending_migrations
from concierge.schema import metadata, ours


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": ours}
    )
    return list(compare_metadata(context, metadata()))


# SQLite cannot reflect an expression index (the receipts' per-issuer numbering): Alembic says
# so and compares the rest; PostgreSQL compares it too.
@pytest.mark.filterwarnings("ignore:.*expression-based index")
async def test_models_and_migrations_agree(runtime: Runtime) -> None:
    async with runtime.engine.connect() as connection:
        assert await connection.run_sync(_differences) == []
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert {"requests", "request_events", "outbox", "offers", "conversations"} <= tables


async def test_sqlite_runs_in_wal_mode_with_foreign_keys(runtime: Runtime) -> None:
    if not runtime.settings.is_sqlite:
        return
    async with runtime.engine.connect() as connection:
        assert (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
        assert (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1


async def test_the_up_to_date_check_reads_the_heads_alembic_reads(runtime: Runtime) -> None:
    # Every command checks the database is migrated; it reads the scripts without Alembic.
    heads = head_revisions()
    assert heads == set(ScriptDirectory.from_config(alembic_config()).get_heads())
    assert not await pending_migrations(runtime.engine)
    [head] = heads
    try:
        async with runtime.engine.begin() as connection:
            await connection.execute(text("UPDATE alembic_version SET version_num = '0001'"))
        assert await pending_migrations(runtime.engine)
    finally:
        async with runtime.engine.begin() as connection:
            await connection.execute(
                text("UPDATE alembic_version SET version_num = :head"), {"head": head}
            )
