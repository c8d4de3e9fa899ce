"""Issue 18, conversations: what a new user tripped over, as transcripts in Italian and English.
A rewritten request is read afresh; a date leaves no half behind; past and out-of-hours times
are told before the confirmation; unsure guesses ask; cancelling a taken request asks first;
an old Accept button says what happened to the offer."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from concierge.jobs.dispatch import fire_timer
from concierge.messages import Channel, IdentityKind
from concierge.people.person import find_person
from concierge.requests.lifecycle import SYSTEM
from concierge.requests.request import ServiceRequest
from concierge.routing.assignment import reassign
from concierge.team.operators import operator_for_person
from concierge.timers import Timer, TimerKind
from tests.conftest import Domain
from tests.transcript import Speaker

MARIA, EMMA, GIULIA, MARCO = "+393402000001", "+393402000004", "+393331000001", "+393331000002"
NEWCOMER = "+393479998877"


async def _requests(domain: Domain) -> list[ServiceRequest]:
    async with domain.unit() as ctx:
        rows = await ctx.session.scalars(select(ServiceRequest).order_by(ServiceRequest.id))
        return list(rows.unique().all())


# 1. A rewritten request keeps the old words and loses urgency.
async def test_a_rewritten_request_is_read_afresh(demo_domain: Domain) -> None:
    maria = Speaker(demo_domain, MARIA)
    assert (await maria.say("grazie"))[0].startswith("Non sono sicuro di aver capito.")
    assert await maria.say("urgente! mi serve un medicinale subito") == [
        "Ho capito: Ricette e farmaci, appena possibile — «urgente! mi serve un medicinale "
        "subito» (URGENTE). Confermi?"
    ]
    await maria.tap("Confermo")
    (request,) = await _requests(demo_domain)
    assert (request.service_code, request.urgent) == ("prescription", True)
    assert request.details == "urgente! mi serve un medicinale subito"

    await maria.say("boh")
    assert await maria.say("pacco domani alle 15") == [
        "Ho capito: Ritiro pacchi, martedì 24 novembre, 15:00 — «pacco». Confermi?"
    ]


async def test_a_rewritten_request_by_sms_in_english(demo_domain: Domain) -> None:
    emma = Speaker(demo_domain, EMMA, channel=Channel.SMS)
    assert (await emma.say("<b>x</b>"))[0].startswith("I'm not sure I understood.")
    assert await emma.say("ritiro ricetta giovedì alle 10") == [
        "I understood: Prescriptions and medicines, Thursday 26 November, 10:00 — «ritiro "
        "ricetta». Do you confirm?"
    ]


async def test_a_service_typed_after_did_you_mean_keeps_the_draft(demo_domain: Domain) -> None:
    maria = Speaker(demo_domain, MARIA)
    await maria.say("devo ritirare una cosa venerdì, è urgente")
    assert await maria.say("pacco") == [
        "Ho capito: Ritiro pacchi, venerdì 27 novembre — «devo ritirare una cosa, è urgente» "
        "(URGENTE). Confermi?"
    ]


# 2. Leftover words in the echoed details.
async def test_removing_a_date_leaves_no_half_of_it(demo_domain: Domain) -> None:
    newcomer = Speaker(demo_domain, NEWCOMER)
    assert await newcomer.say("I need someone to water my plants this afternoon, I'm away") == [
        "I understood: Home, plants and pets, Monday 23 November, afternoon — «I need someone "
        "to water my plants, I'm away». Do you confirm?"
    ]
    maria = Speaker(demo_domain, MARIA)
    assert await maria.say("stirare 5 camicie per venerdì, grazie") == [
        "Ho capito: Stiratura, venerdì 27 novembre — «stirare 5 camicie, grazie».\n"
        "Prezzo 18,30\xa0€ l'ora IVA inclusa, a tuo carico.\nConfermi?"
    ]


# 3. Past and out-of-hours times pass silently.
async def test_a_past_day_is_asked_again(demo_domain: Domain) -> None:
    maria = Speaker(demo_domain, MARIA)
    assert await maria.say("pacco ieri") == ["Quel momento è già passato. Per quando ti serve?"]
    assert await maria.tap("Domani mattina") == [
        "Ho capito: Ritiro pacchi, martedì 24 novembre, mattina — «pacco». Confermi?"
    ]
    newcomer = Speaker(demo_domain, NEWCOMER)
    assert await newcomer.say("collect my parcel yesterday") == [
        "That time has already passed. When do you need it?"
    ]


async def test_an_hour_out_of_hours_is_told_before_the_confirmation(demo_domain: Domain) -> None:
    maria = Speaker(demo_domain, MARIA)
    assert await maria.say("pacco stasera alle 23") == [
        "A quell'ora (lunedì 23 novembre, 23:00) il servizio è chiuso: ce ne occupiamo prima, "
        "entro lunedì 23 novembre, 18:00.",
        "Ho capito: Ritiro pacchi, lunedì 23 novembre, 23:00 — «pacco». Confermi?",
    ]
    # Within opening hours nothing is added.
    assert await maria.say("anzi alle 16") == [
        "Ho capito: Ritiro pacchi, lunedì 23 novembre, 16:00 — «pacco». Confermi?"
    ]


async def test_closed_now_and_until_then_says_the_reopening(demo_domain: Domain) -> None:
    demo_domain.clock.advance(timedelta(hours=9))  # Monday 19:00, closed
    newcomer = Speaker(demo_domain, NEWCOMER)
    assert await newcomer.say("collect a parcel tonight at 10pm") == [
        "At that time (Monday 23 November, 22:00) the service is closed, and it does not open "
        "before then: we will see to it when it reopens, Tuesday 24 November, 08:00.",
        "I understood: Parcel pickup, Monday 23 November, 22:00 — «collect a parcel». "
        "Do you confirm?",
    ]


# 4. Unsure guesses are presented as sure.
async def test_an_unsure_guess_asks_offering_something_else(demo_domain: Domain) -> None:
    maria = Speaker(demo_domain, MARIA)
    assert await maria.say("voglio comprare un'auto") == [
        "Non sono sicuro di aver capito: quale di questi servizi ti serve?"
    ]
    assert maria.buttons() == ["Spesa", "Altro", "Tutti i servizi"]
    assert await maria.tap("Altro") == [
        "Ho capito: Altro, appena possibile — «voglio comprare un'auto». Confermi?"
    ]
    newcomer = Speaker(demo_domain, NEWCOMER)
    await newcomer.say("I want to buy a boat")
    assert newcomer.buttons() == ["Shopping", "Something else", "All services"]
    await newcomer.say("cancel")
    # A car is one of the errands the catalogue leaves to "something else": read as sure.
    (answer,) = await newcomer.say("I want to buy a car")
    assert answer.startswith("I understood: Something else,")


# 5. Cancelling takes one tap even for a request an operator is already working on.
async def test_cancelling_a_taken_request_asks_first(demo_domain: Domain) -> None:
    maria, giulia = Speaker(demo_domain, MARIA), Speaker(demo_domain, GIULIA)
    await maria.say("ricetta dal dottore oggi pomeriggio")
    await maria.tap("Confermo")
    await giulia.tap("Accetto")
    await maria.say("annulla")
    assert await maria.tap("n. 1 Ricette e farmaci") == [
        "Giulia ha già preso in carico questa richiesta: n. 1 · Ricette e farmaci · lunedì 23 "
        "novembre, pomeriggio · «ricetta dal dottore». Sicuro di volerla annullare?"
    ]
    assert maria.buttons() == ["Sì, annullala", "No, la tengo"]
    assert await maria.tap("No, la tengo") == ["Va bene, la richiesta resta com'è."]
    assert [r.status for r in await _requests(demo_domain)] == ["accepted"]
    # The question was answered: its other button is spent, and changes nothing.
    assert await maria.tap("Sì, annullala") == ["Questa domanda è chiusa."]
    assert [r.status for r in await _requests(demo_domain)] == ["accepted"]
    await maria.say("annulla")
    await maria.tap("n. 1 Ricette e farmaci")
    assert (await maria.tap("Sì, annullala"))[0].startswith("Annullata: n. 1")
    assert [r.status for r in await _requests(demo_domain)] == ["cancelled"]


async def test_cancelling_a_request_nobody_took_is_one_tap(demo_domain: Domain) -> None:
    newcomer = Speaker(demo_domain, NEWCOMER)
    await newcomer.say("collect a parcel today")
    await newcomer.tap("Confirm")
    await newcomer.say("cancel")
    assert (await newcomer.tap("no. 1 Parcel pickup"))[0].startswith("Cancelled: no. 1")


# 6. Old buttons give the wrong reason.
async def test_accept_on_a_cancelled_offer_says_it_was_cancelled(demo_domain: Domain) -> None:
    maria, giulia = Speaker(demo_domain, MARIA), Speaker(demo_domain, GIULIA)
    await maria.say("pacco oggi")
    await maria.tap("Confermo")
    assert (await giulia.inbox())[0].startswith("Nuova richiesta: n. 1")
    await maria.say("annulla")
    await maria.tap("n. 1 Ritiro pacchi")
    await giulia.inbox()
    assert (await giulia.tap("Accetto"))[-1] == (
        "La richiesta n. 1 è stata annullata: non c'è più niente da fare."
    )


async def test_accept_after_the_time_ran_out_says_it_expired(demo_domain: Domain) -> None:
    maria, giulia = Speaker(demo_domain, MARIA), Speaker(demo_domain, GIULIA)
    await maria.say("pacco oggi")
    await maria.tap("Confermo")
    async with demo_domain.unit() as ctx:
        timer = await ctx.session.scalar(
            select(Timer).where(Timer.kind == TimerKind.OFFER_TIMEOUT, Timer.request_id == 1)
        )
        assert timer is not None
    demo_domain.clock.set(timer.due_at)
    async with demo_domain.unit() as ctx:
        assert await fire_timer(ctx, timer.id)
    await giulia.inbox()
    assert (await giulia.tap("Accetto"))[-1] == (
        "Il tempo per rispondere alla richiesta n. 1 è scaduto, ed è passata a un altro operatore."
    )
    assert (await giulia.tap("Accetto")) != []


async def test_accept_twice_and_given_to_a_colleague_in_english(demo_domain: Domain) -> None:
    maria, giulia = Speaker(demo_domain, MARIA), Speaker(demo_domain, GIULIA)
    await maria.say("pacco oggi")
    await maria.tap("Confermo")
    async with demo_domain.unit() as ctx:
        giulia_person = await find_person(ctx.session, IdentityKind.PHONE, GIULIA)
        assert giulia_person is not None
        giulia_person.language = "en"
    await giulia.tap("Accetto")
    # Her answer spent the offer's buttons: a second tap is a closed question.
    assert (await giulia.tap("Accetto"))[-1] == "This question is closed."
    # A coordinator gives the next one to Giulia, then to Marco before she answers.
    await maria.say("pacco oggi")
    await maria.tap("Confermo")
    async with demo_domain.unit() as ctx:
        for phone in (GIULIA, MARCO):
            person = await find_person(ctx.session, IdentityKind.PHONE, phone)
            assert person is not None
            operator = await operator_for_person(ctx.session, person.id)
            assert operator is not None
            await reassign(ctx, 2, operator, SYSTEM)
    await giulia.inbox()
    assert (await giulia.tap("Accept"))[-1] == (
        "A coordinator has given request no. 2 to another operator."
    )
