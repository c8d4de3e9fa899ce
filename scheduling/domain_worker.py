"""A thread with its own event loop and database engine where scheduled work touches the domain.

APScheduler 3 writes its job store synchronously, on the scheduler's event loop. With SQLite,
such a write waits for the database's single write lock; if the transaction holding that lock
were a job's, running on the same loop, it could not finish while the loop is blocked, and both
would stall until SQLite gave up ("database is locked"). Domain transactions therefore run
here, on a loop that job-store writes never block.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

from concierge.clock import Clock
from concierge.context import DomainContext
from concierge.database import create_engine, session_factory, transaction
from concierge.settings import Settings

T = TypeVar("T")


class DomainWorker:
    """Runs units of work (one transaction each) on a loop of its own."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self._settings = settings
        self._clock = clock
        self._loop = asyncio.new_event_loop()
        self._engine = create_engine(settings)  # used on the worker's loop only
        self._sessions = session_factory(self._engine)
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="scheduled-domain-work", daemon=True
        )
        self._thread.start()

    async def unit(self, work: Callable[[DomainContext], Awaitable[T]]) -> T:
        """Run `work` in one transaction on the worker's loop and wait for its result."""

        async def in_transaction() -> T:
            async with transaction(self._sessions) as session:
                ctx = DomainContext(session=session, clock=self._clock, settings=self._settings)
                return await work(ctx)

        future = asyncio.run_coroutine_threadsafe(in_transaction(), self._loop)
        return await asyncio.wrap_future(future)

    async def _drain(self) -> None:
        """End the units still running (their callers stopped waiting: each rolls back), so
        none is left half-way when the loop stops, then close the engine."""
        running = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        await self._engine.dispose()

    def close(self) -> None:
        """Close the engine's connections and stop the thread (from any other thread)."""
        if not self._loop.is_running():
            return
        asyncio.run_coroutine_threadsafe(self._drain(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)
        self._loop.close()
