"""Recurring asks, spans of days and the new services, told in free text: the confirmation
reads the schedule back in words, and the request keeps it for the operator (no series of
requests is made)."""

from __future__ import annotations

from sqlalchemy import select

from concierge.requests.request import ServiceRequest
from tests.conftest import Domain
from tests.transcript import Speaker

MARIA, EMMA = "+393402000001", "+393402000004"


async def _requests(domain: Domain) -> list[ServiceRequest]:
    async with domain.unit() as ctx:
        return list((await ctx.session.scalars(select(ServiceRequest))).unique().all())


async def test_a_weekly_ask_is_read_back_and_kept_in_italian(demo_domain: Domain) -> None:
    maria = Speaker(demo_domain, MARIA)
    assert await maria.say("portare fuori il cane tutti i martedì e venerdì alle 10") == [
        "Ho capito: Casa, piante e animali, ogni martedì e venerdì alle 10:00, a partire da "
        "martedì 24 novembre — «portare fuori il cane». Confermi?"
    ]
    await maria.tap("Confermo")
    (request,) = await _requests(demo_domain)
    assert request.details == (
        "portare fuori il cane — ogni martedì e venerdì alle 10:00, a partire da martedì "
        "24 novembre"
    )


async def test_a_span_of_days_and_every_other_day_in_english(demo_domain: Domain) -> None:
    emma = Speaker(demo_domain, EMMA)
    assert await emma.say("please water my plants from the 4th to the 16th of December") == [
        "I understood: Home, plants and pets, from Friday 4 December to Wednesday 16 December "
        "— «please water my plants». Do you confirm?"
    ]
    await emma.tap("Cancel")
    assert await emma.say("collect my mail every other day until 10 December") == [
        "I understood: Home, plants and pets, every 2 days, starting Monday 23 November, until "
        "Thursday 10 December — «collect my mail». Do you confirm?"
    ]


async def test_the_new_services_are_recognised_and_offered(demo_domain: Domain) -> None:
    maria = Speaker(demo_domain, MARIA)
    assert (await maria.say("sgombero della cantina sabato"))[0].startswith(
        "Ho capito: Sgombero, sabato 28 novembre"
    )
    await maria.tap("Annulla")
    assert (await maria.say("a che ora apre la biblioteca sabato?"))[0].startswith(
        "Ho capito: Informazioni,"
    )
    await maria.tap("Confermo")
    (question,) = await _requests(demo_domain)
    assert question.service_code == "information"  # an operator answers it as a short task
    await maria.say("menu")
    assert {"Sgombero", "Informazioni", "Assistenza domiciliare"} <= set(maria.buttons())
