"""After a request is done: "was everything all right?", a 1–5 mark and a comment, closing after
a day; told as the requester lives it, with a manual clock."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from concierge.jobs.dispatch import fire_timer
from concierge.messages import Channel, IdentityKind
from concierge.people.person import find_person
from concierge.requests.lifecycle import RequestStatus
from concierge.requests.request import create_request, finish_request, start_request
from concierge.requests.satisfaction import SurveyStatus, survey_of
from concierge.requests.timeline import request_timeline
from concierge.routing.assignment import accept_offer, offer_next
from concierge.team.operators import Operator
from concierge.timers import Timer, TimerKind, pending_timers
from tests.conftest import MONDAY_MORNING, ROME, Domain
from tests.transcript import Speaker

MARIA, EMMA, PAOLA = "+393402000001", "+393402000004", "+393331000009"


async def _done_request(
    domain: Domain, phone: str, details: str = "", finished_at: datetime | None = None
) -> int:
    """A parcel request from `phone`, taken now and finished by Giulia (now or later)."""
    async with domain.unit() as ctx:
        requester = await find_person(ctx.session, IdentityKind.PHONE, phone)
        assert requester is not None
        request = await create_request(ctx, requester, "parcel", details, Channel.WEBCHAT)
        await offer_next(ctx, request)
        giulia = await ctx.session.scalar(select(Operator).order_by(Operator.id))
        assert giulia is not None
        await accept_offer(ctx, giulia, request.id)
        await start_request(ctx, giulia, request.id)
        if finished_at is not None:
            domain.clock.set(finished_at)
        await finish_request(ctx, giulia, request.id)
        return request.id


async def _timer(domain: Domain, kind: TimerKind) -> Timer:
    async with domain.unit() as ctx:
        timers = [t for t in await pending_timers(ctx) if t.kind == kind]
    assert len(timers) == 1, f"expected one pending {kind}, found {len(timers)}"
    return timers[0]


async def _fire_when_due(domain: Domain, kind: TimerKind) -> Timer:
    timer = await _timer(domain, kind)
    domain.clock.set(timer.due_at)
    async with domain.unit() as ctx:
        assert await fire_timer(ctx, timer.id)
    return timer


async def _timeline(domain: Domain, request_id: int, lang: str = "it") -> list[str]:
    async with domain.unit() as ctx:
        return [entry.text for entry in await request_timeline(ctx, request_id, lang)]


async def test_the_requester_is_asked_an_hour_later_and_rates_and_comments(
    demo_domain: Domain,
) -> None:
    maria = Speaker(demo_domain, MARIA)
    request_id = await _done_request(demo_domain, MARIA)
    await maria.inbox()
    follow_up = await _timer(demo_domain, TimerKind.FOLLOW_UP)
    assert follow_up.due_at == MONDAY_MORNING + timedelta(hours=1)

    await _fire_when_due(demo_domain, TimerKind.FOLLOW_UP)
    assert await maria.inbox() == [
        "Com'è andata n. 1 · Ritiro pacchi? Dai un voto da 1 (male) a 5 (benissimo)."
    ]
    assert maria.buttons() == ["1", "2", "3", "4", "5"]

    assert await maria.tap("4") == ["Grazie del voto! Vuoi aggiungere un commento? Scrivilo pure."]
    assert await maria.say("Puntuale e gentilissima") == [
        "Grazie, abbiamo registrato il tuo commento."
    ]
    async with demo_domain.unit() as ctx:
        survey = await survey_of(ctx, request_id)
        assert survey is not None
        assert (survey.rating, survey.comment) == (4, "Puntuale e gentilissima")
    assert await Speaker(demo_domain, PAOLA).inbox() == [], "a good mark is no alert"

    timeline = await _timeline(demo_domain, request_id)
    assert timeline[-3:] == [
        "chiesto al richiedente com'è andata",
        "voto del richiedente: 4/5",
        "commento del richiedente: «Puntuale e gentilissima»",
    ]
    assert timeline[:4] == [
        "nuova — Maria Rossi",
        "in attesa di un operatore — Maria Rossi",
        "proposta a Giulia Bianchi",
        "presa in carico — Giulia Bianchi",
    ]

    # The question closes after a day; a late mark is then refused kindly (the buttons were
    # spent by the first mark: the question itself is closed).
    await _fire_when_due(demo_domain, TimerKind.FOLLOW_UP_CLOSE)
    assert await maria.tap("2") == ["Questa domanda è chiusa."]
    async with demo_domain.unit() as ctx:
        survey = await survey_of(ctx, request_id)
        assert survey is not None and (survey.status, survey.rating) == (SurveyStatus.CLOSED, 4)


async def test_no_answer_closes_the_question_quietly(demo_domain: Domain) -> None:
    maria = Speaker(demo_domain, MARIA)
    request_id = await _done_request(demo_domain, MARIA)
    await maria.inbox()
    await _fire_when_due(demo_domain, TimerKind.FOLLOW_UP)
    asked = await maria.inbox()
    closing = await _fire_when_due(demo_domain, TimerKind.FOLLOW_UP_CLOSE)
    assert closing.due_at == MONDAY_MORNING + timedelta(hours=1 + 24)

    assert await maria.inbox() == [], "closing says nothing"
    assert len(asked) == 1
    async with demo_domain.unit() as ctx:
        assert await pending_timers(ctx) == []
    assert (await _timeline(demo_domain, request_id))[-1] == "nessuna risposta: sondaggio chiuso"
    # A bare digit after the close is no longer a mark: the intake dialogue takes it.
    reply = await maria.say("5")
    assert reply and "chiuso" not in reply[0]


async def test_a_low_mark_reaches_the_coordinator_with_the_comment(demo_domain: Domain) -> None:
    maria, paola = Speaker(demo_domain, MARIA), Speaker(demo_domain, PAOLA)
    await _done_request(demo_domain, MARIA, "pacco Amazon")
    await _fire_when_due(demo_domain, TimerKind.FOLLOW_UP)

    assert await maria.say("2") == [
        "Ci dispiace che non sia andata bene: lo diciamo subito al coordinatore. "
        "Vuoi raccontarci cosa non ha funzionato?"
    ]
    assert await paola.inbox() == [
        "Voto basso: Maria Rossi ha dato 2/5 a n. 1 · Ritiro pacchi · «pacco Amazon»."
    ]
    await maria.say("Il pacco era bagnato")
    assert await paola.inbox() == [
        "Commento di Maria Rossi (2/5) su n. 1 · Ritiro pacchi · «pacco Amazon»: "
        "«Il pacco era bagnato»"
    ]


async def test_in_english_with_a_typed_mark_and_no_comment(demo_domain: Domain) -> None:
    emma = Speaker(demo_domain, EMMA)
    request_id = await _done_request(demo_domain, EMMA)
    await emma.inbox()
    await _fire_when_due(demo_domain, TimerKind.FOLLOW_UP)
    assert await emma.inbox() == [
        "How did no. 1 · Parcel pickup go? Give it a mark from 1 (badly) to 5 (very well)."
    ]
    assert await emma.say("5/5") == [
        "Thank you for your mark! Would you like to add a comment? Just write it."
    ]
    assert await emma.tap("No, thanks") == ["Thank you, see you soon!"]
    timeline = await _timeline(demo_domain, request_id, "en")
    assert "requester's mark: 5/5" in timeline
    assert not any(line.startswith("requester's comment") for line in timeline)


async def test_a_request_done_in_the_evening_is_followed_up_next_morning(
    demo_domain: Domain,
) -> None:
    await _done_request(demo_domain, MARIA, finished_at=datetime(2026, 11, 23, 20, 30, tzinfo=ROME))
    follow_up = await _timer(demo_domain, TimerKind.FOLLOW_UP)
    assert follow_up.due_at == datetime(2026, 11, 24, 8, 0, tzinfo=ROME)


async def test_only_done_requests_are_followed_up(demo_domain: Domain) -> None:
    async with demo_domain.unit() as ctx:
        maria = await find_person(ctx.session, IdentityKind.PHONE, MARIA)
        assert maria is not None
        request = await create_request(ctx, maria, "parcel", "", Channel.WEBCHAT)
        request.status = RequestStatus.QUEUED
    maria_chat = Speaker(demo_domain, MARIA)
    await maria_chat.say("annulla")
    await maria_chat.tap("n. 1 Ritiro pacchi")
    async with demo_domain.unit() as ctx:
        assert await pending_timers(ctx) == []
        assert await survey_of(ctx, request.id) is None


async def test_a_new_request_after_a_mark_is_not_taken_for_a_comment(demo_domain: Domain) -> None:
    maria = Speaker(demo_domain, MARIA)
    await _done_request(demo_domain, MARIA)
    await _fire_when_due(demo_domain, TimerKind.FOLLOW_UP)
    await maria.tap("5")
    assert (await maria.say("mi serve la spesa domani"))[0].startswith("Ho capito: Spesa")
