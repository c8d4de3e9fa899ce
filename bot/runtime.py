"""The pieces one running service shares: settings, database engine, sessions and clock."""

from __future__ import annotations

import fcntl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.startup import StartupError as StartupError  # imported from here by the service
from bot.startup import first_line as first_line
from bot.startup import no_folder, not_migrated, unusable
from concierge.clock import Clock, SystemClock
from concierge.context import DomainContext
from concierge.database import create_engine, session_factory, transaction
from concierge.migrate import pending_migrations
from concierge.settings import Settings

# The lock files this process holds, with how many holders each (serve, then the app).
_HELD: dict[Path, tuple[IO[bytes], int]] = {}


def _lock_file(settings: Settings) -> Path | None:
    path = settings.sqlite_path
    if path is None or str(path) in ("", ":memory:"):
        return None
    return path.with_name(f"{path.name}.lock").resolve()


def hold_sqlite_file(settings: Settings) -> None:
    """Be the only process serving the SQLite file: an exclusive lock on a file beside it,
    held until `release_sqlite_file` or the process ends. StartupError when another has it:
    SQLite takes one writer, so several processes need PostgreSQL."""
    lock = _lock_file(settings)
    if lock is None:
        return
    if lock in _HELD:
        handle, holders = _HELD[lock]
        _HELD[lock] = (handle, holders + 1)
        return
    handle = lock.open("ab")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise StartupError(
            f"DATABASE_URL: another process is serving {settings.sqlite_path}; SQLite takes "
            "one process: stop the other, or use PostgreSQL "
            "(DATABASE_URL=postgresql://…) to run several",
            key="cli.startup.sqlite_busy",
            path=str(settings.sqlite_path),
        ) from None
    _HELD[lock] = (handle, 1)


def release_sqlite_file(settings: Settings) -> None:
    """Let go of the SQLite file taken by `hold_sqlite_file` (when its last holder lets go)."""
    lock = _lock_file(settings)
    if lock is None or lock not in _HELD:
        return
    handle, holders = _HELD.pop(lock)
    if holders > 1:
        _HELD[lock] = (handle, holders - 1)
    else:
        handle.close()  # closing the file releases the lock


@dataclass
class Runtime:
    """What every part of a running service is built from."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock

    @classmethod
    def create(cls, settings: Settings, clock: Clock | None = None) -> Runtime:
        """Open the engine for the configured database (connections are made lazily)."""
        # Every table mapped before the first query, whatever the caller imported: a command
        # imports only its own modules, and a relationship may name a model none of them does.
        import concierge.schema  # noqa: F401

        try:
            engine = create_engine(settings)
        except OSError as exc:  # the SQLite file's folder cannot be created
            raise no_folder(exc) from exc
        return cls(settings, engine, session_factory(engine), clock or SystemClock())

    async def check_database(self) -> None:
        """Fail with a one-line StartupError when the database is unreachable or not migrated."""
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            behind = await pending_migrations(self.engine)
        except Exception as exc:  # any driver error means the URL does not lead to a database
            raise unusable(self.safe_url, exc) from exc
        if behind:
            raise not_migrated()
        # Imported here: the check reads the whole schema and the cipher, which the start of a
        # process (and a command's `--help`) has no use for.
        from concierge.checkins.private_notes import check_sealing
        from concierge.sealing import SealingError

        try:
            async with self.unit() as ctx:
                await check_sealing(ctx)
        except SealingError as exc:  # a wrong key must stop the service, not garble notes
            raise StartupError(str(exc)) from exc

    @property
    def safe_url(self) -> str:
        """The database URL without its password, for messages."""
        return self.settings.url.render_as_string(hide_password=True)

    @asynccontextmanager
    async def unit(self) -> AsyncIterator[DomainContext]:
        """One unit of domain work: a transaction, committed when the block ends."""
        async with transaction(self.sessions) as session:
            yield DomainContext(session=session, clock=self.clock, settings=self.settings)

    async def close(self) -> None:
        """Release the database connections."""
        await self.engine.dispose()
