"""`concierge jobs` reads the pending timers with SQLAlchemy Core, without the ORM (issue 20,
target 7): whom each timer is for, as the mapped models would say it, on SQLite and
PostgreSQL; the columns it names of other tables are the mapped models' own."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import update

import concierge.schema  # noqa: F401  (every model mapped: the metadata is complete)
from concierge.checkins.plans import CheckinRound, PlanInput, add_plan
from concierge.core_engine import core_engine
from concierge.database import Base
from concierge.jobs.listing import READ_TABLES, describe_pending
from concierge.messages import Channel, IdentityKind
from concierge.people.person import find_or_register, find_person
from concierge.requests.request import create_request
from concierge.standing.orders import StandingOrder
from concierge.tables import METADATA
from concierge.team.operators import operator_for_person
from concierge.timer_table import TIMERS
from concierge.timers import Timer, TimerKind, TimerStatus, set_timer
from tests.conftest import ROME, Domain

NOBODYS_NUMBER = "+393409990001"


def test_the_columns_read_are_the_mapped_models_own() -> None:
    assert Base.metadata is METADATA and Timer.__table__ is TIMERS  # one definition of timers
    for read in READ_TABLES:
        mapped = METADATA.tables[read.name]
        assert set(read.c.keys()) <= set(mapped.c.keys()), read.name


async def test_each_timer_is_for_whom_its_subject_says(demo_domain: Domain) -> None:
    async with demo_domain.unit() as ctx:
        now = ctx.now()
        nameless, _ = await find_or_register(ctx.session, IdentityKind.PHONE, NOBODYS_NUMBER, now)
        plan = await add_plan(ctx, nameless, PlanInput(channel=Channel.SMS))
        # Only the timers below: none of the demo's, nor the plan's own.
        await ctx.session.execute(update(Timer).values(status=TimerStatus.CANCELLED))
        soon = [now + timedelta(minutes=10 * (n + 1)) for n in range(9)]
        giulia = await find_person(ctx.session, IdentityKind.PHONE, "+393331000001")
        maria = await find_person(ctx.session, IdentityKind.PHONE, "+393402000001")
        luca = await find_person(ctx.session, IdentityKind.PHONE, "+393402000003")
        assert giulia and maria and luca
        operator = await operator_for_person(ctx.session, giulia.id)
        assert operator is not None
        request = await create_request(ctx, maria, "parcel", "", Channel.WEBCHAT)
        request.operator_id = operator.id
        await set_timer(ctx, TimerKind.OFFER_TIMEOUT, soon[0], request.id, operator.id)
        await set_timer(ctx, TimerKind.FOLLOW_UP, soon[1], request.id)
        await set_timer(ctx, TimerKind.REMINDER, soon[2], request.id)
        await set_timer(ctx, TimerKind.OVERDUE, soon[3])
        await set_timer(ctx, TimerKind.CHECKIN, soon[4], subject_id=plan.id)
        round_ = CheckinRound(plan_id=plan.id, day=date(2026, 11, 23), started_at=now)
        order = StandingOrder(
            requester_id=luca.id, service_code="parcel", channel=Channel.SMS, rule={},
            created_at=now, updated_at=now,
        )  # fmt: skip
        ctx.session.add_all([round_, order])
        await ctx.session.flush()
        await set_timer(ctx, TimerKind.CHECKIN_RETRY, soon[5], subject_id=round_.id)
        await set_timer(ctx, TimerKind.STANDING_ORDER, soon[6], subject_id=order.id)
        await set_timer(ctx, TimerKind.OFFER_TIMEOUT, soon[7], subject_id=99_999)  # gone
        fired = await set_timer(ctx, TimerKind.BULLETIN, soon[8])
        fired.status = TimerStatus.FIRED
        unnamed_as_mapped = nameless.display_name
    assert unnamed_as_mapped == NOBODYS_NUMBER

    engine = core_engine(demo_domain.runtime.settings)
    try:
        with engine.connect() as connection:
            rows = describe_pending(connection, ROME, "en")
    finally:
        engine.dispose()
    parcel = f"#{request.id} parcel"
    assert [(row["what"], row["request"], row["for"]) for row in rows] == [
        ("offer time-out", parcel, "Giulia Bianchi"),
        ("follow-up", parcel, "Maria Rossi"),
        ("reminder", parcel, "Giulia Bianchi"),
        ("overdue alert", "-", "coordinators"),
        ("daily check-in", "-", NOBODYS_NUMBER),
        ("check-in retry", "-", NOBODYS_NUMBER),
        ("occurrence of a series", "-", "Luca Ferrari"),
        ("offer time-out", "-", "-"),
    ]
    assert rows[0]["when"] == soon[0].astimezone(ROME).strftime("%Y-%m-%d %H:%M")
