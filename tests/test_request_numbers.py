"""The dashboard's numbers: one Monday of requests driven through the real domain (a decline, a
time-out, a reassignment, a late and two on-time requests, ratings, a second cooperative with
its own operator), then counted per period, per operator and per cooperative, as CSV rows, and
as the live figures a /metrics scrape reads."""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import event, func, select

from concierge.checkins.plans import CheckinPlan, CheckinRound, RoundStatus
from concierge.context import DomainContext
from concierge.errors import InvalidValue
from concierge.jobs.dispatch import fire_timer
from concierge.messages import Channel, IdentityKind
from concierge.numbers.counts import (
    CooperativeNumbers,
    MinuteFigures,
    OperatorNumbers,
    PeriodNumbers,
    period_numbers,
)
from concierge.numbers.export import (
    CSV_COLUMNS,
    RequestRow,
    live_figures,
    request_rows,
    rows_as_csv,
)
from concierge.numbers.facts import Period, promised_by
from concierge.outbox import OutboxMessage, mark_failed, mark_sent
from concierge.people.person import ChannelIdentity, Person, PersonKind, find_person
from concierge.requests.lifecycle import Actor
from concierge.requests.request import cancel_request, create_request, finish_request, start_request
from concierge.requests.satisfaction import Satisfaction, rate_request
from concierge.routing.assignment import accept_offer, decline_offer, offer_next, reassign
from concierge.team.coordinators import Coordinator
from concierge.team.operators import Cooperative, Operator, Shift
from concierge.timers import TimerKind, pending_timers
from tests.conftest import ROME, Domain

MARIA, GIUSEPPE, LUCA, EMMA = "+393402000001", "+393402000002", "+393402000003", "+393402000004"
PORTICO, AIUTO = "Cooperativa Il Portico", "Aiuto in Casa"
MONDAY = date(2026, 11, 23)
THE_MONDAY = Period(MONDAY, MONDAY)

OperatorStep = Callable[[DomainContext, Operator, int], Awaitable[object]]


def _at(hour: int, minute: int = 0, day: int = 23) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=ROME)


async def _operator(ctx: DomainContext, first_name: str) -> Operator:
    operators = (await ctx.session.scalars(select(Operator))).unique().all()
    return next(op for op in operators if op.first_name == first_name)


async def _as(domain: Domain, at: datetime, first_name: str, step: OperatorStep, rid: int) -> None:
    domain.clock.set(at)
    async with domain.unit() as ctx:
        await step(ctx, await _operator(ctx, first_name), rid)


async def _ask(
    domain: Domain,
    at: datetime,
    phone: str,
    service: str,
    channel: Channel,
    *,
    due_at: datetime | None = None,
    due_kind: str = "time",
    offer: bool = True,
) -> int:
    domain.clock.set(at)
    async with domain.unit() as ctx:
        person = await find_person(ctx.session, IdentityKind.PHONE, phone)
        assert person is not None
        request = await create_request(
            ctx, person, service, "", channel, due_at=due_at, due_kind=due_kind
        )
        if offer:
            await offer_next(ctx, request)
        return request.id


async def _rate(domain: Domain, phone: str, request_id: int, mark: int) -> None:
    async with domain.unit() as ctx:
        person = await find_person(ctx.session, IdentityKind.PHONE, phone)
        assert person is not None
        ctx.session.add(Satisfaction(request_id=request_id, asked_at=ctx.now()))
        await ctx.session.flush()
        await rate_request(ctx, person.id, request_id, mark)


async def _second_cooperative(domain: Domain) -> int:
    """ "Aiuto in Casa", whose Olga alone works the north, where Emma lives."""
    async with domain.unit() as ctx:
        cooperative = Cooperative(name=AIUTO)
        olga = Person(
            first_name="Olga", last_name="Neri", kind=PersonKind.WORKER, language="it",
            created_at=ctx.now(),
        )  # fmt: skip
        olga.identities.append(ChannelIdentity(kind=IdentityKind.PHONE, address="+393331000020"))
        ctx.session.add_all([cooperative, olga])
        await ctx.session.flush()
        for operator in (await ctx.session.scalars(select(Operator))).unique().all():
            operator.zones = ["Centro"]
        operator = Operator(
            person_id=olga.id, cooperative_id=cooperative.id, skills=["parcel"],
            contact_channel=Channel.WEBCHAT, active=True, zones=["Nord"],
        )  # fmt: skip
        operator.shifts = [Shift(weekday=d, starts_at=time(8), ends_at=time(18)) for d in range(6)]
        ctx.session.add(operator)
        emma = await find_person(ctx.session, IdentityKind.PHONE, EMMA)
        assert emma is not None
        emma.zone = "Nord"
        await ctx.session.flush()
        return cooperative.id


