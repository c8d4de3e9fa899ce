"""A proposed check-in plan from the chat to the first call, over HTTP as coordinators use the
board: the proposal under "Proposte" with the requester's words and a form prefilled at 10:00;
another cooperative's coordinator refused (403); confirmed with the number and name of the person
to call, whose first call is placed the next morning (not the same day); the requester told in
their language. Declined with a reason, the requester is told the reason. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
from sqlalchemy import select

from bot.runtime import Runtime
from concierge.checkins.plans import CheckinPlan, PlanStatus
from concierge.clock import ManualClock
from concierge.context import DomainContext
from concierge.jobs.dispatch import fire_timer
from concierge.messages import Channel
from concierge.outbox import OutboxMessage
from concierge.timers import pending_timers
from tests.conftest import ROME, Domain, LiveServer, make_settings, serving
from tests.dashboard_client import OTHER_COORDINATOR, in_unit, other_cooperative_request, staff
from tests.transcript import Speaker

BOARD = "/dashboard/checkins"
MARIA, EMMA = "+393402000001", "+393402000004"
ROSA = "+393337654321"  # Maria's mother, as the coordinator writes her number


@pytest.fixture
def server(database_url: str, clock: ManualClock) -> Iterator[LiveServer]:
    with serving(database_url, clock) as live:
        yield live


async def _say(url: str, clock: ManualClock, phone: str, text: str) -> list[str]:
    runtime = Runtime.create(make_settings(url), clock)
    try:
        return await Speaker(Domain(runtime), phone).say(text)
    finally:
        await runtime.close()


def say(url: str, clock: ManualClock, phone: str, text: str) -> list[str]:
    """A resident writes in the web chat; what reached them."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, _say(url, clock, phone, text)).result()


def _run_until(url: str, clock: ManualClock, moment: datetime) -> None:
    """Let time pass until `moment`, firing every timer on the way as the scheduler would."""
    while True:

        async def due(ctx: DomainContext) -> list[int]:
            return [t.id for t in await pending_timers(ctx) if t.due_at <= moment]

        ids = in_unit(url, clock, due)
        if not ids:
            break

        async def fire(ctx: DomainContext, timer_id: int = ids[0]) -> None:
            timers = {t.id: t for t in await pending_timers(ctx)}
            if timer_id in timers:
                clock.set(max(timers[timer_id].due_at, clock.now()))
                await fire_timer(ctx, timer_id)

        in_unit(url, clock, fire)
    clock.set(moment)


def _texts_to(url: str, clock: ManualClock, address: str) -> list[tuple[str, str]]:
    async def work(ctx: DomainContext) -> list[tuple[str, str]]:
        rows = await ctx.session.scalars(
            select(OutboxMessage).where(OutboxMessage.address == address).order_by(OutboxMessage.id)
        )
        return [(m.channel, m.text) for m in rows.all()]

    return in_unit(url, clock, work)


def _plan(url: str, clock: ManualClock, plan_id: int) -> CheckinPlan:
    async def work(ctx: DomainContext) -> CheckinPlan:
        plan = await ctx.session.get(CheckinPlan, plan_id)
        assert plan is not None
        return plan

    return in_unit(url, clock, work)


def _proposal_ids(url: str, clock: ManualClock) -> list[int]:
    async def work(ctx: DomainContext) -> list[int]:
        query = select(CheckinPlan.id).where(CheckinPlan.proposed_by_id.is_not(None))
        return list((await ctx.session.scalars(query.order_by(CheckinPlan.id))).all())

    return in_unit(url, clock, work)


