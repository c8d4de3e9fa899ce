"""Routing with a controllable clock: two-slot shifts across DST, holidays, time-outs through
three operators, capacity, urgent first, the queue handed out when a shift starts, requests
waiting for the shift that covers them, and two Accepts at once."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from concierge.jobs.dispatch import fire_timer
from concierge.messages import Channel, Choice, IdentityKind, Inbound, Reply
from concierge.outbox import enqueue
from concierge.people.person import find_person
from concierge.requests.lifecycle import RequestStatus
from concierge.requests.request import ServiceRequest, create_request
from concierge.routing.assignment import Offer, OfferStatus, offer_next
from concierge.routing.opening_hours import plan_shift_start
from concierge.service_calendar import calendar_of
from concierge.team.operators import Operator, Shift, operators_on_duty
from concierge.team.rota import ExceptionKind, ShiftException, next_shift_start
from concierge.timers import Timer, TimerKind, pending_timers
from handlers.inbound import handle_inbound
from tests.conftest import MONDAY_MORNING, ROME, Domain, make_settings
from tests.transcript import Speaker

MARIA, GIUSEPPE, PAOLA = "+393402000001", "+393402000002", "+393331000009"
GIULIA, MARCO, SARA = "+393331000001", "+393331000002", "+393331000003"


async def _operators(domain: Domain) -> dict[str, Operator]:
    async with domain.unit() as ctx:
        rows = (await ctx.session.scalars(select(Operator))).unique().all()
        return {op.first_name: op for op in rows}


async def _change(domain: Domain, first_name: str, **fields: object) -> None:
    async with domain.unit() as ctx:
        operator = next(
            op
            for op in (await ctx.session.scalars(select(Operator))).unique().all()
            if op.first_name == first_name
        )
        for name, value in fields.items():
            setattr(operator, name, value)


async def _ask(domain: Domain, service: str, *, phone: str = MARIA, **extra: object) -> int:
    async with domain.unit() as ctx:
        person = await find_person(ctx.session, IdentityKind.PHONE, phone)
        assert person is not None
        request = await create_request(ctx, person, service, "", Channel.WEBCHAT, **extra)  # type: ignore[arg-type]
        await offer_next(ctx, request)
        return request.id


async def _holder(domain: Domain, request_id: int) -> tuple[RequestStatus, str | None]:
    async with domain.unit() as ctx:
        request = await ctx.session.get(ServiceRequest, request_id)
        assert request is not None
        return request.status, request.operator.first_name if request.operator else None


async def _fire_next(domain: Domain, kind: TimerKind) -> None:
    async with domain.unit() as ctx:
        timer = next(t for t in await pending_timers(ctx) if t.kind == kind)
    domain.clock.set(max(timer.due_at, domain.clock.now()))
    async with domain.unit() as ctx:
        assert await fire_timer(ctx, timer.id)


async def test_two_slot_shifts_across_a_dst_change(demo_domain: Domain) -> None:
    slots = [Shift(weekday=0, starts_at=time(8), ends_at=time(12))]
    slots.append(Shift(weekday=0, starts_at=time(14), ends_at=time(18)))
    await _change(demo_domain, "Giulia", shifts=slots)
    giulia = (await _operators(demo_domain))["Giulia"]
    calendar = calendar_of(demo_domain.runtime.settings)
    for monday in (date(2026, 10, 19), date(2026, 10, 26)):  # before and after winter time
        nine, one, to_six, half_twelve, two = (
            datetime.combine(monday, moment, tzinfo=ROME)
            for moment in (time(9), time(13), time(17, 59), time(12, 30), time(14))
        )
        assert giulia.on_duty(nine, calendar)
        assert not giulia.on_duty(one, calendar)
        assert giulia.on_duty(to_six, calendar)
        assert next_shift_start([giulia], half_twelve, calendar) == two
    assert datetime(2026, 10, 19, 8, tzinfo=ROME).utcoffset() == timedelta(hours=2)
    assert datetime(2026, 10, 26, 8, tzinfo=ROME).utcoffset() == timedelta(hours=1)


async def test_holidays_national_and_local(demo_domain: Domain) -> None:
    calendar = calendar_of(demo_domain.runtime.settings)
    immacolata = datetime(2026, 12, 8, 10, 0, tzinfo=ROME)  # a Tuesday
    async with demo_domain.unit() as ctx:
        assert await operators_on_duty(ctx.session, immacolata, calendar) == []
        everyone = list((await _operators(demo_domain)).values())
    assert calendar.holiday(immacolata.date()) is not None
    assert next_shift_start(everyone, immacolata, calendar) == datetime(
        2026, 12, 9, 8, 0, tzinfo=ROME
    )
    patron = calendar_of(make_settings("sqlite:///x.db", LOCAL_HOLIDAYS="11-24"))
    assert patron.holiday(date(2026, 11, 24)) == "festa locale"
    assert not everyone[0].on_duty(datetime(2026, 11, 24, 10, tzinfo=ROME), patron)
    # An extra shift on the holiday puts Giulia on duty; a sick day takes her off another.
    async with demo_domain.unit() as ctx:
        giulia = await ctx.session.get(Operator, everyone[0].id)
        assert giulia is not None
        giulia.exceptions.append(
            ShiftException(
                day=date(2026, 12, 8), kind=ExceptionKind.EXTRA,
                starts_at=time(9), ends_at=time(12), note="turno extra",
            )
        )  # fmt: skip
        giulia.exceptions.append(
            ShiftException(day=date(2026, 12, 9), kind=ExceptionKind.OFF, note="malattia")
        )
    giulia = (await _operators(demo_domain))["Giulia"]
    assert giulia.on_duty(immacolata, calendar)
    assert not giulia.on_duty(datetime(2026, 12, 9, 10, tzinfo=ROME), calendar)


async def test_an_offer_times_out_through_three_operators(demo_domain: Domain) -> None:
    request_id = await _ask(demo_domain, "shopping")
    holders = [(await _holder(demo_domain, request_id))[1]]
    for _ in range(3):
        await _fire_next(demo_domain, TimerKind.OFFER_TIMEOUT)
        holders.append((await _holder(demo_domain, request_id))[1])
    assert holders == ["Giulia", "Marco", "Sara", None]
    assert (await _holder(demo_domain, request_id))[0] == RequestStatus.QUEUED
    paola = Speaker(demo_domain, PAOLA)
    assert await paola.inbox() == [
        "Nessun operatore può prendere ora n. 1 · Spesa: è in coda. Serve un tuo intervento?"
    ]
    async with demo_domain.unit() as ctx:  # asked again, the coordinator is not told twice
        request = await ctx.session.get(ServiceRequest, request_id)
        assert request is not None and await offer_next(ctx, request) is None
    assert await paola.inbox() == []


async def test_decline_capacity_and_least_loaded(demo_domain: Domain) -> None:
    await _change(demo_domain, "Giulia", capacity=1)
    await _change(demo_domain, "Marco", capacity=1)
    first = await _ask(demo_domain, "shopping")
    second = await _ask(demo_domain, "shopping", phone=GIUSEPPE)
    assert [(await _holder(demo_domain, r))[1] for r in (first, second)] == ["Giulia", "Marco"]
    third = await _ask(demo_domain, "shopping")
    assert (await _holder(demo_domain, third))[1] == "Sara", "the least loaded"
    await Speaker(demo_domain, SARA).tap("Decline")
    assert await _holder(demo_domain, third) == (RequestStatus.QUEUED, None), "all are full"


async def test_zones_keep_offers_in_the_neighbourhood(demo_domain: Domain) -> None:
    await _change(demo_domain, "Giulia", zones=["Borgo Po"])
    await _change(demo_domain, "Marco", zones=["Centro", "Vanchiglia"])
    async with demo_domain.unit() as ctx:
        maria = await find_person(ctx.session, IdentityKind.PHONE, MARIA)
        assert maria is not None
        maria.zone = "Vanchiglia"
    request_id = await _ask(demo_domain, "parcel")
    assert (await _holder(demo_domain, request_id))[1] == "Marco", "Giulia works elsewhere"


async def test_urgent_timeout_is_shorter(demo_domain: Domain) -> None:
    await _ask(demo_domain, "parcel", urgent=True)
    async with demo_domain.unit() as ctx:
        (timer,) = await pending_timers(ctx)
    assert timer.due_at - MONDAY_MORNING == timedelta(seconds=60)


async def test_at_shift_start_the_queue_goes_out_urgent_first(demo_domain: Domain) -> None:
    sunday = datetime(2026, 11, 22, 11, 0, tzinfo=ROME)
    demo_domain.clock.set(sunday)
    await _change(demo_domain, "Giulia", capacity=1)
    await _change(demo_domain, "Marco", active=False)
    await _change(demo_domain, "Sara", active=False)
    older = await _ask(demo_domain, "parcel")
    urgent = await _ask(demo_domain, "parcel", phone=GIUSEPPE, urgent=True)
    assert await _holder(demo_domain, older) == (RequestStatus.QUEUED, None)
    async with demo_domain.unit() as ctx:
        start = await plan_shift_start(ctx)
    assert start is not None and start.due_at == datetime(2026, 11, 23, 8, 0, tzinfo=ROME)
    await _fire_next(demo_domain, TimerKind.SHIFT_START)
    assert await _holder(demo_domain, urgent) == (RequestStatus.OFFERED, "Giulia")
    assert await _holder(demo_domain, older) == (RequestStatus.QUEUED, None)
    async with demo_domain.unit() as ctx:  # and the next start is planned
        kinds = [t.kind for t in await pending_timers(ctx)]
    assert TimerKind.SHIFT_START in kinds


async def test_a_request_for_thursday_waits_for_thursdays_shift(demo_domain: Domain) -> None:
    thursday_10 = datetime(2026, 11, 26, 10, 0, tzinfo=ROME)
    request_id = await _ask(demo_domain, "ironing", due_at=thursday_10)
    assert await _holder(demo_domain, request_id) == (RequestStatus.QUEUED, None)
    assert await Speaker(demo_domain, PAOLA).inbox() == [], "waiting on purpose is no alarm"
    async with demo_domain.unit() as ctx:
        await plan_shift_start(ctx)
    for _ in range(3):  # Tuesday's and Wednesday's shifts start: it still waits
        await _fire_next(demo_domain, TimerKind.SHIFT_START)
    assert demo_domain.clock.now() == datetime(2026, 11, 26, 8, 0, tzinfo=ROME)
    assert (await _holder(demo_domain, request_id))[0] == RequestStatus.OFFERED


async def test_two_accepts_at_once_one_wins(demo_domain: Domain) -> None:
    request_id = await _ask(demo_domain, "shopping")  # offered to Giulia
    operators = await _operators(demo_domain)
    async with demo_domain.unit() as ctx:  # Marco holds a stale offer (a race with a time-out)
        ctx.session.add(
            Offer(
                request_id=request_id, operator_id=operators["Marco"].id,
                status=OfferStatus.PENDING, offered_at=ctx.now(),
            )
        )  # fmt: skip
        # ... and its message with the Accept button (a choice counts only if it was offered).
        offer = Reply(text="offer", choices=(Choice(label="ok", payload=f"accept:{request_id}"),))
        await enqueue(
            ctx.session, channel=Channel.WEBCHAT, address=MARCO, reply=offer,
            dedupe_key="stale-offer", now=ctx.now(),
        )  # fmt: skip
    runtime = demo_domain.runtime

    async def accept(phone: str) -> None:
        inbound = Inbound(
            channel=Channel.WEBCHAT, provider_message_id=f"accept-{phone}", sender=phone,
            choice=f"accept:{request_id}", received_at=runtime.clock.now(),
        )  # fmt: skip
        await handle_inbound(runtime.sessions, runtime.clock, runtime.settings, inbound)

    await asyncio.gather(accept(GIULIA), accept(MARCO))
    async with demo_domain.unit() as ctx:
        accepted = await ctx.session.scalar(
            select(func.count(Offer.id)).where(
                Offer.request_id == request_id, Offer.status == OfferStatus.ACCEPTED
            )
        )
    assert accepted == 1
    status, holder = await _holder(demo_domain, request_id)
    assert status == RequestStatus.ACCEPTED and holder in ("Giulia", "Marco")
    loser = MARCO if holder == "Giulia" else GIULIA
    assert (await Speaker(demo_domain, loser).inbox())[-1] in (
        "Troppo tardi: la richiesta n. 1 l'ha già presa un collega.",
        "La richiesta n. 1 non è assegnata a te o non ti è stata proposta.",
    )


def test_timer_kinds_are_known() -> None:
    assert {TimerKind.SHIFT_START, TimerKind.OFFER_TIMEOUT} <= set(TimerKind)
    assert Timer.__table__.name == "timers"


async def test_an_update_from_a_stale_read_fails_instead_of_winning(demo_domain: Domain) -> None:
    request_id = await _ask(demo_domain, "shopping")
    with pytest.raises(StaleDataError):
        async with demo_domain.unit() as slow:
            stale = await slow.session.get(ServiceRequest, request_id)
            assert stale is not None
            async with demo_domain.unit() as quick:  # a time-out commits in between
                fresh = await quick.session.get(ServiceRequest, request_id)
                assert fresh is not None
                fresh.status = RequestStatus.QUEUED
            stale.status = RequestStatus.ACCEPTED
            await slow.session.flush()
    assert (await _holder(demo_domain, request_id))[0] == RequestStatus.QUEUED