@dataclass(frozen=True)
class Monday:
    """The requests of the Monday, and the two cooperatives."""

    a: int  # Maria's parcel for 12:00: declined by Giulia, done by Marco at 11:00, rated 5
    b: int  # Giuseppe's shopping "in the morning": Sara let it time out, Giulia late at 12:30
    c: int  # Luca's parcel "on Monday": taken by Marco, given to Giulia, done at 18:30
    d: int  # Emma's parcel, no due time: the other cooperative's Olga, rated 4
    e: int  # Maria's shopping by phone, cancelled
    f: int  # Giuseppe's parcel made on Tuesday 00:30 (Monday 23:30 UTC), still queued
    portico: int
    aiuto: int


async def _a_monday(domain: Domain) -> Monday:
    aiuto = await _second_cooperative(domain)
    a = await _ask(domain, _at(10), MARIA, "parcel", Channel.WEBCHAT, due_at=_at(12))
    await _as(domain, _at(10, 5), "Giulia", decline_offer, a)  # on to Marco
    await _as(domain, _at(10, 15), "Marco", accept_offer, a)
    await _as(domain, _at(10, 20), "Marco", start_request, a)
    await _as(domain, _at(11), "Marco", finish_request, a)
    await _rate(domain, MARIA, a, 5)

    b = await _ask(
        domain, _at(11), GIUSEPPE, "shopping", Channel.SMS, due_at=_at(12), due_kind="morning"
    )  # offered to Sara, never offered anything yet
    async with domain.unit() as ctx:
        timeout = next(t for t in await pending_timers(ctx) if t.kind == TimerKind.OFFER_TIMEOUT)
    domain.clock.set(timeout.due_at)
    async with domain.unit() as ctx:
        assert await fire_timer(ctx, timeout.id)  # Sara's offer expires; on to Giulia
    await _as(domain, _at(11, 10), "Giulia", accept_offer, b)
    await _as(domain, _at(11, 15), "Giulia", start_request, b)
    await _as(domain, _at(12, 30), "Giulia", finish_request, b)
    await _rate(domain, GIUSEPPE, b, 2)

    c = await _ask(
        domain, _at(12, 30), LUCA, "parcel", Channel.TELEGRAM, due_at=_at(18), due_kind="day"
    )  # to Marco, idle longer than Giulia
    await _as(domain, _at(12, 32), "Marco", accept_offer, c)
    domain.clock.set(_at(12, 35))
    async with domain.unit() as ctx:
        coordinator = await ctx.session.scalar(select(Coordinator))
        assert coordinator is not None
        await reassign(ctx, c, await _operator(ctx, "Giulia"), Actor.coordinator(coordinator.id))
    await _as(domain, _at(12, 40), "Giulia", accept_offer, c)
    await _as(domain, _at(12, 45), "Giulia", start_request, c)

    d = await _ask(domain, _at(13), EMMA, "parcel", Channel.WEBCHAT)
    await _as(domain, _at(13, 30), "Olga", accept_offer, d)
    await _as(domain, _at(13, 40), "Olga", start_request, d)
    await _as(domain, _at(14), "Olga", finish_request, d)
    await _rate(domain, EMMA, d, 4)

    e = await _ask(domain, _at(14), MARIA, "shopping", Channel.VOICE, offer=False)
    domain.clock.set(_at(14, 5))
    async with domain.unit() as ctx:
        maria = await find_person(ctx.session, IdentityKind.PHONE, MARIA)
        assert maria is not None
        await cancel_request(ctx, maria, e)

    await _as(domain, _at(18, 30), "Giulia", finish_request, c)  # after 18:00, still Monday
    f = await _ask(
        domain, _at(0, 30, day=24), GIUSEPPE, "parcel", Channel.SMS,
        due_at=_at(12, day=24), due_kind="morning", offer=False,
    )  # fmt: skip
    async with domain.unit() as ctx:
        portico = await ctx.session.scalar(
            select(Cooperative.id).where(Cooperative.name == PORTICO)
        )
    assert portico is not None
    return Monday(a, b, c, d, e, f, portico, aiuto)


async def _numbers(domain: Domain, cooperative_id: int | None) -> PeriodNumbers:
    async with domain.unit() as ctx:
        return await period_numbers(ctx, THE_MONDAY, cooperative_id)


