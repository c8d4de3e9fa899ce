"""Opt-out words and flood control, as a person lives them by SMS and WhatsApp: STOP ends the
messages they did not ask for (a survey) but not the answers; START resumes; HELP answers; one
sender past their rate gets one "slow down" while everyone else is served."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from sqlalchemy import func, select

from concierge.checkins.plans import PlanInput, add_plan
from concierge.jobs.dispatch import fire_timer
from concierge.messages import Channel, IdentityKind
from concierge.people.conversations import InboundRecord
from concierge.people.person import find_person
from concierge.requests.request import create_request, finish_request, start_request
from concierge.routing.assignment import accept_offer, offer_next
from concierge.team.operators import Operator
from concierge.timers import TimerKind, pending_timer
from tests.conftest import Domain, make_settings
from tests.test_follow_up import _fire_when_due
from tests.transcript import Speaker

MARIA, EMMA = "+393402000001", "+393402000004"
STOPPED = "Fatto: da ora non ti mandiamo più messaggi che non hai chiesto"
STOPPED_EN = "Done: from now on we will not send you messages you did not ask for"
SURVEY = "Com'è andata"


async def _done_by_sms(domain: Domain, phone: str) -> None:
    """A parcel request made by SMS from `phone`, taken and done by its operator."""
    async with domain.unit() as ctx:
        requester = await find_person(ctx.session, IdentityKind.PHONE, phone)
        assert requester is not None
        request = await create_request(ctx, requester, "parcel", "", Channel.SMS)
        offer = await offer_next(ctx, request)
        assert offer is not None
        operator = await ctx.session.get(Operator, offer.operator_id)
        assert operator is not None
        await accept_offer(ctx, operator, request.id)
        await start_request(ctx, operator, request.id)
        await finish_request(ctx, operator, request.id)


async def test_stop_ends_surveys_not_answers_and_start_resumes(demo_domain: Domain) -> None:
    maria = Speaker(demo_domain, MARIA, Channel.SMS)
    stopped = await maria.say("STOP")
    assert len(stopped) == 1 and stopped[0].startswith(STOPPED)
    assert "Per annullare una richiesta scrivi «annulla»." in stopped[0]
    assert await maria.say("stato") == ["Non hai richieste aperte."], "answers still come"
    await _done_by_sms(demo_domain, MARIA)
    await maria.inbox()
    await _fire_when_due(demo_domain, TimerKind.FOLLOW_UP)
    assert not [text for text in await maria.inbox() if SURVEY in text], "no survey after STOP"

    resumed = await maria.say("start")
    assert resumed == [
        "Bentornato: riceverai di nuovo tutti i nostri messaggi. Per fermarli scrivi STOP."
    ]
    await _done_by_sms(demo_domain, MARIA)
    await maria.inbox()
    await _fire_when_due(demo_domain, TimerKind.FOLLOW_UP)
    assert [text for text in await maria.inbox() if SURVEY in text], "surveys again after START"


async def test_every_opt_out_word_on_sms_and_whatsapp(demo_domain: Domain) -> None:
    """Emma (of the demo) reads English: the confirmations come in her language."""
    for channel in (Channel.SMS, Channel.WHATSAPP):
        emma = Speaker(demo_domain, EMMA, channel)
        for word in ("STOP", "stopall", "Unsubscribe", "CANCEL", "end", "QUIT", "Basta messaggi"):
            answer = await emma.say(word)
            assert len(answer) == 1 and answer[0].startswith(STOPPED_EN), (channel, word)
            assert (await emma.say("UNSTOP"))[0].startswith("Welcome back"), (channel, word)
        # "annulla" stays the resident's command to cancel a request.
        assert await emma.say("annulla") == ["You have no open requests to cancel."]
        help_texts = await emma.say("HELP")
        assert help_texts[0].startswith("I'm the neighbourhood concierge. Tell me")
        assert help_texts[-1].startswith("This is the neighbourhood concierge. Write STOP")
    maria = Speaker(demo_domain, MARIA, Channel.SMS)
    help_texts = await maria.say("AIUTO")
    assert help_texts[-1].startswith("Sono il maggiordomo di quartiere. Scrivi STOP")


async def test_stop_is_only_a_word_on_sms_and_whatsapp(demo_domain: Domain) -> None:
    on_webchat = Speaker(demo_domain, EMMA, Channel.WEBCHAT)
    answer = await on_webchat.say("stop")
    assert not any(text.startswith(STOPPED) for text in answer)


async def test_a_flooding_sender_is_told_once_and_others_are_served(demo_domain: Domain) -> None:
    settings = make_settings(
        demo_domain.runtime.settings.database_url, MESSAGES_PER_MINUTE_PER_SENDER=3
    )
    domain = Domain(dataclasses.replace(demo_domain.runtime, settings=settings))
    maria, emma = Speaker(domain, MARIA, Channel.SMS), Speaker(domain, EMMA, Channel.SMS)
    for _ in range(3):
        assert len(await maria.say("stato")) == 1
    assert await maria.say("stato") == [
        "Mi stai scrivendo molti messaggi in poco tempo: li ho ricevuti tutti, ma per un minuto "
        "non rispondo a ciascuno. Scrivimi con calma tra poco."
    ]
    for _ in range(5):
        assert await maria.say("stato") == []
    assert await emma.say("stato") == ["You have no open requests."], "others are served"
    async with domain.unit() as ctx:
        stored = await ctx.session.scalar(select(func.count(InboundRecord.id)))
    assert stored == 10, "every message is stored"
    domain.clock.advance(timedelta(seconds=61))
    assert await maria.say("stato") == ["Non hai richieste aperte."]


async def test_after_stop_the_check_ins_asked_for_still_come(demo_domain: Domain) -> None:
    maria = Speaker(demo_domain, MARIA, Channel.SMS)
    assert (await maria.say("STOP"))[0].startswith(STOPPED)
    async with demo_domain.unit() as ctx:
        resident = await find_person(ctx.session, IdentityKind.PHONE, MARIA)
        assert resident is not None
        plan = await add_plan(ctx, resident, PlanInput(at_time="11:00", channel=Channel.SMS))
        timer = await pending_timer(ctx, TimerKind.CHECKIN, plan.id)
        assert timer is not None
    demo_domain.clock.set(timer.due_at)
    async with demo_domain.unit() as ctx:
        assert await fire_timer(ctx, timer.id)
    asked = await maria.inbox()
    assert len(asked) == 1 and asked[0].startswith("Buongiorno Maria, tutto bene? Rispondi 1")
