"""Operators and coordinators talking to the bot: a new task with everything needed, a problem
with a note, proof of delivery, a break; the queue, a reassignment, a message to everyone."""

from __future__ import annotations

from sqlalchemy import select

from concierge.requests.lifecycle import RequestStatus
from concierge.requests.request import ServiceRequest
from concierge.requests.timeline import request_timeline
from concierge.team.operators import Operator
from tests.conftest import Domain
from tests.transcript import Speaker

MARIA, PAOLA = "+393402000001", "+393331000009"
GIULIA, MARCO, SARA = "+393331000001", "+393331000002", "+393331000003"


async def _timeline(domain: Domain, request_id: int = 1) -> list[str]:
    async with domain.unit() as ctx:
        return [entry.text for entry in await request_timeline(ctx, request_id, "it")]


async def _status(domain: Domain, request_id: int = 1) -> tuple[str, str | None]:
    async with domain.unit() as ctx:
        request = await ctx.session.get(ServiceRequest, request_id)
        assert request is not None
        return request.status, request.operator.first_name if request.operator else None


async def _maria_asks(domain: Domain, text: str = "spesa alla Coop oggi pomeriggio") -> None:
    maria = Speaker(domain, MARIA)
    await maria.say(text)
    await maria.tap("Confermo")


async def test_a_new_task_says_who_what_when_where(demo_domain: Domain) -> None:
    await _maria_asks(demo_domain)
    giulia = Speaker(demo_domain, GIULIA)
    assert await giulia.inbox() == [
        "Nuova richiesta: n. 1 · Spesa · lunedì 23 novembre, pomeriggio · «spesa alla Coop»\n"
        "Da: Maria Rossi, Via Roma 12, +393402000001\nLa prendi tu?"
    ]
    await giulia.tap("Accetto")
    assert giulia.buttons() == ["Inizio ora", "Problema"]


async def test_a_problem_with_a_note_fails_the_task_and_tells_everyone(demo_domain: Domain) -> None:
    await _maria_asks(demo_domain)
    giulia, paola, maria = (Speaker(demo_domain, p) for p in (GIULIA, PAOLA, MARIA))
    await giulia.tap("Accetto")
    await giulia.tap("Inizio ora")
    assert await giulia.tap("Problema") == [
        "Cosa è successo con la richiesta n. 1? Scrivilo: lo passo al coordinatore e la "
        "richiesta verrà chiusa come non riuscita."
    ]
    await maria.inbox()
    assert (await giulia.say("La Coop è chiusa per inventario"))[0].startswith(
        "Segnalato al coordinatore: n. 1"
    )
    assert await _status(demo_domain) == ("failed", "Giulia")
    assert (await paola.inbox())[-1] == (
        "Problema su n. 1 · Spesa · lunedì 23 novembre, pomeriggio · «spesa alla Coop», "
        "segnalato da Giulia Bianchi: «La Coop è chiusa per inventario»"
    )
    assert (await maria.inbox())[0].startswith("Purtroppo")
    assert (await _timeline(demo_domain))[-1] == (
        "problema segnalato da Giulia Bianchi: «La Coop è chiusa per inventario»"
    )


async def test_proof_of_delivery_with_a_photo(demo_domain: Domain) -> None:
    await _maria_asks(demo_domain)
    giulia = Speaker(demo_domain, GIULIA)
    for button in ("Accetto", "Inizio ora"):
        await giulia.tap(button)
    done = await giulia.tap("Fatto")
    assert done[0].startswith("Completata: n. 1")
    assert giulia.buttons() == ["Nessuna prova"]
    assert await giulia.send_photo("https://example.org/receipt.jpg", "scontrino") == [
        "Prova di consegna salvata sulla richiesta n. 1. Grazie!"
    ]
    assert "prova di consegna da Giulia Bianchi: «scontrino» (1 foto)" in await _timeline(
        demo_domain
    )


async def test_a_break_and_back(demo_domain: Domain) -> None:
    giulia = Speaker(demo_domain, GIULIA)
    assert (await giulia.say("pausa"))[0].startswith("Sei in pausa")
    await _maria_asks(demo_domain)
    assert await _status(demo_domain) == ("offered", "Marco")
    await Speaker(demo_domain, MARCO).tap("Rifiuto")
    await Speaker(demo_domain, SARA).tap("Decline")
    assert await _status(demo_domain) == ("queued", None)
    back = await giulia.say("disponibile")
    assert "Bentornato! Sei di nuovo disponibile. Richieste in attesa proposte a te: 1." in back
    assert any(text.startswith("Nuova richiesta: n. 1") for text in back)
    assert await _status(demo_domain) == ("offered", "Giulia")


async def test_the_coordinator_reads_the_queue_reassigns_and_writes_to_all(
    demo_domain: Domain,
) -> None:
    await _maria_asks(demo_domain)
    giulia, marco, paola = (Speaker(demo_domain, p) for p in (GIULIA, MARCO, PAOLA))
    await giulia.tap("Accetto")
    assert await paola.say("coda") == [
        "Richieste aperte: 1 (0 in attesa, 0 proposte, 1 prese in carico, 0 in corso)\n"
        "• n. 1 · Spesa · lunedì 23 novembre, pomeriggio · «spesa alla Coop»: "
        "presa in carico (Giulia)"
    ]
    assert await paola.say("assegna 1 a marco") == ["Richiesta n. 1 proposta a Marco."]
    assert (await giulia.inbox())[-1] == (
        "Il coordinatore ha affidato ad altri: n. 1 · Spesa · lunedì 23 novembre, pomeriggio · "
        "«spesa alla Coop». Non serve che te ne occupi."
    )
    assert (await marco.inbox())[-1].startswith("Nuova richiesta: n. 1")
    await marco.tap("Accetto")
    assert await _status(demo_domain) == ("accepted", "Marco")
    assert await paola.say("assegna 1 a Gianni") == [
        "Non trovo un operatore attivo di nome «Gianni»."
    ]
    assert (await paola.say("avvisami quando arriva"))[0].startswith("Ciao Paola"), (
        "not a broadcast"
    )
    assert await paola.say("Avviso: oggi chiudiamo alle 17") == [
        "Messaggio inviato agli operatori in servizio: 3."
    ]
    assert (await giulia.inbox())[-1] == "Messaggio da Paola: oggi chiudiamo alle 17"
    sara = Speaker(demo_domain, SARA)
    assert (await sara.inbox())[-1] == "Message from Paola: oggi chiudiamo alle 17"
    async with demo_domain.unit() as ctx:
        operators = (await ctx.session.scalars(select(Operator))).unique().all()
        assert all(not op.paused for op in operators)
    assert RequestStatus.ACCEPTED == "accepted"
