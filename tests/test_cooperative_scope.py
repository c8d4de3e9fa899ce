"""Two cooperatives, and every staff capability tried across the boundary: by chat (transcripts
through the real inbound path) and by the dashboard (HTTP, logged in as the other cooperative's
coordinator). Each is refused or invisible, and nothing changes in the database. The other
cooperative's own staff see and do the same things (so the checks can fail)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as clock_time
from typing import Any

import httpx
import pytest
from sqlalchemy import Select, select

from bot.runtime import Runtime
from concierge.checkins.plans import CheckinPlan, Contact, PlanInput, add_plan
from concierge.clock import ManualClock
from concierge.context import DomainContext
from concierge.database import transaction
from concierge.demo import load_demo
from concierge.jobs.dispatch import fire_timer
from concierge.messages import Channel, IdentityKind, Reply
from concierge.numbers.digest import plan_digest
from concierge.outbox import OutboxMessage, OutboxStatus, enqueue, mark_failed
from concierge.people.person import ChannelIdentity, Person, PersonKind, find_person
from concierge.requests.notes import RequestNote
from concierge.requests.offers import Offer
from concierge.requests.request import RequestEvent, ServiceRequest, create_request
from concierge.routing.assignment import offer_next
from concierge.team.coordinators import Coordinator
from concierge.team.editing import add_operator, add_weekly_slot
from concierge.team.operators import Cooperative, Operator, Shift
from concierge.team.rota import ShiftException
from concierge.team.users import Role, UserInput, add_user
from concierge.timers import Timer, TimerKind, pending_timer
from tests.conftest import ROME, Domain, make_settings, serving
from tests.dashboard_client import Staff, in_unit, staff
from tests.transcript import Speaker

pytestmark = pytest.mark.security

PORTICO, AURORA = "Cooperativa Il Portico", "Cooperativa Aurora"
PAOLA, GIULIA, MARIA = "+393331000009", "+393331000001", "+393402000001"
BRUNO, NADIA, EMMA = "+393331000029", "+393331000020", "+393402000004"
# What only Aurora's staff may read: Emma's check-in notes and her request.
SECRET = "chiavi sotto il vaso, diabetica"
THEIRS, OURS = "6 camicie", "latte e pane"
COORDINATORS_GROUP, OPERATORS_GROUP = -1001, -1002
METRICS_TOKEN = "scrape-me-please-0123456789"
AURORA_COORD, AURORA_PASSWORD = "aurora.coord", "aurora-secret"


@dataclass(frozen=True)
class Aurora:
    """The second cooperative as the tests know it."""

    cooperative_id: int
    nadia_id: int
    plan_id: int


async def add_aurora(ctx: DomainContext) -> Aurora:
    """Aurora: Nadia (ironing, shopping; always on duty) works Navile, where Emma lives, and
    Il Portico now works only the centre; Bruno coordinates Aurora by chat, `aurora.coord` on
    the dashboard; Emma's daily check-in (with private notes) is Aurora's."""
    nadia = await add_operator(
        ctx, first_name="Nadia", last_name="Neri", phone=NADIA, skills=["ironing", "shopping"],
        capacity=3, zones=["Navile"], language="it", cooperative=AURORA,
    )  # fmt: skip
    for weekday in range(7):
        await add_weekly_slot(ctx, nadia, weekday, clock_time(0, 0), clock_time(23, 59))
    for operator in (await ctx.session.scalars(select(Operator))).unique().all():
        if operator.id != nadia.id:
            operator.zones = ["Centro"]
    bruno = Person(
        first_name="Bruno", last_name="Gallo", kind=PersonKind.WORKER, language="it",
        created_at=ctx.now(),
    )  # fmt: skip
    bruno.identities.append(ChannelIdentity(kind=IdentityKind.PHONE, address=BRUNO))
    ctx.session.add(bruno)
    await ctx.session.flush()
    ctx.session.add(
        Coordinator(
            person_id=bruno.id, cooperative_id=nadia.cooperative_id,
            contact_channel=Channel.WEBCHAT, active=True,
        )
    )  # fmt: skip
    await add_user(
        ctx,
        UserInput(
            username=AURORA_COORD, password=AURORA_PASSWORD, role=Role.COORDINATOR,
            cooperative=AURORA,
        ),
    )  # fmt: skip
    emma = await find_person(ctx.session, IdentityKind.PHONE, EMMA)
    assert emma is not None
    emma.zone = "Navile"
    plan = await add_plan(
        ctx, emma,
        PlanInput(
            at_time="11:00", channel=Channel.SMS, retries=0, notes=SECRET,
            contacts=(Contact(name="Tom", phone="+393405550009"),),
        ),
    )  # fmt: skip
    plan.cooperative_id = nadia.cooperative_id
    await ctx.session.flush()
    return Aurora(nadia.cooperative_id, nadia.id, plan.id)


async def ask(
    ctx: DomainContext, phone: str, service: str, details: str, due: datetime | None = None
) -> int:
    """A resident's confirmed request, offered to whoever may take it (its number)."""
    person = await find_person(ctx.session, IdentityKind.PHONE, phone)
    assert person is not None
    request = await create_request(ctx, person, service, details, Channel.WEBCHAT, due_at=due)
    await offer_next(ctx, request)
    return request.id


