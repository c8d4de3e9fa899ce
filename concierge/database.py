"""Engine, sessions and the declarative base shared by every domain module."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from weakref import WeakKeyDictionary

from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase

from concierge.core_engine import make_sqlite_folder
from concierge.settings import Settings
from concierge.tables import METADATA, sqlite_pragmas
from concierge.tables import NAMING_CONVENTION as NAMING_CONVENTION  # models import them here
from concierge.tables import UTCDateTime as UTCDateTime


class Base(DeclarativeBase):
    """Declarative base of every table of the service."""

    metadata = METADATA


async def checkpoint(engine: AsyncEngine) -> None:
    """Fold SQLite's write-ahead log into the file and empty it, so old page versions (erased
    or redacted data) are gone from the log too; nothing to do on PostgreSQL."""
    if engine.dialect.name != "sqlite":
        return
    async with engine.connect() as connection:
        await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def create_engine(settings: Settings) -> AsyncEngine:
    """An async engine for the configured database (SQLite in WAL mode, or PostgreSQL)."""
    if settings.is_sqlite:
        make_sqlite_folder(settings)
        engine = create_async_engine(settings.database_url)
        event.listen(engine.sync_engine, "connect", sqlite_pragmas)
        return engine
    return create_async_engine(settings.database_url, pool_pre_ping=True)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


# SQLite takes one writer at a time. The writers of this process take turns here instead of
# contending for the file's lock (and failing with "database is locked" after its busy
# time-out): first on an asyncio lock of their event loop, where they queue in order, then on
# a thread lock of the file, shared with the scheduler's loop. Readers are not held up (WAL).
_FILE_LOCKS: dict[str, threading.Lock] = {}
_FILE_LOCKS_GUARD = threading.Lock()
_LOOP_LOCKS: WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]]
_LOOP_LOCKS = WeakKeyDictionary()
# The files whose writer turn this task already holds (a unit of work opened inside another).
_HOLDING: ContextVar[frozenset[str]] = ContextVar("sqlite_writer_holding", default=frozenset())
_TURN_POLL_SECONDS = 0.002


def _writer_key(sessions: async_sessionmaker[AsyncSession]) -> str | None:
    bind = sessions.kw.get("bind")
    if not isinstance(bind, AsyncEngine) or bind.dialect.name != "sqlite":
        return None
    database = bind.url.database or ""
    if database in ("", ":memory:"):
        return f"memory:{id(bind.sync_engine)}"
    return str(Path(database).resolve())


@asynccontextmanager
async def _writer_turn(key: str) -> AsyncIterator[None]:
    loop_locks = _LOOP_LOCKS.setdefault(asyncio.get_running_loop(), {})
    async with loop_locks.setdefault(key, asyncio.Lock()):
        with _FILE_LOCKS_GUARD:
            file_lock = _FILE_LOCKS.setdefault(key, threading.Lock())
        # A thread lock cannot be awaited; another loop holds it rarely and briefly.
        while not file_lock.acquire(blocking=False):  # noqa: ASYNC110
            await asyncio.sleep(_TURN_POLL_SECONDS)
        held = _HOLDING.set(_HOLDING.get() | {key})
        try:
            yield
        finally:
            _HOLDING.reset(held)
            file_lock.release()


@asynccontextmanager
async def transaction(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One unit of work: committed when the block ends, rolled back if it raises.

    On SQLite the units of work of this process take turns (one writer, the others queue)."""
    key = _writer_key(sessions)
    if key is None or key in _HOLDING.get():
        async with sessions() as session, session.begin():
            yield session
        return
    async with _writer_turn(key), sessions() as session, session.begin():
        yield session


# Errors of the database's availability (down, restarting, unreachable, locked, slow), which pass.
_OUTAGES = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    sa_exc.TimeoutError,
    OSError,
    TimeoutError,
)


def is_outage(exc: BaseException) -> bool:
    """Whether an error is a passing one (the database or the network away, a time-out) rather
    than one of the code, which would fail the same way every time."""
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, _OUTAGES)
