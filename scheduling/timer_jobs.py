"""Jobs that fire the domain's timers: one persistent APScheduler job per pending timer due
within the next HORIZON; later timers wait in the timers table until a round brings them in."""

from __future__ import annotations

import logging
from datetime import timedelta

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from concierge.checkins.plans import plan_all_checkins
from concierge.context import DomainContext
from concierge.jobs.dispatch import fire_timer
from concierge.numbers.digest import plan_digest
from concierge.privacy.retention import plan_retention
from concierge.routing.opening_hours import plan_shift_start
from concierge.timers import timers_due_by
from concierge.welfare.expiry import plan_credit_round
from scheduling.domain_worker import DomainWorker
from scheduling.scheduler import PERSISTENT

log = logging.getLogger(__name__)
JOB_PREFIX = "timer-"
# Only timers due within the horizon have a job: each round (every SCHEDULER_SYNC_SECONDS, at
# most five minutes) brings the next ones in, so a start with 100,000 timers months ahead
# writes a few jobs, not 100,000, and memory holds the window, not every promise. At most
# WINDOW_JOBS at once: if more fall due together, the soonest go first and the rest follow
# as they fire.
HORIZON = timedelta(minutes=15)
WINDOW_JOBS = 2000


# Persistent jobs are stored as a function reference and ids, never as objects: the running
# service binds its domain worker here when it starts, and every job reaches it through here.
_bound: list[DomainWorker] = []
# Timers whose job is running: APScheduler has already removed the stored job while the timer
# is still pending, and it must not be scheduled again meanwhile.
_running: set[int] = set()


def bind(worker: DomainWorker) -> None:
    """Give the jobs of this process the worker that runs their domain calls."""
    _bound[:] = [worker]
    _running.clear()  # runs cut short by an earlier stop never finished


def bound() -> DomainWorker:
    """The worker jobs run their domain calls on."""
    if not _bound:
        raise RuntimeError("scheduling jobs ran before the service bound its domain")
    return _bound[0]


async def run_timer(timer_id: int) -> None:
    """The persistent job: fire one timer (a no-op if it fired before or was called off)."""
    _running.add(timer_id)
    try:
        fired = await bound().unit(lambda ctx: fire_timer(ctx, timer_id))
    finally:
        _running.discard(timer_id)
    log.info("timer %s %s", timer_id, "fired" if fired else "skipped")


async def _plan_service_timers(ctx: DomainContext) -> None:
    await plan_digest(ctx)
    await plan_shift_start(ctx)
    await plan_all_checkins(ctx)
    await plan_credit_round(ctx)
    await plan_retention(ctx)


async def plan_daily_timers() -> None:
    """Plan the service-wide timers (digest, next shift start) and each check-in plan's next
    call, following changes made elsewhere (rota, plans edited from the command line)."""
    await bound().unit(_plan_service_timers)


async def periodic_round(scheduler: AsyncIOScheduler) -> None:
    """Every few seconds: follow rota changes made elsewhere (the command line), then sync.

    Planning reads the whole rota, so it runs here and not on every wake after a message.
    """
    await plan_daily_timers()
    await sync_timers(scheduler)


async def sync_timers(scheduler: AsyncIOScheduler) -> tuple[int, int]:
    """Make the persistent jobs match the pending timers due within the horizon; returns
    (added, removed)."""
    pending = await bound().unit(lambda ctx: timers_due_by(ctx, ctx.now() + HORIZON, WINDOW_JOBS))
    timers = {f"{JOB_PREFIX}{t.id}": t for t in pending if t.id not in _running}
    jobs = {job.id: job.next_run_time for job in scheduler.get_jobs(jobstore=PERSISTENT)}
    added = removed = 0
    for job_id, timer in timers.items():
        # A stored job whose time differs from its timer's (a restored backup, a moved timer)
        # is replaced: the timers table is the promise, the job store only carries it out.
        stored = jobs.get(job_id)
        if stored is None or abs((stored - timer.due_at).total_seconds()) > 0.001:
            scheduler.add_job(
                run_timer, "date", run_date=timer.due_at, args=[timer.id], id=job_id,
                name=f"{timer.kind} request {timer.request_id}", jobstore=PERSISTENT,
                replace_existing=True,
            )  # fmt: skip
            added += 1
    for job_id in jobs.keys() - timers.keys():
        if job_id.startswith(JOB_PREFIX):
            try:
                scheduler.remove_job(job_id, jobstore=PERSISTENT)
                removed += 1
            except JobLookupError:
                pass
    return added, removed