async def database_state(ctx: DomainContext, besides: str = "") -> dict[str, list[Any]]:
    """What staff could change: requests, their history, offers, notes, the rota, the plans,
    and the outbox (its rows, which are undelivered), leaving out the rows to `besides` (the
    answers the attacker gets)."""
    queries: dict[str, Select[Any]] = {
        "requests": select(
            ServiceRequest.id, ServiceRequest.status, ServiceRequest.operator_id,
            ServiceRequest.cooperative_id, ServiceRequest.urgent, ServiceRequest.due_at,
            ServiceRequest.version,
        ).order_by(ServiceRequest.id),  # fmt: skip
        "events": select(RequestEvent.id, RequestEvent.to_status).order_by(RequestEvent.id),
        "offers": select(Offer.id, Offer.status, Offer.operator_id).order_by(Offer.id),
        "notes": select(RequestNote.id).order_by(RequestNote.id),
        "shifts": select(Shift.id, Shift.operator_id).order_by(Shift.id),
        "changes": select(ShiftException.id).order_by(ShiftException.id),
        "plans": select(CheckinPlan.id, CheckinPlan.active, CheckinPlan.cooperative_id),
        "outbox": select(
            OutboxMessage.id, OutboxMessage.address, OutboxMessage.status == OutboxStatus.DEAD
        )
        .where(OutboxMessage.address != besides)
        .order_by(OutboxMessage.id),
    }
    return {
        name: [tuple(row) for row in (await ctx.session.execute(query)).all()]
        for name, query in queries.items()
    }


# --- by chat ------------------------------------------------------------------------------


@pytest.fixture
async def two(database_url: str, clock: ManualClock) -> AsyncIterator[Domain]:
    """The demo (Il Portico) and Aurora, with both Telegram staff groups configured."""
    settings = make_settings(
        database_url,
        TELEGRAM_COORDINATORS_GROUP=str(COORDINATORS_GROUP),
        TELEGRAM_OPERATORS_GROUP=str(OPERATORS_GROUP),
    )
    runtime = Runtime.create(settings, clock)
    async with transaction(runtime.sessions) as session:
        await load_demo(session, clock.now())
    yield Domain(runtime)
    await runtime.close()


async def _state(domain: Domain, besides: str = "") -> dict[str, list[Any]]:
    async with domain.unit() as ctx:
        return await database_state(ctx, besides)


async def _cooperative_of_rows_to(domain: Domain, address: str) -> set[int | None]:
    async with domain.unit() as ctx:
        rows = await ctx.session.scalars(
            select(OutboxMessage.cooperative_id).where(OutboxMessage.address == address)
        )
        return set(rows.all())


