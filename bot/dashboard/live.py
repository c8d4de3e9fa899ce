"""Telling open dashboards that the queue changed: one watcher per process reads the queue's
signature each second while someone watches, and every page's event stream hears of a change.
Reading the database (not only this process's commits) lets it see changes made by other
processes of a cluster and by the scheduler."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from bot.runtime import Runtime
from concierge.requests.queue_board import queue_signature

log = logging.getLogger(__name__)
POLL_SECONDS = 1.0
KEEP_ALIVE_SECONDS = 15.0
# A stream ends after a while and the browser reconnects by itself, so no stream lives forever
# (a server shutting down never waits long for one).
STREAM_SECONDS = 300.0


class QueueWatch:
    """The latest queue signature, and a way to wait for the next one."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._changed = asyncio.Condition()
        self._signature = ""
        self._watchers = 0
        self._task: asyncio.Task[None] | None = None
        self._poke = asyncio.Event()

    def poke(self) -> None:
        """Something was committed here: look now rather than at the next tick."""
        self._poke.set()

    async def _read(self) -> str:
        async with self._runtime.unit() as ctx:
            return await queue_signature(ctx)

    async def _watch(self) -> None:
        while self._watchers > 0:
            try:
                signature = await self._read()
            except Exception:  # the database is away for a moment: keep the last signature
                log.warning("cannot read the queue's signature", exc_info=True)
                signature = self._signature
            if signature != self._signature:
                async with self._changed:
                    self._signature = signature
                    self._changed.notify_all()
            self._poke.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._poke.wait(), POLL_SECONDS)

    async def _next_change(self, seconds: float) -> bool:
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait(), seconds)
            except TimeoutError:
                return False
            return True

    async def stream(self, since: str) -> AsyncIterator[str]:
        """Server-sent events: `queue` each time the signature differs from the last one seen."""
        self._watchers += 1
        try:
            if self._task is None or self._task.done():
                self._signature = await self._read()
                self._task = asyncio.create_task(self._watch())
            seen = since
            deadline = asyncio.get_running_loop().time() + STREAM_SECONDS
            yield "retry: 2000\n\n"
            while asyncio.get_running_loop().time() < deadline:
                if self._signature != seen:
                    seen = self._signature
                    yield f"event: queue\ndata: {seen}\n\n"
                    continue
                if not await self._next_change(KEEP_ALIVE_SECONDS):
                    yield ": still here\n\n"  # keeps proxies from closing a quiet stream
        finally:
            self._watchers -= 1

    async def close(self) -> None:
        """Stop watching (the service is stopping)."""
        self._watchers = 0
        self._poke.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                self._task.cancel()
                await self._task
