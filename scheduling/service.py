"""The scheduling service of one process: follow, lead when elected, run jobs while leading.

It runs in a thread of its own, with its own event loop and database engine, because
APScheduler 3's job store is synchronous: on the service's event loop, a job-store write
waiting for SQLite's lock would block the very transaction holding that lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.engine import Engine

from concierge.clock import Clock
from concierge.database import create_engine
from concierge.settings import Settings
from scheduling.domain_worker import DomainWorker
from scheduling.leader import Leadership
from scheduling.scheduler import VOLATILE, build_scheduler, job_store_engine
from scheduling.timer_jobs import bind, periodic_round, sync_timers

log = logging.getLogger(__name__)


class SchedulingService:
    """Runs the scheduler while this process leads; `wake()` picks up new timers at once."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self._settings = settings
        self._clock = clock
        self._scheduler: AsyncIOScheduler | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._stopping = threading.Event()
        self.synced = threading.Event()  # set once this process leads and has synced its jobs

    @property
    def leading(self) -> bool:
        """Whether this process runs the scheduler now."""
        return self._scheduler is not None

    def wake(self) -> None:
        """Timers may have changed: sync them without waiting for the next round (thread-safe)."""
        loop, event = self._loop, self._wake
        if loop is not None and event is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(event.set)

    def start(self) -> None:
        """Start following (and leading when elected) in a background thread."""
        if self._thread is None:
            self._stopping.clear()
            self._thread = threading.Thread(target=self._main, name="scheduling", daemon=True)
            self._thread.start()

    async def stop(self) -> None:
        """Stop the scheduler and give up leadership; jobs stay stored for the next start."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stopping.set()
        self.wake()
        await asyncio.to_thread(thread.join, 30)

    def _main(self) -> None:
        asyncio.run(self._run())

    async def _run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        engine = create_engine(self._settings)  # for the leader lock, on this loop
        job_engine = job_store_engine(self._settings)
        leadership = Leadership(engine)
        worker = DomainWorker(self._settings, self._clock)
        bind(worker)
        try:
            await self._rounds(leadership, job_engine)
        finally:
            self._follow()
            await leadership.release()
            await engine.dispose()
            job_engine.dispose()
            await asyncio.to_thread(worker.close)
            self._loop = None

    async def _rounds(self, leadership: Leadership, job_engine: Engine) -> None:
        retry = self._settings.leader_retry_seconds
        assert self._wake is not None
        while not self._stopping.is_set():
            try:
                if self._scheduler is None:
                    if await leadership.try_acquire():
                        await self._lead(job_engine)
                elif not await leadership.still_leading():
                    self._follow()
                elif self._wake.is_set():
                    await sync_timers(self._scheduler)
            except Exception:
                log.exception("scheduling round failed; trying again")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=retry)

    async def _lead(self, job_engine: Engine) -> None:
        scheduler = build_scheduler(self._settings, job_engine)
        scheduler.start()
        scheduler.add_job(
            periodic_round, "interval", args=[scheduler], id="sync-timers", jobstore=VOLATILE,
            seconds=self._settings.scheduler_sync_seconds, replace_existing=True,
        )  # fmt: skip
        self._scheduler = scheduler
        await periodic_round(scheduler)
        self.synced.set()
        log.info("this process now runs the scheduler")

    def _follow(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
            self.synced.clear()
            log.info("this process no longer runs the scheduler")