async def _cooperative_id(domain: Domain, name: str) -> int:
    async with domain.unit() as ctx:
        found = await ctx.session.scalar(select(Cooperative.id).where(Cooperative.name == name))
        assert found is not None
        return found


async def _to_groups(domain: Domain) -> list[str]:
    async with domain.unit() as ctx:
        rows = await ctx.session.scalars(
            select(OutboxMessage.text).where(
                OutboxMessage.address.in_([str(COORDINATORS_GROUP), str(OPERATORS_GROUP)])
            )
        )
        return list(rows.all())


async def test_coda_assegna_and_avviso_stay_inside_the_coordinators_cooperative(
    two: Domain,
) -> None:
    async with two.unit() as ctx:
        aurora = await add_aurora(ctx)
        ours = await ask(ctx, MARIA, "shopping", OURS)
        theirs = await ask(ctx, EMMA, "ironing", THEIRS)
    paola, bruno = Speaker(two, PAOLA), Speaker(two, BRUNO)
    giulia, nadia = Speaker(two, GIULIA), Speaker(two, NADIA)
    for person in (giulia, nadia):
        await person.inbox()

    # The queue: each coordinator reads their own cooperative's requests only.
    (queue,) = await paola.say("coda")
    assert OURS in queue and THEIRS not in queue and "Richieste aperte: 1 " in queue
    (queue,) = await bruno.say("coda")
    assert THEIRS in queue and OURS not in queue and "Richieste aperte: 1 " in queue

    # Reassigning: another cooperative's request is one that does not exist; another
    # cooperative's operator is nobody; and nothing moves.
    before = await _state(two, besides=PAOLA)
    assert await paola.say("assegna 999 a Giulia") == [
        "Non trovo una richiesta n. 999 della tua cooperativa."
    ]
    assert await paola.say(f"assegna {theirs} a Giulia") == [
        f"Non trovo una richiesta n. {theirs} della tua cooperativa."
    ]
    assert await paola.say(f"assegna {ours} a Nadia") == [
        "Non trovo un operatore attivo di nome «Nadia»."
    ]
    assert await paola.say(f"/assign {theirs} to Nadia") == [
        f"Non trovo una richiesta n. {theirs} della tua cooperativa."
    ]
    assert await _state(two, besides=PAOLA) == before
    assert await nadia.inbox() == [] and await giulia.inbox() == []

    # A message to everyone on duty reaches one's own operators, not the other cooperative's,
    # nor the Telegram group that spans every cooperative.
    assert await paola.say("avviso: riunione alle 17") == [
        "Messaggio inviato agli operatori in servizio: 3."
    ]
    assert await giulia.inbox() == ["Messaggio da Paola: riunione alle 17"]
    assert await nadia.inbox() == []
    assert await bruno.say("avviso: chiudiamo alle 16") == [
        "Messaggio inviato agli operatori in servizio: 1."
    ]
    assert await nadia.inbox() == ["Messaggio da Bruno: chiudiamo alle 16"]
    assert await giulia.inbox() == []
    assert await _to_groups(two) == []

    # Bruno may do to his request what Paola may not (the refusals above are about whom).
    assert await bruno.say(f"assegna {theirs} a Nadia") == [
        f"Richiesta n. {theirs} proposta a Nadia."
    ]
    # Every row written carries its cooperative: what Paola and Giulia read is Il Portico's.
    portico = await _cooperative_id(two, PORTICO)
    assert await _cooperative_of_rows_to(two, PAOLA) == {portico}
    assert await _cooperative_of_rows_to(two, GIULIA) == {portico}
    assert await _cooperative_of_rows_to(two, NADIA) == {aurora.cooperative_id}
    assert await _cooperative_of_rows_to(two, BRUNO) == {aurora.cooperative_id}
