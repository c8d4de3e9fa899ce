"""Timers with a manual clock: offer time-outs, reminders, overdue alerts, each fired once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from concierge.jobs.dispatch import fire_timer
from concierge.messages import Channel, IdentityKind
from concierge.outbox import OutboxMessage
from concierge.people.person import find_person
from concierge.requests.lifecycle import RequestStatus
from concierge.requests.request import ServiceRequest, cancel_request, create_request
from concierge.routing.assignment import accept_offer, offer_next
from concierge.team.operators import Operator
from concierge.timers import Timer, TimerKind, TimerStatus, pending_timers
from tests.conftest import ROME, Domain

MARIA, GIULIA, PAOLA = "+393402000001", "+393331000001", "+393331000009"
AFTERNOON = datetime(2026, 11, 23, 15, 0, tzinfo=ROME)


async def _request(domain: Domain, service: str, due_at: datetime | None = None) -> int:
    async with domain.unit() as ctx:
        maria = await find_person(ctx.session, IdentityKind.PHONE, MARIA)
        assert maria is not None
        request = await create_request(ctx, maria, service, "", Channel.WEBCHAT, due_at=due_at)
        await offer_next(ctx, request)
        return request.id


async def _pending(domain: Domain) -> dict[TimerKind, Timer]:
    async with domain.unit() as ctx:
        return {TimerKind(t.kind): t for t in await pending_timers(ctx)}


async def _fire(domain: Domain, timer: Timer) -> bool:
    async with domain.unit() as ctx:
        return await fire_timer(ctx, timer.id)


async def _texts_to(domain: Domain, address: str) -> list[str]:
    async with domain.unit() as ctx:
        rows = await ctx.session.scalars(
            select(OutboxMessage.text).where(OutboxMessage.address == address)
        )
        return list(rows.all())


async def _status(domain: Domain, request_id: int) -> tuple[RequestStatus, str | None]:
    async with domain.unit() as ctx:
        request = await ctx.session.get(ServiceRequest, request_id)
        assert request is not None
        return request.status, request.operator.first_name if request.operator else None


async def _accept_as_giulia(domain: Domain, request_id: int) -> None:
    async with domain.unit() as ctx:
        giulia = await ctx.session.scalar(select(Operator).order_by(Operator.id))
        assert giulia is not None
        await accept_offer(ctx, giulia, request_id)


async def test_an_unanswered_offer_passes_to_the_next_operator(demo_domain: Domain) -> None:
    request_id = await _request(demo_domain, "home_repair")
    timeout = (await _pending(demo_domain))[TimerKind.OFFER_TIMEOUT]
    assert timeout.due_at == demo_domain.clock.now() + timedelta(minutes=2)
    assert not await _fire(demo_domain, timeout), "fired before its time"

    demo_domain.clock.advance(timedelta(minutes=2))
    assert await _fire(demo_domain, timeout)
    assert not await _fire(demo_domain, timeout), "fired twice"
    assert await _status(demo_domain, request_id) == (RequestStatus.OFFERED, "Marco")
    assert any(t.startswith("Tempo scaduto") for t in await _texts_to(demo_domain, GIULIA))
    # Marco's offer has a time-out of its own.
    second = (await _pending(demo_domain))[TimerKind.OFFER_TIMEOUT]
    assert second.id != timeout.id and second.subject_id != timeout.subject_id


async def test_accepting_calls_off_the_offer_timeout(demo_domain: Domain) -> None:
    request_id = await _request(demo_domain, "parcel")
    timeout = (await _pending(demo_domain))[TimerKind.OFFER_TIMEOUT]
    await _accept_as_giulia(demo_domain, request_id)
    demo_domain.clock.advance(timedelta(minutes=5))
    assert not await _fire(demo_domain, timeout)
    assert await _status(demo_domain, request_id) == (RequestStatus.ACCEPTED, "Giulia")


async def test_reminder_before_due_time_and_overdue_alert(demo_domain: Domain) -> None:
    request_id = await _request(demo_domain, "parcel", due_at=AFTERNOON)
    await _accept_as_giulia(demo_domain, request_id)
    timers = await _pending(demo_domain)
    assert timers[TimerKind.REMINDER].due_at == AFTERNOON - timedelta(minutes=30)
    assert timers[TimerKind.OVERDUE].due_at == AFTERNOON

    demo_domain.clock.set(AFTERNOON - timedelta(minutes=30))
    assert await _fire(demo_domain, timers[TimerKind.REMINDER])
    reminders = [t for t in await _texts_to(demo_domain, GIULIA) if t.startswith("Promemoria")]
    assert reminders == [
        "Promemoria, è quasi ora: n. 1 · Ritiro pacchi · lunedì 23 novembre, 15:00."
    ]
    demo_domain.clock.set(AFTERNOON + timedelta(seconds=1))
    assert await _fire(demo_domain, timers[TimerKind.OVERDUE])
    assert await _texts_to(demo_domain, PAOLA) == [
        "In ritardo: n. 1 · Ritiro pacchi · lunedì 23 novembre, 15:00 è oltre la scadenza "
        "ed è ancora «presa in carico» (Giulia)."
    ]


async def test_a_cancelled_request_gets_no_reminder(demo_domain: Domain) -> None:
    request_id = await _request(demo_domain, "parcel", due_at=AFTERNOON)
    await _accept_as_giulia(demo_domain, request_id)
    timers = await _pending(demo_domain)
    async with demo_domain.unit() as ctx:
        maria = await find_person(ctx.session, IdentityKind.PHONE, MARIA)
        assert maria is not None
        await cancel_request(ctx, maria, request_id)
    assert await _pending(demo_domain) == {}
    demo_domain.clock.set(AFTERNOON + timedelta(hours=1))
    for timer in timers.values():
        assert not await _fire(demo_domain, timer)
    async with demo_domain.unit() as ctx:
        statuses = (await ctx.session.scalars(select(Timer.status))).all()
    assert TimerStatus.FIRED not in statuses
    assert not any(t.startswith("Promemoria") for t in await _texts_to(demo_domain, GIULIA))
    assert await _texts_to(demo_domain, PAOLA) == []


async def test_a_request_made_and_cancelled_in_one_unit_leaves_no_timer(
    demo_domain: Domain,
) -> None:
    # A request made in a unit of work skips the look-up of its timers (it has none) until one
    # is set; the cancellation in the same unit must still find and call off those set.
    async with demo_domain.unit() as ctx:
        maria = await find_person(ctx.session, IdentityKind.PHONE, MARIA)
        assert maria is not None
        request = await create_request(
            ctx, maria, "parcel", "", Channel.WEBCHAT, due_at=AFTERNOON + timedelta(days=1)
        )
        await offer_next(ctx, request)
        set_here = {TimerKind(t.kind) for t in await pending_timers(ctx)}
        await cancel_request(ctx, maria, request.id)
    assert TimerKind.OVERDUE in set_here
    assert [t for t in (await _pending(demo_domain)).values() if t.request_id == request.id] == []