def test_a_period_is_whole_local_days() -> None:
    with pytest.raises(InvalidValue):
        Period(date(2026, 11, 24), date(2026, 11, 23))
    with pytest.raises(InvalidValue):
        Period(date(2026, 1, 1), date(2027, 1, 2))  # 367 days
    leap_year = Period(date(2028, 1, 1), date(2028, 12, 31))
    assert leap_year.days == 366
    assert Period.ending(MONDAY, 7) == Period(date(2026, 11, 17), MONDAY)
    # The day winter time starts is 25 hours long in Rome.
    start, end = Period(date(2026, 10, 25), date(2026, 10, 25)).bounds(ROME)
    assert start.isoformat() == "2026-10-24T22:00:00+00:00"
    assert end.isoformat() == "2026-10-25T23:00:00+00:00"
    assert end - start == timedelta(hours=25)


def test_the_promise_is_what_the_requester_was_told() -> None:
    at_ten = _at(10)
    assert promised_by(None, "time", ROME) is None
    assert promised_by(at_ten, "time", ROME) == at_ten
    assert promised_by(_at(12), "morning", ROME) == _at(12)
    assert promised_by(_at(21), "evening", ROME) == _at(21)
    # "On Monday" and "by Monday" were told as the day: until Monday ends, not 18:00.
    assert promised_by(_at(18), "day", ROME) == _at(0, day=24)
    assert promised_by(_at(18), "deadline", ROME) == _at(0, day=24)


async def test_a_mondays_numbers(demo_domain: Domain) -> None:
    monday = await _a_monday(demo_domain)
    numbers = await _numbers(demo_domain, None)

    assert numbers.requests == 5  # Tuesday's request, made at 23:30 UTC on Monday, is not in it
    assert numbers.by_service == {"parcel": 3, "shopping": 2}
    assert list(numbers.by_channel.items()) == [
        ("webchat", 2), ("sms", 1), ("telegram", 1), ("voice", 1),
    ]  # fmt: skip
    assert numbers.by_status == {"done": 4, "cancelled": 1}
    # First accepted after 15 (a), 10 (b), 2 (c) and 30 (d) minutes; done after 60, 90, 360, 60.
    assert numbers.minutes_to_accept == MinuteFigures(count=4, median=12.5, mean=14.25)
    assert numbers.minutes_to_complete == MinuteFigures(count=4, median=75.0, mean=142.5)
    # a done before its hour; b after its morning; c after 18:00 but on its day; d had no time.
    assert (numbers.done, numbers.done_with_due, numbers.done_on_time) == (4, 3, 2)
    assert numbers.on_time_share == pytest.approx(2 / 3)
    assert (
        numbers.offers_made, numbers.offers_accepted, numbers.offers_declined,
        numbers.offers_expired, numbers.offers_withdrawn,
    ) == (7, 4, 1, 1, 1)  # fmt: skip
    assert numbers.ratings_count == 3
    assert numbers.rating_mean == pytest.approx(11 / 3)
    assert numbers.ratings_by_mark == {1: 0, 2: 1, 3: 0, 4: 1, 5: 1}

    assert numbers.per_operator == [
        OperatorNumbers(
            operator_id=1, name="Giulia Bianchi", cooperative_id=monday.portico,
            cooperative_name=PORTICO, offers_made=3, offers_accepted=2, offers_declined=1,
            offers_expired=0, requests_done=2, median_minutes_to_accept=10.0,  # b; c was Marco's
            median_minutes_to_complete=225.0, rating_mean=2.0,
        ),
        OperatorNumbers(
            operator_id=2, name="Marco Esposito", cooperative_id=monday.portico,
            cooperative_name=PORTICO, offers_made=2, offers_accepted=1, offers_declined=0,
            offers_expired=0, requests_done=1, median_minutes_to_accept=8.5,  # a and c
            median_minutes_to_complete=60.0, rating_mean=5.0,
        ),
        OperatorNumbers(
            operator_id=4, name="Olga Neri", cooperative_id=monday.aiuto,
            cooperative_name=AIUTO, offers_made=1, offers_accepted=1, offers_declined=0,
            offers_expired=0, requests_done=1, median_minutes_to_accept=30.0,
            median_minutes_to_complete=60.0, rating_mean=4.0,
        ),
        OperatorNumbers(
            operator_id=3, name="Sara Conti", cooperative_id=monday.portico,
            cooperative_name=PORTICO, offers_made=1, offers_accepted=0, offers_declined=0,
            offers_expired=1, requests_done=0, median_minutes_to_accept=None,
            median_minutes_to_complete=None, rating_mean=None,
        ),
    ]  # fmt: skip
    portico = numbers.per_cooperative[1]
    assert numbers.per_cooperative == [
        CooperativeNumbers(
            cooperative_id=monday.aiuto, name=AIUTO, requests=1, done=1, cancelled=0, failed=0,
            on_time_share=None, rating_mean=4.0,
        ),
        CooperativeNumbers(
            cooperative_id=monday.portico, name=PORTICO, requests=4, done=3, cancelled=1,
            failed=0, on_time_share=portico.on_time_share, rating_mean=3.5,
        ),
    ]  # fmt: skip
    assert portico.on_time_share == pytest.approx(2 / 3)


