"""Daily calls asked for someone close become a PROPOSED check-in plan, in Italian and English:
the hour and days asked, whom they named, the number if written, the requester as the family
contact and the cooperative serving them; their coordinators are told. A proposed plan has no
timer and places no call however long it waits; erasing the requester forgets their words."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from concierge.checkins.plans import CheckinPlan, CheckinRound, PlanStatus, plan_all_checkins
from concierge.demo import COOPERATIVE_NAME
from concierge.messages import Channel, IdentityKind
from concierge.outbox import OutboxMessage
from concierge.people.person import find_person
from concierge.privacy.erasure import erase_person
from concierge.privacy.records import export_person
from concierge.requests.request import ServiceRequest
from concierge.standing.orders import StandingOrder
from concierge.team.operators import Cooperative
from concierge.timers import TimerKind, pending_timers
from tests.conftest import ROME, Domain
from tests.test_standing_orders import EMMA, MARIA, PAOLA, run_until
from tests.transcript import Speaker


async def _plans(domain: Domain) -> list[CheckinPlan]:
    async with domain.unit() as ctx:
        rows = await ctx.session.scalars(
            select(CheckinPlan)
            .where(CheckinPlan.proposed_by_id.is_not(None))
            .order_by(CheckinPlan.id)
        )
        return list(rows.unique().all())


async def _calls_and_rounds(domain: Domain, plan_ids: list[int]) -> tuple[int, int, int]:
    """Check-in timers of these plans, their rounds, and calls queued at all."""
    async with domain.unit() as ctx:
        timers = [
            t for t in await pending_timers(ctx)
            if t.kind == TimerKind.CHECKIN and t.subject_id in plan_ids
        ]  # fmt: skip
        rounds = await ctx.session.scalar(
            select(func.count(CheckinRound.id)).where(CheckinRound.plan_id.in_(plan_ids))
        )
        calls = await ctx.session.scalar(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.channel == Channel.VOICE)
        )
    return len(timers), rounds or 0, calls or 0


async def test_daily_calls_to_a_relative_become_a_proposed_plan(demo_domain: Domain) -> None:
    maria, emma = Speaker(demo_domain, MARIA), Speaker(demo_domain, EMMA)
    assert await maria.say("Telefonate a mia madre tutti i giorni alle 10") == [
        "Per le telefonate di ogni giorno a mia madre proponiamo un piano di controllo "
        "quotidiano alle 10:00: un coordinatore lo concorderà con la famiglia e ti scriverà "
        "quando sarà attivo."
    ]
    assert await emma.say("call my mum every day at 10, her number is 333 765 4321") == [
        "For a call to my mum every day we propose a daily check-in plan at 10:00: a "
        "coordinator will agree it with the family and write to you once it starts."
    ]
    first, second = await _plans(demo_domain)
    async with demo_domain.unit() as ctx:
        ours = await ctx.session.scalar(
            select(Cooperative.id).where(Cooperative.name == COOPERATIVE_NAME)
        )
        asker = await find_person(ctx.session, IdentityKind.PHONE, MARIA)
        assert asker is not None
        assert await ctx.session.scalar(select(func.count(StandingOrder.id))) == 0
        assert await ctx.session.scalar(select(func.count(ServiceRequest.id))) == 0
        told = (
            await ctx.session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.dedupe_key.like(f"checkin:proposal:{first.id}:%")
                )
            )
        ).all()
    assert (first.status, first.active, first.person_id) == (PlanStatus.PROPOSED, False, None)
    assert (first.at_time, first.weekdays, first.channel) == ("10:00", list(range(7)), "voice")
    assert (first.call_label, first.call_phone, first.proposed_by_id) == ("mia madre", "", asker.id)
    assert first.proposal_text == "Telefonate a mia madre tutti i giorni alle 10"
    assert first.cooperative_id == ours
    assert first.contacts == [{"name": "Maria Rossi", "phone": MARIA, "channel": "sms"}]
    assert (second.call_label, second.call_phone) == ("my mum", "+393337654321")
    [to_paola] = [m for m in told if m.address == PAOLA]
    assert to_paola.text == (
        f"Proposta di piano di telefonate n. {first.id} da Maria Rossi: chiamare mia madre ogni "
        "giorno alle 10:00 («Telefonate a mia madre tutti i giorni alle 10»). Da concordare con "
        "la famiglia e confermare nella pagina dei controlli quotidiani."
    )


async def test_a_proposed_plan_never_places_a_call(demo_domain: Domain) -> None:
    maria = Speaker(demo_domain, MARIA)
    await maria.say("Chiamate mia madre ogni giorno alle 10, il numero è 333 765 4321")
    [plan] = await _plans(demo_domain)
    async with demo_domain.unit() as ctx:
        await plan_all_checkins(ctx)  # the scheduler's sweep plans every plan it finds
    await run_until(demo_domain, datetime(2026, 11, 26, 12, 0, tzinfo=ROME))
    timers, rounds, _ = await _calls_and_rounds(demo_domain, [plan.id])
    assert (timers, rounds) == (0, 0)
    async with demo_domain.unit() as ctx:
        calls = await ctx.session.scalar(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.address == "+393337654321")
        )
    assert calls == 0, "nobody is called before a coordinator confirms"


async def test_erasing_the_requester_forgets_the_proposal(demo_domain: Domain) -> None:
    maria = Speaker(demo_domain, MARIA)
    await maria.say("Telefonate a mia madre tutti i giorni alle 10, numero 333 765 4321")
    async with demo_domain.unit() as ctx:
        asker = await find_person(ctx.session, IdentityKind.PHONE, MARIA)
        assert asker is not None
        exported = await export_person(ctx, asker, "cli")
        plans = exported["checkin_plans"]  # her own (demo) plan, and the one she proposed
        assert [p["call_label"] for p in plans if p["proposed_by_id"]] == ["mia madre"]
        await erase_person(ctx, asker, "test")
    [plan] = await _plans(demo_domain)
    assert plan.status == PlanStatus.DECLINED and not plan.active
    assert "mia madre" not in plan.proposal_text and plan.call_phone == "" and plan.contacts == []


async def _told_coordinator(domain: Domain) -> int:
    async with domain.unit() as ctx:
        told = await ctx.session.scalar(
            select(func.count(OutboxMessage.id)).where(
                OutboxMessage.address == PAOLA, OutboxMessage.dedupe_key.like("checkin:proposal:%")
            )
        )
    return told or 0


async def test_the_same_ask_again_while_it_waits_files_nothing_twice(demo_domain: Domain) -> None:
    maria, emma = Speaker(demo_domain, MARIA), Speaker(demo_domain, EMMA)
    await maria.say("Chiamate mia madre ogni mattina alle 9")
    assert await maria.say("chiamate mia madre ogni mattina alle 9") == [
        "Hai già chiesto le telefonate di ogni giorno a mia madre (alle 09:00): la proposta "
        "aspetta un coordinatore, che la concorderà con la famiglia e ti scriverà quando sarà "
        "attiva. Non ne apriamo una seconda."
    ]
    await emma.say("call my mum every morning at 9")
    assert await emma.say("Call my mum every morning at 9 please") == [
        "You have already asked for a call to my mum every day (at 09:00): the proposal is "
        "waiting for a coordinator, who will agree it with the family and write to you once it "
        "starts. We are not filing a second one."
    ]
    plans = await _plans(demo_domain)
    assert [p.call_label for p in plans] == ["mia madre", "my mum"]
    assert await _told_coordinator(demo_domain) == 2, "the coordinator hears of each ask once"
    # Someone else named is a new proposal, not the one waiting.
    await maria.say("Chiamate mio padre ogni mattina alle 9")
    assert [p.call_label for p in await _plans(demo_domain)] == ["mia madre", "my mum", "mio padre"]
    # The same ask at another hour: still one proposal, now at the new hour, both words kept.
    assert (await maria.say("chiamate mia madre ogni mattina alle 18"))[0].startswith(
        "Hai già chiesto le telefonate di ogni giorno a mia madre (alle 18:00)"
    )
    mother = (await _plans(demo_domain))[0]
    assert (mother.at_time, len(await _plans(demo_domain))) == ("18:00", 3)
    assert mother.proposal_text.endswith("alle 18") and "alle 9" in mother.proposal_text
