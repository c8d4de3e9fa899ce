"""Jobs that fire the domain's timers: one persistent APScheduler job per pending timer."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from concierge.clock import Clock
from concierge.context import DomainContext
from concierge.database import transaction
from concierge.digest import plan_digest
from concierge.settings import Settings
from concierge.timer_dispatch import fire_timer
from concierge.timers import pending_timers
from scheduling.scheduler import PERSISTENT

log = logging.getLogger(__name__)
JOB_PREFIX = "timer-"


@dataclass(frozen=True)
class Domain:
    """What a job needs to open a unit of work."""

    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    settings: Settings


# Persistent jobs are stored as a function reference and ids, never as objects: the running
# service binds the domain here when it starts, and every job reaches it through this module.
_bound: list[Domain] = []


def bind(domain: Domain) -> None:
    """Give the jobs of this process their database, clock and settings."""
    _bound[:] = [domain]


def bound() -> Domain:
    """The domain jobs run against."""
    if not _bound:
        raise RuntimeError("scheduling jobs ran before the service bound its domain")
    return _bound[0]


async def run_timer(timer_id: int) -> None:
    """The persistent job: fire one timer (a no-op if it fired before or was called off)."""
    domain = bound()
    async with transaction(domain.sessions) as session:
        ctx = DomainContext(session=session, clock=domain.clock, settings=domain.settings)
        fired = await fire_timer(ctx, timer_id)
    log.info("timer %s %s", timer_id, "fired" if fired else "skipped")


async def plan_daily_timers() -> None:
    """Plan the timers that repeat every day (the coordinators' digest) if they are missing."""
    domain = bound()
    async with transaction(domain.sessions) as session:
        await plan_digest(
            DomainContext(session=session, clock=domain.clock, settings=domain.settings)
        )


async def sync_timers(scheduler: AsyncIOScheduler) -> tuple[int, int]:
    """Make the persistent jobs match the pending timers; returns (added, removed)."""
    domain = bound()
    async with transaction(domain.sessions) as session:
        ctx = DomainContext(session=session, clock=domain.clock, settings=domain.settings)
        timers = {f"{JOB_PREFIX}{t.id}": t for t in await pending_timers(ctx)}
    jobs = {job.id for job in scheduler.get_jobs(jobstore=PERSISTENT)}
    added = removed = 0
    for job_id, timer in timers.items():
        if job_id not in jobs:
            scheduler.add_job(
                run_timer, "date", run_date=timer.due_at, args=[timer.id], id=job_id,
                name=f"{timer.kind} request {timer.request_id}", jobstore=PERSISTENT,
                replace_existing=True,
            )  # fmt: skip
            added += 1
    for job_id in jobs - timers.keys():
        if job_id.startswith(JOB_PREFIX):
            try:
                scheduler.remove_job(job_id, jobstore=PERSISTENT)
                removed += 1
            except JobLookupError:
                pass
    return added, removed
