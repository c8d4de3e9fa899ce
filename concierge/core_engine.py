"""A synchronous SQLAlchemy Core engine on the configured database, for commands that only
read: no ORM, no asyncio driver (stdlib sqlite3, or psycopg), so they start fast (issue 20,
target 7). The service itself uses concierge.database's async engine."""

from __future__ import annotations

from sqlalchemy import URL, Engine, create_engine, event

from concierge.settings import Settings
from concierge.tables import sqlite_pragmas

# The service's async drivers and the synchronous ones of the same databases.
_SYNC_DRIVERS = {"sqlite+aiosqlite": "sqlite+pysqlite", "postgresql+asyncpg": "postgresql+psycopg"}


def make_sqlite_folder(settings: Settings) -> None:
    """Create the SQLite file's folder when missing (OSError when it cannot be)."""
    path = settings.sqlite_path
    if path is not None and str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)


# asyncpg's TLS option in the URL and libpq's (psycopg's) name for it: the same DATABASE_URL
# serves the service and the command line.
_ASYNCPG_TO_LIBPQ = {"ssl": "sslmode"}


def sync_url(url: URL) -> URL:
    """The URL of the same database for the synchronous driver, its options renamed."""
    synced = url.set(drivername=_SYNC_DRIVERS.get(url.drivername, url.drivername))
    if not url.drivername.startswith("postgresql+asyncpg"):
        return synced
    query = {_ASYNCPG_TO_LIBPQ.get(key, key): value for key, value in url.query.items()}
    return synced.set(query=query)


def core_engine(settings: Settings) -> Engine:
    """A synchronous engine on the configured database, with SQLite's connection settings."""
    url = sync_url(settings.url)
    if settings.is_sqlite:
        make_sqlite_folder(settings)
        engine = create_engine(url)
        event.listen(engine, "connect", sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)