async def test_one_cooperatives_numbers_leave_the_other_out(demo_domain: Domain) -> None:
    monday = await _a_monday(demo_domain)
    portico = await _numbers(demo_domain, monday.portico)
    assert portico.requests == 4
    assert portico.by_service == {"parcel": 2, "shopping": 2}
    assert portico.by_channel == {"webchat": 1, "sms": 1, "telegram": 1, "voice": 1}
    assert portico.minutes_to_accept == MinuteFigures(count=3, median=10.0, mean=9.0)
    assert portico.offers_made == 6 and portico.offers_accepted == 3
    assert (portico.ratings_count, portico.rating_mean) == (2, 3.5)
    assert [line.name for line in portico.per_operator] == [
        "Giulia Bianchi", "Marco Esposito", "Sara Conti",
    ]  # fmt: skip
    assert [line.name for line in portico.per_cooperative] == [PORTICO]

    # Sara moves to the other cooperative: her line leaves the Portico's numbers (her offers
    # were of the Portico's requests, so the other cooperative's numbers do not get it either).
    async with demo_domain.unit() as ctx:
        sara = await _operator(ctx, "Sara")
        sara.cooperative_id = monday.aiuto
    portico = await _numbers(demo_domain, monday.portico)
    assert [line.name for line in portico.per_operator] == ["Giulia Bianchi", "Marco Esposito"]
    assert portico.offers_expired == 1  # her time-out still counts for the request

    aiuto = await _numbers(demo_domain, monday.aiuto)
    assert (aiuto.requests, aiuto.done, aiuto.done_with_due, aiuto.on_time_share) == (1, 1, 0, None)
    assert aiuto.by_service == {"parcel": 1}
    assert [(line.name, line.requests_done) for line in aiuto.per_operator] == [("Olga Neri", 1)]
    assert [(line.name, line.requests) for line in aiuto.per_cooperative] == [(AIUTO, 1)]


async def test_a_quiet_period_has_no_averages(demo_domain: Domain) -> None:
    monday = await _a_monday(demo_domain)
    async with demo_domain.unit() as ctx:
        sunday = await period_numbers(ctx, Period(date(2026, 11, 22), date(2026, 11, 22)), None)
        week = await period_numbers(ctx, Period.ending(date(2026, 11, 29), 7), monday.portico)
    assert sunday.requests == 0 and sunday.by_status == {}
    assert sunday.minutes_to_accept == MinuteFigures(0, None, None)
    assert (sunday.on_time_share, sunday.rating_mean, sunday.per_operator) == (None, None, [])
    assert sunday.ratings_by_mark == {1: 0, 2: 0, 3: 0, 4: 0, 5: 0}
    assert [(c.name, c.requests) for c in sunday.per_cooperative] == [(AIUTO, 0), (PORTICO, 0)]
    assert week.requests == 5  # the Monday's four of the Portico, and Tuesday's
    assert week.by_status == {"done": 3, "cancelled": 1, "queued": 1}


async def test_the_numbers_take_a_few_queries_however_many_requests(demo_domain: Domain) -> None:
    await _a_monday(demo_domain)
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    engine = demo_domain.runtime.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        await _numbers(demo_domain, None)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    queries = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert 6 <= len(queries) <= 8, queries


