"""One scheduler per cluster: the process holding a PostgreSQL advisory lock leads.

The lock belongs to a database session, so when the leading process dies its connection
closes, PostgreSQL releases the lock, and a follower trying every few seconds takes over.
With SQLite there is one process, and it always leads.
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

# An arbitrary, fixed 64-bit key: "concierge-scheduler" for every process of the service.
LOCK_KEY = 0x636F6E6369657267


class Leadership:
    """Tries to become, and checks it still is, the scheduler leader."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._connection: AsyncConnection | None = None

    @property
    def exclusive(self) -> bool:
        """Whether leadership needs a lock (PostgreSQL) or is a given (SQLite)."""
        return self._engine.dialect.name == "postgresql"

    async def try_acquire(self) -> bool:
        """Become leader if nobody is; True when this process leads."""
        if not self.exclusive:
            return True
        if self._connection is not None:
            return await self.still_leading()
        connection = await self._engine.connect()
        try:
            got = (
                await connection.execute(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}
                )
            ).scalar()
            await connection.commit()
        except Exception:
            await connection.close()
            raise
        if not got:
            await connection.close()
            return False
        self._connection = connection
        return True

    async def still_leading(self) -> bool:
        """Whether the lock is still held (its connection alive); drops leadership if not."""
        if not self.exclusive:
            return True
        if self._connection is None:
            return False
        try:
            await self._connection.execute(text("SELECT 1"))
            await self._connection.commit()
            return True
        except Exception as exc:  # the connection died, and the lock with it
            log.warning("scheduler leadership lost: %s", exc)
            await self._discard()
            return False

    async def release(self) -> None:
        """Give up leadership (closing the connection releases the lock)."""
        if self._connection is not None:
            try:
                await self._connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY}
                )
                await self._connection.commit()
            except Exception as exc:  # closing below releases it anyway
                log.info("advisory unlock failed: %s", exc)
            await self._discard()

    async def _discard(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                await connection.close()
            except Exception as exc:  # already broken: nothing more to release
                log.debug("closing a dead leader connection: %s", exc)
