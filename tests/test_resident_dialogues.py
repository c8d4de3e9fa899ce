"""Whole resident dialogues in Italian and English, as transcripts: free text, guided, change,
cancel, status, a restart in the middle, an expired half-dialogue, a language switch."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.runtime import Runtime
from concierge.requests.request import ServiceRequest
from tests.conftest import ROME, Domain
from tests.transcript import Speaker

MARIA, EMMA, GIULIA = "+393402000001", "+393402000004", "+393331000001"
NEWCOMER = "+393479998877"


async def _requests(domain: Domain) -> list[ServiceRequest]:
    async with domain.unit() as ctx:
        return list((await ctx.session.scalars(select(ServiceRequest))).unique().all())


async def test_free_text_in_italian_confirmed(demo_domain: Domain) -> None:
    maria = Speaker(demo_domain, MARIA)
    assert await maria.say("domani mattina ritirare un pacco Amazon, urgente") == [
        "Ho capito: Ritiro pacchi, martedì 24 novembre, mattina — «ritirare un pacco Amazon, "
        "urgente» (URGENTE). Confermi?"
    ]
    assert maria.buttons() == ["Confermo", "Modifica", "Annulla"]
    assert await maria.say("sì") == [
        "Richiesta registrata: n. 1 · Ritiro pacchi · martedì 24 novembre, mattina · «ritirare "
        "un pacco Amazon, urgente» · URGENTE. Ti scrivo appena un operatore la prende in carico."
    ]
    (request,) = await _requests(demo_domain)
    assert request.urgent and request.due_kind == "morning"
    assert request.due_at == demo_domain.runtime.clock.now().replace(day=24, hour=11, minute=0), (
        "due by the end of the morning (12:00 in Rome)"
    )
    giulia = Speaker(demo_domain, GIULIA)
    assert (await giulia.inbox())[0].startswith(
        "Nuova richiesta: n. 1 · Ritiro pacchi · martedì 24 novembre, mattina · "
    )


async def test_guided_in_italian_with_a_change(demo_domain: Domain) -> None:
    maria = Speaker(demo_domain, MARIA)
    await maria.say("menu")
    assert await maria.tap("Spesa") == [
        "Per quando ti serve? Scegli, oppure scrivilo (per esempio «giovedì alle 10»)."
    ]
    assert await maria.say("boh, quando potete") == [
        "Non ho capito la data. Scegli un'opzione o scrivila in un altro modo "
        "(per esempio «domani pomeriggio» o «il 3 dicembre alle 10»)."
    ]
    assert await maria.say("giovedì alle 10") == [
        "Dove, e cosa serve di preciso? Scrivi i dettagli (indirizzo, negozio, quantità…)."
    ]
    assert await maria.say("latte e pane alla Coop di via Roma") == [
        "Ho capito: Spesa, giovedì 26 novembre, 10:00 — «latte e pane alla Coop di via Roma».\n"
        "Prezzo 12,20\xa0€ IVA inclusa, a tuo carico.\nConfermi?"
    ]
    assert await maria.tap("Modifica") == ["Cosa vuoi cambiare?"]
    assert maria.buttons() == ["Il servizio", "Quando", "I dettagli"]
    await maria.tap("Quando")
    assert await maria.tap("Domani pomeriggio") == [
        "Ho capito: Spesa, martedì 24 novembre, pomeriggio — «latte e pane alla Coop di via "
        "Roma».\nPrezzo 12,20\xa0€ IVA inclusa, a tuo carico.\nConfermi?"
    ]
    await maria.tap("Confermo")
    (request,) = await _requests(demo_domain)
    assert (request.service_code, request.due_kind) == ("shopping", "afternoon")


async def test_unsure_then_chosen_keeping_the_date(demo_domain: Domain) -> None:
    maria = Speaker(demo_domain, MARIA)
    assert await maria.say("devo ritirare una cosa venerdì") == [
        "Non sono sicuro di aver capito: quale di questi servizi ti serve?"
    ]
    assert maria.buttons() == ["Ritiro pacchi", "Altro", "Tutti i servizi"]
    assert await maria.tap("Ritiro pacchi") == [
        "Ho capito: Ritiro pacchi, venerdì 27 novembre — «devo ritirare una cosa». Confermi?"
    ]


async def test_cancel_a_draft_then_status_and_cancel_a_request(demo_domain: Domain) -> None:
    maria = Speaker(demo_domain, MARIA)
    await maria.say("stirare 5 camicie entro il 30")
    assert await maria.say("annulla") == [
        "Va bene, non ho registrato nulla. Scrivi «menu» quando ti serve qualcosa."
    ]
    await maria.say("ricetta dal dottore oggi pomeriggio")
    await maria.tap("Confermo")
    await Speaker(demo_domain, GIULIA).tap("Accetto")
    status = await maria.say("stato")
    assert status[-1] == (
        "Le tue richieste aperte:\n• n. 1 · Ricette e farmaci · lunedì 23 novembre, pomeriggio "
        "· «ricetta dal dottore»: presa in carico (Giulia)"
    )
    await maria.say("/annulla")
    assert maria.buttons() == ["n. 1 Ricette e farmaci"]
    assert (await maria.tap("n. 1 Ricette e farmaci"))[-1].endswith("Sicuro di volerla annullare?")
    assert (await maria.tap("Sì, annullala"))[-1].startswith("Annullata: n. 1")


async def test_english_free_text_from_a_newcomer(demo_domain: Domain) -> None:
    newcomer = Speaker(demo_domain, NEWCOMER)
    assert await newcomer.say("Could someone water my plants tomorrow afternoon?") == [
        "I understood: Home, plants and pets, Tuesday 24 November, afternoon — «Could someone "
        "water my plants». Do you confirm?"
    ]
    assert await newcomer.say("help") == [
        "I'm the neighbourhood concierge. Tell me what you need in your own words (for example "
        '"collect a parcel tomorrow morning") or write:\n• menu: the list of services, step by '
        "step\n• status: your open requests\n• cancel: cancel a request\n• language: choose "
        "Italian or English\n• help: this message"
    ]
    assert (await newcomer.tap("Confirm"))[0].startswith("Request registered: no. 1")


async def test_switching_language(demo_domain: Domain) -> None:
    maria = Speaker(demo_domain, MARIA)
    await maria.say("lingua")
    assert maria.buttons() == ["Italiano", "English"]
    assert await maria.tap("English") == ["All right, from now on I will write to you in English."]
    assert await maria.say("stato") == ["You have no open requests."]
    assert await maria.say("/lang it") == ["Va bene, d'ora in poi ti scrivo in italiano."]


async def test_a_restart_in_the_middle_loses_nothing(demo_domain: Domain) -> None:
    maria = Speaker(demo_domain, MARIA)
    await maria.say("menu")
    await maria.tap("Ritiro pacchi")
    old = demo_domain.runtime
    await old.close()  # the service stops between two messages
    restarted = Domain(Runtime.create(old.settings, old.clock))
    try:
        maria.domain = restarted
        assert await maria.tap("Oggi") == [
            "Dove, e cosa serve di preciso? Scrivi i dettagli (indirizzo, negozio, quantità…)."
        ]
        assert await maria.tap("Nessun dettaglio") == [
            "Ho capito: Ritiro pacchi, lunedì 23 novembre. Confermi?"
        ]
    finally:
        await restarted.runtime.close()


async def test_a_stale_half_dialogue_expires_politely(demo_domain: Domain) -> None:
    maria = Speaker(demo_domain, MARIA)
    await maria.say("pacco domani")
    demo_domain.clock.advance(timedelta(minutes=61))
    assert await maria.say("sì") == [
        "La richiesta che avevi iniziato è rimasta a metà troppo a lungo, quindi non l'ho "
        "inviata. Nessun problema: ricominciamo.",
        "Ciao! Di cosa hai bisogno? Scegli un servizio oppure scrivimelo con parole tue "
        "(per esempio «pacco domani»).",
    ]
    assert await _requests(demo_domain) == []
    # Within the time, a draft waits.
    await maria.say("pacco domani")
    demo_domain.clock.advance(timedelta(minutes=59))
    assert (await maria.say("sì"))[0].startswith("Richiesta registrata: n. 1")
    assert len(await _requests(demo_domain)) == 1


def test_rome_is_the_zone_of_the_transcripts() -> None:
    assert str(ROME) == "Europe/Rome"


async def test_a_request_for_tomorrow_is_handed_out_in_tomorrows_shift(demo_domain: Domain) -> None:
    maria = Speaker(demo_domain, MARIA)
    await maria.say("pacco domani")
    assert (await maria.tap("Confermo"))[-1] == (
        "La richiesta n. 1 va all'operatore di turno in quel momento: gliela affidiamo "
        "martedì 24 novembre, 08:00."
    )
    (request,) = await _requests(demo_domain)
    assert request.status == "queued"


async def test_too_late_today_asks_again_and_typed_answers_count(demo_domain: Domain) -> None:
    demo_domain.clock.advance(timedelta(hours=9))  # Monday 19:00
    maria = Speaker(demo_domain, MARIA)
    await maria.say("menu")
    await maria.tap("Spesa")
    assert await maria.tap("Oggi") == ["Quel momento è già passato. Per quando ti serve?"]
    assert await maria.say("appena possibile") == [
        "Dove, e cosa serve di preciso? Scrivi i dettagli (indirizzo, negozio, quantità…)."
    ]
    assert await maria.say("no") == [
        "Ho capito: Spesa, appena possibile.\n"
        "Prezzo 12,20\xa0€ IVA inclusa, a tuo carico.\nConfermi?"
    ]
    assert await maria.say("anzi domani alle 11") == [
        "Ho capito: Spesa, martedì 24 novembre, 11:00.\n"
        "Prezzo 12,20\xa0€ IVA inclusa, a tuo carico.\nConfermi?"
    ]


async def test_photos_are_kept_with_the_request(demo_domain: Domain) -> None:
    maria = Speaker(demo_domain, MARIA)
    assert await maria.send_photo("photo-1") == [
        "Grazie per la foto, la allego alla richiesta. Di quale servizio si tratta?"
    ]
    await maria.tap("Piccole riparazioni")
    await maria.tap("Appena possibile")
    assert await maria.send_photo("photo-2", "il rubinetto della cucina") == [
        "Ho capito: Piccole riparazioni, appena possibile — «il rubinetto della cucina» "
        "(2 foto). Confermi?"
    ]
    await maria.tap("Confermo")
    (request,) = await _requests(demo_domain)
    assert request.attachments == ["photo-1", "photo-2"]
    newcomer = Speaker(demo_domain, NEWCOMER)
    assert (await newcomer.send_photo("photo-3", "pacco da ritirare oggi"))[0].endswith(
        "«pacco da ritirare» (1 foto). Confermi?"
    )