def test_a_proposal_confirmed_calls_the_next_morning(server: LiveServer, database_url: str) -> None:
    url, clock = database_url, server.clock  # Monday 23 November, 10:00
    other_cooperative_request(url, clock)
    assert say(url, clock, MARIA, "Telefonate a mia madre tutti i giorni alle 10")[-1].startswith(
        "Per le telefonate di ogni giorno a mia madre proponiamo un piano"
    )
    [plan_id] = _proposal_ids(url, clock)
    confirm = f"{BOARD}/proposals/{plan_id}/confirm"
    form = {"phone": "333 765 4321", "name": "Rosa Bianchi", "at_time": "10:30", "language": "it"}

    paola = staff(server.base_url)
    paola.log_in("paola")
    page = paola.client.get(BOARD).text
    assert '<h2 id="proposals-title">Proposte</h2>' in page
    assert "Telefonate a mia madre tutti i giorni alle 10" in page
    assert 'name="at_time" type="time" required value="10:00"' in page
    assert "Conferma piano" in page and "Rifiuta" in page

    aurora = staff(server.base_url)
    aurora.log_in(OTHER_COORDINATOR, "aurora-secret")
    assert "mia madre" not in aurora.client.get(BOARD).text
    assert aurora.submit(confirm, form, BOARD).status_code == 403
    refused = paola.client.post(confirm, data={**form, "csrf_token": "forged"})
    assert refused.status_code == 403
    assert _plan(url, clock, plan_id).status == PlanStatus.PROPOSED

    # Emma is looked after by Aurora: her number is not Il Portico's to call every morning.
    elsewhere = paola.submit(confirm, {**form, "phone": "+393402000004"}, BOARD)
    assert elsewhere.status_code == 303
    assert "seguita da un&#39;altra cooperativa" in paola.client.get(BOARD).text
    assert _plan(url, clock, plan_id).status == PlanStatus.PROPOSED

    done = paola.submit(confirm, form, BOARD)
    assert (done.status_code, done.headers["location"]) == (303, BOARD)
    plan = _plan(url, clock, plan_id)
    assert (plan.status, plan.active, plan.at_time) == (PlanStatus.ACTIVE, True, "10:30")
    assert plan.person.display_name == "Rosa Bianchi" and plan.person.language == "it"
    assert plan.contacts == [{"name": "Maria Rossi", "phone": MARIA, "channel": "sms"}]
    assert (
        Channel.WEBCHAT,
        "Il piano di telefonate per mia madre è attivo da domani alle 10:30.",
    ) in (_texts_to(url, clock, MARIA))
    page = paola.client.get(BOARD).text
    assert f"Piano n. {plan_id} confermato" in page and "Rosa Bianchi" in page
    assert 'id="proposals"' not in page
    assert paola.submit(confirm, form, BOARD).status_code == 303, "decided once: refused plainly"

    _run_until(url, clock, datetime(2026, 11, 23, 23, 0, tzinfo=ROME))
    assert _texts_to(url, clock, ROSA) == [], "today's 10:30 is not hers: she starts tomorrow"
    _run_until(url, clock, datetime(2026, 11, 24, 10, 31, tzinfo=ROME))
    assert _texts_to(url, clock, ROSA) == [
        (
            Channel.VOICE,
            "Buongiorno Rosa, tutto bene? Rispondi 1 se stai bene, 2 se hai bisogno di aiuto.",
        )
    ]


def test_a_proposal_declined_tells_the_reason(server: LiveServer, database_url: str) -> None:
    url, clock = database_url, server.clock
    say(url, clock, EMMA, "call my mum every day at 10")
    [plan_id] = _proposal_ids(url, clock)
    paola = staff(server.base_url)
    paola.log_in("paola")
    decline = f"{BOARD}/proposals/{plan_id}/decline"
    assert paola.submit(decline, {"reason": " "}, BOARD).status_code == 303
    assert _plan(url, clock, plan_id).status == PlanStatus.PROPOSED, "no reason, no decline"
    reason = "her son already calls her every morning"
    assert paola.submit(decline, {"reason": reason}, BOARD).status_code == 303
    plan = _plan(url, clock, plan_id)
    assert (plan.status, plan.active, plan.decline_reason) == (PlanStatus.DECLINED, False, reason)
    assert _texts_to(url, clock, EMMA)[-1] == (
        Channel.WEBCHAT,
        f"The call plan for my mum was not set up: {reason}",
    )
    assert 'id="proposals"' not in paola.client.get(BOARD).text
