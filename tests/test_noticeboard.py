"""The neighbourhood noticeboard as residents live it: questions answered from the notices valid
on the day asked, in their language, or handed to an operator; errands still read as errands;
the weekly bulletin subscribed to, sent out of the quiet hours, stopped by STOP, on WhatsApp
with its approved template. Monday 23 November 2026, 10:00 in Rome, on a manual clock."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select

from concierge.jobs.dispatch import fire_timer
from concierge.messages import Channel
from concierge.noticeboard.bulletin import next_bulletin_at
from concierge.noticeboard.notices import (
    Notice,
    NoticeInput,
    NoticeKind,
    post_notice,
    retire_notice,
)
from concierge.noticeboard.questions import asks_the_board
from concierge.outbox import OutboxMessage, OutboxStatus
from concierge.requests.request import ServiceRequest
from concierge.team.operators import Cooperative
from concierge.timers import Timer, TimerKind, pending_timer
from tests.conftest import ROME, Domain
from tests.fake_twilio import FakeTwilio
from tests.test_twilio_messaging import _deliver_whatsapp
from tests.transcript import Speaker

MARIA, EMMA = "+393402000001", "+393402000004"
SATURDAY, SUNDAY = date(2026, 11, 28), date(2026, 11, 29)


async def _post(
    domain: Domain, kind: NoticeKind, first: date, last: date, it: str, en: str = ""
) -> int:
    async with domain.unit() as ctx:
        cooperative = await ctx.session.scalar(select(func.min(Cooperative.id)))
        assert cooperative is not None
        given = NoticeInput(kind=kind, text_it=it, text_en=en, valid_from=first, valid_until=last)
        return (await post_notice(ctx, cooperative, given)).id


async def _board(domain: Domain) -> None:
    await _post(
        domain, NoticeKind.MARKET, SATURDAY, SATURDAY,
        "Mercato contadino in piazza Dante, 8-13", "Farmers' market in piazza Dante, 8am-1pm",
    )  # fmt: skip
    await _post(
        domain, NoticeKind.PHARMACY, SUNDAY, SUNDAY,
        "Farmacia Centrale, via Roma 3, aperta 9-20", "Farmacia Centrale, via Roma 3, open 9am-8pm",
    )  # fmt: skip
    await _post(
        domain, NoticeKind.EVENT, date(2026, 12, 5), date(2026, 12, 6), "Festa di quartiere"
    )


async def _requests(domain: Domain) -> list[ServiceRequest]:
    async with domain.unit() as ctx:
        return list((await ctx.session.scalars(select(ServiceRequest))).all())


async def test_italian_questions_are_answered_from_the_notices_of_that_day(
    demo_domain: Domain,
) -> None:
    await _board(demo_domain)
    maria = Speaker(demo_domain, MARIA)
    assert await maria.say("c'è il mercato sabato?") == [
        "Dalla bacheca del quartiere, per sabato 28 novembre:\n"
        "• sabato 28 novembre: Mercato contadino in piazza Dante, 8-13"
    ]
    assert await maria.say("Quale farmacia è di turno domenica?") == [
        "Dalla bacheca del quartiere, per domenica 29 novembre:\n"
        "• domenica 29 novembre: Farmacia Centrale, via Roma 3, aperta 9-20"
    ]
    # A typo is forgiven; a notice named by its own words is found too.
    assert (await maria.say("c'è la festa sabato 5 dicembre?"))[0].endswith(
        "• da sabato 5 dicembre a domenica 6 dicembre: Festa di quartiere"
    )
    assert await _requests(demo_domain) == [], "answered questions make no requests"

    # Nothing on the board for Tuesday: the question goes to an operator as a short task.
    handed = await maria.say("c'è il mercato martedì?")
    assert handed == [
        "In bacheca non trovo una risposta: ho passato la domanda a un operatore (richiesta n. 1),"
        " ti risponderà qui."
    ]
    [request] = await _requests(demo_domain)
    assert (request.service_code, request.details) == ("information", "c'è il mercato martedì?")
    assert request.status == "offered", "an operator on duty is offered it at once"


async def test_english_questions_are_answered_in_english(demo_domain: Domain) -> None:
    await _board(demo_domain)
    emma = Speaker(demo_domain, EMMA)
    assert await emma.say("Is there a market on Saturday?") == [
        "From the neighbourhood noticeboard, for Saturday 28 November:\n"
        "• Saturday 28 November: Farmers' market in piazza Dante, 8am-1pm"
    ]
    assert await emma.say("which pharmacy is on duty on sunday?") == [
        "From the neighbourhood noticeboard, for Sunday 29 November:\n"
        "• Sunday 29 November: Farmacia Centrale, via Roma 3, open 9am-8pm"
    ]
    # Written only in Italian, a notice is shown in Italian rather than not at all.
    assert (await emma.say("any party on Saturday 5 December?"))[0].endswith(
        "• from Saturday 5 December to Sunday 6 December: Festa di quartiere"
    )


async def test_a_retired_notice_answers_nothing(demo_domain: Domain) -> None:
    await _board(demo_domain)
    notice_id = await _post(demo_domain, NoticeKind.OFFER, SATURDAY, SATURDAY, "Sconto 10% da Gino")
    async with demo_domain.unit() as ctx:
        await retire_notice(ctx, notice_id, None)
    maria = Speaker(demo_domain, MARIA)
    assert "richiesta n. 1" in (await maria.say("ci sono offerte sabato?"))[0]


async def test_errands_are_still_errands(demo_domain: Domain) -> None:
    await _board(demo_domain)
    maria = Speaker(demo_domain, MARIA)
    errand = await maria.say("Potete ritirare un pacco in farmacia domani?")
    # A parcel at the pharmacy: the classifier leans to prescriptions, so the bot asks.
    assert "bacheca" not in errand[-1] and "Ritiro pacchi" in maria.buttons()
    emma = Speaker(demo_domain, EMMA)
    errand = await emma.say("Could you buy groceries at the market on Saturday?")
    assert "noticeboard" not in errand[-1]
    # A word shared with a notice does not make an errand a question to the board.
    await _post(demo_domain, NoticeKind.OFFER, SATURDAY, SATURDAY, "Spesa scontata da Gino")
    giuseppe = Speaker(demo_domain, "+393402000002")
    errand = await giuseppe.say("c'è qualcuno per la spesa sabato?")
    assert errand[-1].startswith("Ho capito: Spesa"), errand
    assert await _requests(demo_domain) == [], "only confirmations asked, nothing created"


async def _fire_bulletin(domain: Domain) -> Timer:
    async with domain.unit() as ctx:
        timer = await pending_timer(ctx, TimerKind.BULLETIN)
    assert timer is not None
    domain.clock.set(timer.due_at)
    async with domain.unit() as ctx:
        assert await fire_timer(ctx, timer.id)
    return timer


async def test_the_weekly_bulletin_on_whatsapp_with_its_template(demo_domain: Domain) -> None:
    await _board(demo_domain)
    await _post(
        demo_domain, NoticeKind.MARKET, date(2026, 12, 5), date(2026, 12, 5), "Mercato di Natale"
    )
    emma = Speaker(demo_domain, EMMA, Channel.WHATSAPP)
    assert await emma.say("bulletin") == [
        "Done: every week I'll send you the neighbourhood bulletin here (the next one: "
        'Monday 30 November, 09:00). To stop, write "stop bulletin".'
    ]
    maria = Speaker(demo_domain, MARIA, Channel.SMS)
    assert (await maria.say("Bollettino"))[0].startswith("Fatto: ogni settimana")

    giuseppe = Speaker(demo_domain, "+393402000002")
    await giuseppe.say("iscrivimi al bollettino")
    assert await giuseppe.say("stop bollettino") == [
        "Fatto: non ti mando più il bollettino. Per riceverlo di nuovo scrivi «bollettino»."
    ]
    assert await giuseppe.say("Basta bollettino") == [
        "Non ricevi il bollettino. Per riceverlo ogni settimana scrivi «bollettino»."
    ]

    first = await _fire_bulletin(demo_domain)
    assert first.due_at == datetime(2026, 11, 30, 9, 0, tzinfo=ROME)
    assert await emma.inbox() == [
        "Neighbourhood bulletin, week from Monday 30 November:\n"
        "• from Saturday 5 December to Sunday 6 December: Festa di quartiere\n"
        "• Saturday 5 December: Mercato di Natale\n"
        'To stop it, write "stop bulletin".'
    ]
    async with demo_domain.unit() as ctx:
        row = await ctx.session.scalar(
            select(OutboxMessage)
            .where(OutboxMessage.address == EMMA)
            .order_by(OutboxMessage.id.desc())
        )
        assert row is not None and row.channel == Channel.WHATSAPP
        assert row.template == {
            "name": "bulletin",
            "variables": {"1": "Monday 30 November", "2": "Festa di quartiere · Mercato di Natale"},
        }
    assert (await maria.inbox())[0].startswith("Bollettino del quartiere, settimana da lunedì 30")

    # STOP on SMS ends what Maria did not ask for each time; "stop bulletin" ends Emma's.
    await maria.say("STOP")
    assert await emma.say("stop bulletin") == [
        'Done: no more bulletins. To get it again, write "bulletin".'
    ]
    await _post(
        demo_domain,
        NoticeKind.OFFICE,
        date(2026, 12, 7),
        date(2026, 12, 11),
        "Anagrafe aperta 8-12",
    )
    second = await _fire_bulletin(demo_domain)
    assert second.due_at == datetime(2026, 12, 7, 9, 0, tzinfo=ROME)
    assert await emma.inbox() == [] and await maria.inbox() == []
    assert await giuseppe.inbox() == []
    # Fired twice by a scheduler that saw it late: nothing goes twice.
    async with demo_domain.unit() as ctx:
        assert not await fire_timer(ctx, second.id)


async def test_the_bulletin_waits_for_the_end_of_the_quiet_hours(demo_domain: Domain) -> None:
    async with demo_domain.unit() as ctx:
        late_mornings = replace(
            ctx, settings=ctx.settings.model_copy(update={"quiet_hours": "21:00-10:30"})
        )
        due = next_bulletin_at(late_mornings, ctx.now())
        assert due == datetime(2026, 11, 30, 10, 30, tzinfo=ROME)
        assert next_bulletin_at(late_mornings, due) == datetime(2026, 12, 7, 10, 30, tzinfo=ROME)
        assert next_bulletin_at(ctx, ctx.now()) == datetime(2026, 11, 30, 9, 0, tzinfo=ROME)


def test_no_errand_of_the_labelled_set_is_taken_for_a_question_to_the_board() -> None:
    board = [
        Notice(kind="market", text_it="Mercato contadino in piazza Dante", text_en="Market"),
        Notice(kind="pharmacy", text_it="Farmacia Centrale, via Roma 3", text_en=""),
        Notice(kind="office", text_it="Anagrafe aperta per le carte d'identità", text_en=""),
        Notice(kind="offer", text_it="Lavanderia Bolle: stiratura camicie -20%", text_en=""),
    ]
    lines = (Path(__file__).parent / "data" / "intake_eval.jsonl").read_text().splitlines()
    errands = [json.loads(line)["text"] for line in lines if line.strip()]
    assert len(errands) >= 100
    assert [text for text in errands if asks_the_board(text, board)] == []
    for question in ("c'è il mercato sabato?", "Quale farmacia è di turno?", "any discounts?"):
        assert asks_the_board(question, board) is not None, question
    for other in ("c'è qualcuno?", "quando arriva Giulia?", "Can you buy bread at the market?"):
        assert asks_the_board(other, board) is None, other


async def test_the_bulletin_reaches_whatsapp_through_its_approved_template(
    demo_domain: Domain, fake_twilio: FakeTwilio
) -> None:
    maria = Speaker(demo_domain, MARIA, Channel.WHATSAPP)
    await maria.say("bollettino")
    await _deliver_whatsapp(demo_domain, fake_twilio)  # the answer, inside the 24-hour window
    assert fake_twilio.messages[-1]["Body"].startswith("Fatto: ogni settimana")
    next_saturday = date(2026, 12, 5)
    await _post(demo_domain, NoticeKind.MARKET, next_saturday, next_saturday, "Mercato in piazza")
    await _fire_bulletin(demo_domain)  # a week after Maria last wrote: outside the window
    template = '{"bulletin": "HX' + "b" * 32 + '"}'
    row = await _deliver_whatsapp(demo_domain, fake_twilio, TWILIO_WHATSAPP_TEMPLATES=template)
    assert row.status == OutboxStatus.SENT and row.dedupe_key.startswith("bulletin:2026-11-30")
    sent = fake_twilio.messages[-1]
    assert "Body" not in sent and sent["ContentSid"] == "HX" + "b" * 32
    assert json.loads(sent["ContentVariables"]) == {
        "1": "lunedì 30 novembre",
        "2": "Mercato in piazza",
    }