async def test_one_row_per_request_and_the_csv(demo_domain: Domain) -> None:
    monday = await _a_monday(demo_domain)
    async with demo_domain.unit() as ctx:
        rows = await request_rows(ctx, THE_MONDAY, None)
        portico_rows = await request_rows(ctx, THE_MONDAY, monday.portico)
    assert tuple(f.name for f in fields(RequestRow)) == CSV_COLUMNS
    assert [r.id for r in rows] == [monday.a, monday.b, monday.c, monday.d, monday.e]
    assert [r.id for r in portico_rows] == [monday.a, monday.b, monday.c, monday.e]
    a, b, c, d, e = rows
    assert a == RequestRow(
        id=monday.a, created_at="2026-11-23T10:00:00+01:00", service="parcel", channel="webchat",
        status="done", urgent=False, due_at="2026-11-23T12:00:00+01:00", due_kind="time",
        cooperative=PORTICO, operator="Marco Esposito", accepted_at="2026-11-23T10:15:00+01:00",
        done_at="2026-11-23T11:00:00+01:00", minutes_to_accept=15.0, minutes_to_complete=60.0,
        on_time="yes", offers_declined=1, offers_expired=0, rating=5,
    )  # fmt: skip
    assert (b.on_time, b.offers_expired, b.minutes_to_complete, b.rating) == ("no", 1, 90.0, 2)
    assert (c.on_time, c.operator, c.due_kind, c.rating) == ("yes", "Giulia Bianchi", "day", "")
    assert (c.accepted_at, c.minutes_to_accept) == ("2026-11-23T12:32:00+01:00", 2.0)
    assert (d.cooperative, d.due_at, d.due_kind, d.on_time) == (AIUTO, "", "", "")
    assert (e.status, e.operator, e.accepted_at, e.done_at) == ("cancelled", "", "", "")
    assert (e.minutes_to_accept, e.minutes_to_complete, e.on_time) == ("", "", "")

    text = rows_as_csv(rows)
    lines = text.split("\r\n")
    assert lines[0] == ",".join(CSV_COLUMNS)
    assert lines[1] == (
        f"{monday.a},2026-11-23T10:00:00+01:00,parcel,webchat,done,no,2026-11-23T12:00:00+01:00,"
        "time,Cooperativa Il Portico,Marco Esposito,2026-11-23T10:15:00+01:00,"
        "2026-11-23T11:00:00+01:00,15.0,60.0,yes,1,0,5"
    )
    assert lines[-1] == "" and len(lines) == 7
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert parsed[4]["channel"] == "voice" and parsed[4]["rating"] == ""


async def test_live_figures_for_a_scrape(demo_domain: Domain) -> None:
    await _a_monday(demo_domain)
    async with demo_domain.unit() as ctx:
        plans = (await ctx.session.scalars(select(CheckinPlan).order_by(CheckinPlan.id))).all()
        tuesday = date(2026, 11, 24)
        for plan, day, status in (
            (plans[0], tuesday, RoundStatus.WELL),
            (plans[1], tuesday, RoundStatus.PENDING),
            (plans[0], MONDAY, RoundStatus.ESCALATED),  # yesterday: not today's
        ):
            ctx.session.add(
                CheckinRound(plan_id=plan.id, day=day, status=status, started_at=ctx.now())
            )
        total = await ctx.session.scalar(select(func.count(OutboxMessage.id)))
        first_two = (
            await ctx.session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id).limit(2))
        ).all()
        await mark_sent(ctx.session, first_two[0], ctx.now())
        await mark_failed(ctx.session, first_two[1], ctx.now(), "blocked", 8, permanent=True)
    assert total is not None and total > 2

    demo_domain.clock.set(_at(13, day=24))  # Tuesday 13:00: the morning request is late
    async with demo_domain.unit() as ctx:
        figures = await live_figures(ctx)
    # Every series is labelled with its cooperative: Emma's parcel went to Aiuto in Casa.
    assert figures.open_requests == {("queued", "parcel", PORTICO): 1}
    assert figures.open_overdue == {(PORTICO,): 1}
    assert figures.outbox == {
        ("pending", PORTICO): total - 2 - 5, ("sent", PORTICO): 1, ("dead", PORTICO): 1,
        ("pending", AIUTO): 5,
    }  # fmt: skip
    assert figures.operators_on_duty == {(PORTICO,): 3, (AIUTO,): 1}
    assert figures.checkin_rounds_today == {("well", PORTICO): 1, ("pending", PORTICO): 1}
    assert figures.requests_by_channel == {
        ("webchat", PORTICO): 1, ("sms", PORTICO): 2, ("telegram", PORTICO): 1,
        ("voice", PORTICO): 1, ("webchat", AIUTO): 1,
    }  # fmt: skip
    assert figures.offers_by_status == {
        ("accepted", PORTICO): 3, ("declined", PORTICO): 1, ("expired", PORTICO): 1,
        ("withdrawn", PORTICO): 1, ("accepted", AIUTO): 1,
    }  # fmt: skip
    theirs = figures.of(AIUTO)
    assert theirs.outbox == {("pending", AIUTO): 5}
    assert theirs.open_requests == {} and theirs.operators_on_duty == {(AIUTO,): 1}

    demo_domain.clock.set(_at(11, day=24))  # before its morning ended: not late yet
    async with demo_domain.unit() as ctx:
        assert (await live_figures(ctx)).open_overdue == {}
    demo_domain.clock.set(_at(10, day=29))  # Sunday: nobody on duty
    async with demo_domain.unit() as ctx:
        assert (await live_figures(ctx)).operators_on_duty == {}
