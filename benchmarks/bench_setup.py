"""What the scale benchmarks share: a fresh database (a temporary SQLite file, or an emptied
PostgreSQL scratch database), the process's memory, and the table they print."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from concierge.migrate import upgrade


def database_url(given: str | None) -> str:
    """The URL to run on: `given` (postgresql://… becomes asyncpg), else a new SQLite file."""
    if given is None:
        folder = tempfile.mkdtemp(prefix="concierge-bench-")
        return f"sqlite+aiosqlite:///{folder}/bench.sqlite3"
    url = make_url(given)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+asyncpg")
    return url.render_as_string(hide_password=False)


async def fresh_schema(url: str) -> None:
    """Migrate an empty database; a PostgreSQL one is emptied first, so only a scratch
    database whose name says so (test_…, …bench…) is accepted."""
    parsed = make_url(url)
    engine = create_async_engine(url)
    try:
        if parsed.get_backend_name() == "postgresql":
            name = parsed.database or ""
            if not (name.startswith("test_") or "bench" in name):
                raise SystemExit(f"refusing to empty database {name!r}: not a scratch database")
            async with engine.begin() as connection:
                await connection.execute(text("DROP SCHEMA public CASCADE"))
                await connection.execute(text("CREATE SCHEMA public"))
        await upgrade(engine)
    finally:
        await engine.dispose()


def rss_mb(field: str = "VmRSS") -> float:
    """This process's resident memory (VmRSS), or its peak (VmHWM), in MB (Linux)."""
    with open(f"/proc/{os.getpid()}/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return 0.0


def percentile(values: Sequence[float], share: float) -> float:
    """The value under which `share` (0–1) of `values` fall (nearest rank)."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def table(rows: Sequence[tuple[str, str]]) -> str:
    """Two columns, aligned: what, and its figure."""
    width = max(len(what) for what, _ in rows)
    return "\n".join(f"{what.ljust(width)}  {figure}" for what, figure in rows)
