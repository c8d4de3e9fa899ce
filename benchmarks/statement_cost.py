"""What one SQL statement costs on SQLite: the service's path (an AsyncSession on aiosqlite, each
statement handed to aiosqlite's thread and back) against a synchronous Session on the standard
sqlite3 driver running a whole unit of work in one worker thread (one hand-off a unit).

Usage: python benchmarks/statement_cost.py [--units 300] [--statements 12]
Each unit of work: a transaction of `--statements` statements (reads by key, an ORM insert, a
Core insert, an update), committed; the same work on both paths, on a fresh SQLite file in WAL
mode. Prints JSON and a table: CPU and wall milliseconds per unit and per statement.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from collections.abc import Callable

from sqlalchemy import Integer, String, create_engine, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

ROWS = 1000


class _Base(DeclarativeBase):
    pass


class Row(_Base):
    """A row like a person's: a key, a few short columns."""

    __tablename__ = "rows"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    hits: Mapped[int] = mapped_column(Integer, default=0)


def _reads(statements: int) -> int:
    return max(statements - 3, 0)  # the rest: one ORM insert, one Core insert, one update


async def _async_unit(sessions: async_sessionmaker[AsyncSession], unit: int, n: int) -> None:
    async with sessions() as session, session.begin():
        for read in range(_reads(n)):
            await session.scalar(select(Row).where(Row.id == (unit * 7 + read) % ROWS + 1))
        session.add(Row(name=f"orm {unit}"))
        await session.flush()
        await session.execute(insert(Row).values(name=f"core {unit}"))
        await session.execute(update(Row).where(Row.id == unit % ROWS + 1).values(hits=unit))


def _sync_unit(sessions: sessionmaker[Session], unit: int, n: int) -> None:
    with sessions() as session, session.begin():
        for read in range(_reads(n)):
            session.scalar(select(Row).where(Row.id == (unit * 7 + read) % ROWS + 1))
        session.add(Row(name=f"orm {unit}"))
        session.flush()
        session.execute(insert(Row).values(name=f"core {unit}"))
        session.execute(update(Row).where(Row.id == unit % ROWS + 1).values(hits=unit))


def _figures(wall: list[float], cpu: list[float], statements: int) -> dict[str, float]:
    return {
        "wall_ms_median": statistics.median(wall),
        "cpu_ms_median": statistics.median(cpu),
        "cpu_ms_per_statement": statistics.median(cpu) / statements,
    }


async def _timed(units: int, run: Callable[[int], object]) -> tuple[list[float], list[float]]:
    wall, cpu = [], []
    for unit in range(units):
        started, cpu_started = time.perf_counter(), time.process_time()
        result = run(unit)
        if asyncio.iscoroutine(result):
            await result
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
    return wall, cpu


async def run(folder: str, units: int, statements: int) -> dict[str, object]:
    """Both paths on their own file, the same units of work."""
    pragmas = "PRAGMA journal_mode=WAL"
    async_engine = create_async_engine(f"sqlite+aiosqlite:///{folder}/async.sqlite3")
    sync_engine = create_engine(f"sqlite:///{folder}/sync.sqlite3")
    async with async_engine.begin() as connection:
        await connection.exec_driver_sql(pragmas)
        await connection.run_sync(_Base.metadata.create_all)
        await connection.execute(insert(Row), [{"name": f"r{i}"} for i in range(ROWS)])
    with sync_engine.begin() as connection:
        connection.exec_driver_sql(pragmas)
        _Base.metadata.create_all(connection)
        connection.execute(insert(Row), [{"name": f"r{i}"} for i in range(ROWS)])
    async_sessions = async_sessionmaker(async_engine, expire_on_commit=False)
    sync_sessions = sessionmaker(sync_engine, expire_on_commit=False)
    results: dict[str, object] = {"units": units, "statements_per_unit": statements}
    for _round in range(2):  # the second round is kept: caches and connections warm
        a_wall, a_cpu = await _timed(units, lambda u: _async_unit(async_sessions, u, statements))
        s_wall, s_cpu = await _timed(
            units, lambda u: asyncio.to_thread(_sync_unit, sync_sessions, u, statements)
        )
    results["async_aiosqlite"] = _figures(a_wall, a_cpu, statements)
    results["sync_thread_per_unit"] = _figures(s_wall, s_cpu, statements)
    await async_engine.dispose()
    sync_engine.dispose()
    return results


def main() -> None:
    """Run, then print JSON and the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--statements", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        result = asyncio.run(run(folder, args.units, args.statements))
    print(json.dumps(result, indent=2))
    print(f"\n{'path':<24} {'wall ms':>8} {'CPU ms':>7} {'CPU ms/statement':>17}")
    for path in ("async_aiosqlite", "sync_thread_per_unit"):
        row = result[path]
        assert isinstance(row, dict)
        print(
            f"{path:<24} {row['wall_ms_median']:>8.2f} {row['cpu_ms_median']:>7.2f}"
            f" {row['cpu_ms_per_statement']:>17.3f}"
        )


if __name__ == "__main__":
    main()
