"""The scheduler keeps promises through restarts, and only one process in a cluster runs it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, text, update

from bot.runtime import Runtime
from concierge.clock import SystemClock
from concierge.database import transaction
from concierge.demo import load_demo
from concierge.messages import Channel, IdentityKind
from concierge.outbox import OutboxMessage
from concierge.people.person import find_person
from concierge.requests.lifecycle import RequestStatus
from concierge.requests.request import ServiceRequest, create_request
from concierge.routing.assignment import offer_next
from concierge.team.operators import go_on_duty, operator_for_person
from concierge.timers import Timer, TimerKind, TimerStatus
from scheduling.service import SchedulingService
from tests.conftest import Domain, make_settings, truncate_postgres

GIULIA = "+393331000001"


async def _live(database_url: str) -> AsyncIterator[Domain]:
    runtime = Runtime.create(
        make_settings(database_url, LEADER_RETRY_SECONDS=0.2, SCHEDULER_SYNC_SECONDS=0.5),
        SystemClock(),
    )
    async with transaction(runtime.sessions) as session:
        await load_demo(session, runtime.clock.now())
    yield Domain(runtime)
    await runtime.close()


@pytest.fixture
async def live_domain(database_url: str) -> AsyncIterator[Domain]:
    """Demo data on the real clock (the scheduler runs on real time), SQLite then PostgreSQL."""
    async for domain in _live(database_url):
        yield domain


@pytest.fixture
async def pg_live_domain(postgres_url: str) -> AsyncIterator[Domain]:
    """The same on PostgreSQL only, where leadership is contested."""
    await truncate_postgres(postgres_url)
    async for domain in _live(postgres_url):
        yield domain


async def _offered_repair(domain: Domain) -> tuple[int, Timer]:
    """A request offered to Giulia, with its offer time-out timer."""
    async with domain.unit() as ctx:
        maria = await find_person(ctx.session, IdentityKind.PHONE, "+393402000001")
        assert maria is not None
        request = await create_request(ctx, maria, "home_repair", "", Channel.WEBCHAT)
        # Whatever the real day and hour, Giulia and Marco are on duty for this test.
        for phone in (GIULIA, "+393331000002"):
            person = await find_person(ctx.session, IdentityKind.PHONE, phone)
            assert person is not None
            operator = await operator_for_person(ctx.session, person.id)
            assert operator is not None
            go_on_duty(operator, ctx.now(), hours=2)
        await ctx.session.flush()
        await offer_next(ctx, request)
        timer = await ctx.session.scalar(select(Timer).where(Timer.request_id == request.id))
        assert timer is not None and timer.kind == TimerKind.OFFER_TIMEOUT
        return request.id, timer


async def _move_timer(domain: Domain, timer_id: int, due_at: datetime) -> None:
    async with domain.unit() as ctx:
        await ctx.session.execute(update(Timer).where(Timer.id == timer_id).values(due_at=due_at))


async def _wait_for(condition: Callable[[], object], what: str, seconds: float = 20) -> None:
    """Wait (bounded) for something the scheduler does in its own thread."""
    deadline = time.monotonic() + seconds
    while not await condition():  # type: ignore[misc]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def _timer_status(domain: Domain, timer_id: int) -> str:
    async with domain.unit() as ctx:
        timer = await ctx.session.get(Timer, timer_id)
        assert timer is not None
        return str(timer.status)


async def _expired_notices(domain: Domain) -> int:
    async with domain.unit() as ctx:
        return int(
            await ctx.session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.address == GIULIA, OutboxMessage.text.like("Tempo scaduto%"))
            )
            or 0
        )


async def _start(domain: Domain) -> SchedulingService:
    service = SchedulingService(domain.runtime.settings, domain.runtime.clock)
    service.start()
    await asyncio.to_thread(service.synced.wait, 20)
    assert service.synced.is_set(), "the scheduler never led"
    return service


async def test_due_while_stopped_runs_once_after_start(live_domain: Domain) -> None:
    request_id, timer = await _offered_repair(live_domain)
    # The offer timed out an hour ago, while no scheduler was running.
    await _move_timer(live_domain, timer.id, live_domain.runtime.clock.now() - timedelta(hours=1))

    service = await _start(live_domain)

    async def fired() -> bool:
        return await _timer_status(live_domain, timer.id) == TimerStatus.FIRED

    await _wait_for(fired, "the overdue offer time-out to fire")
    await service.stop()
    async with live_domain.unit() as ctx:
        request = await ctx.session.get(ServiceRequest, request_id)
        assert request is not None and request.status == RequestStatus.OFFERED
        assert request.operator is not None and request.operator.first_name == "Marco"

    again = await _start(live_domain)  # a second start does not run it again
    await again.stop()
    assert await _expired_notices(live_domain) == 1


async def test_jobs_survive_a_restart(live_domain: Domain, database_url: str) -> None:
    _, timer = await _offered_repair(live_domain)
    due = live_domain.runtime.clock.now() + timedelta(seconds=2)
    await _move_timer(live_domain, timer.id, due)
    first = await _start(live_domain)
    await first.stop()  # stopped before the job is due
    async with live_domain.unit() as ctx:
        stored = await ctx.session.scalar(
            text("SELECT count(*) FROM scheduler_jobs WHERE id = :id"), {"id": f"timer-{timer.id}"}
        )
    assert stored == 1, "the job was not persisted"

    async def past_due() -> bool:
        # Well past it: a scheduler with a short misfire grace would now drop the job.
        return live_domain.runtime.clock.now() > due + timedelta(seconds=2)

    await _wait_for(past_due, "the due time to pass")
    assert await _timer_status(live_domain, timer.id) == TimerStatus.PENDING

    second = await _start(live_domain)

    async def fired() -> bool:
        return await _timer_status(live_domain, timer.id) == TimerStatus.FIRED

    await _wait_for(fired, "the stored job to run after the restart")
    await second.stop()
    assert await _expired_notices(live_domain) == 1


@pytest.mark.postgres
async def test_one_leader_and_takeover_on_postgresql(pg_live_domain: Domain) -> None:
    live_domain = pg_live_domain
    first = await _start(live_domain)
    second = SchedulingService(live_domain.runtime.settings, live_domain.runtime.clock)
    second.start()
    await asyncio.sleep(1)  # several of its retry rounds pass without it taking the lead
    assert first.leading and not second.leading

    # The leader's database session dies, as when its process is killed.
    async with live_domain.unit() as ctx:
        await ctx.session.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_locks "
                "WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()"
            )
        )

    async def taken_over() -> bool:
        return second.leading and not first.leading

    await _wait_for(taken_over, "the follower to take over")
    _, timer = await _offered_repair(live_domain)
    await _move_timer(live_domain, timer.id, live_domain.runtime.clock.now())
    second.wake()

    async def fired() -> bool:
        return await _timer_status(live_domain, timer.id) == TimerStatus.FIRED

    await _wait_for(fired, "the new leader to fire a due timer")
    await first.stop()
    await second.stop()
    assert await _expired_notices(live_domain) == 1


async def _stored_jobs(domain: Domain, timer_id: int) -> int:
    async with domain.unit() as ctx:
        found = await ctx.session.scalar(
            text("SELECT count(*) FROM scheduler_jobs WHERE id = :id"), {"id": f"timer-{timer_id}"}
        )
    return int(found or 0)


async def test_only_timers_due_soon_have_jobs_and_later_ones_come_in_when_near(
    live_domain: Domain,
) -> None:
    # 100,000 timers months ahead must not become 100,000 jobs at start: a timer days away
    # waits in the timers table; once it is near (moved here, or time passing) a round
    # gives it its job, and it fires.
    _, timer = await _offered_repair(live_domain)
    await _move_timer(live_domain, timer.id, live_domain.runtime.clock.now() + timedelta(days=3))
    service = await _start(live_domain)
    try:
        assert await _stored_jobs(live_domain, timer.id) == 0, "a job for a timer days away"
        await _move_timer(
            live_domain, timer.id, live_domain.runtime.clock.now() + timedelta(seconds=1)
        )

        async def fired() -> bool:
            return await _timer_status(live_domain, timer.id) == TimerStatus.FIRED

        await _wait_for(fired, "the timer to come into the window and fire")
    finally:
        await service.stop()
