"""The pieces one running service shares: settings, database engine, sessions and clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from concierge.clock import Clock, SystemClock
from concierge.context import DomainContext
from concierge.database import create_engine, session_factory, transaction
from concierge.migrate import pending_migrations
from concierge.settings import Settings


def first_line(exc: BaseException) -> str:
    """An exception as one line, for messages that must fit one line."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


class StartupError(Exception):
    """The service cannot start; the message names the setting or the command that fixes it."""


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
        try:
            engine = create_engine(settings)
        except OSError as exc:  # the SQLite file's folder cannot be created
            raise StartupError(f"DATABASE_URL: cannot create the database folder: {exc}") from exc
        return cls(settings, engine, session_factory(engine), clock or SystemClock())

    async def check_database(self) -> None:
        """Fail with a one-line StartupError when the database is unreachable or not migrated."""
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            behind = await pending_migrations(self.engine)
        except Exception as exc:  # any driver error means the URL does not lead to a database
            raise StartupError(
                f"DATABASE_URL: cannot use {self.safe_url}: {first_line(exc)}"
            ) from exc
        if behind:
            raise StartupError(
                "DATABASE_URL: the database is not up to date; run `concierge db upgrade`"
            )

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
