"""Recurring asks, spans of days and the new services, told in free text: the confirmation
reads the schedule back in words; a recurring ask confirmed becomes a standing order (its
occurrences: tests/test_standing_orders.py), a span of days one request that keeps it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from concierge.requests.request import ServiceRequest
from concierge.standing.orders import StandingOrder
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
    assert await _requests(demo_domain) == [], "the first occurrence is made on its day"
    async with demo_domain.unit() as ctx:
        (order,) = (await ctx.session.scalars(select(StandingOrder))).unique().all()
    assert (order.details, order.at_time, order.next_day) == (
        "portare fuori il cane", "10:00", date(2026, 11, 24),
    )  # fmt: skip
    assert order.schedule.days == (1, 4)


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
