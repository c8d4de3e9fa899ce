"""A worker asks the bot for their welfare credit, in Italian and English: balance, expiry and
last movements; a resident with no plan is told so; a half-told request survives the question."""

from __future__ import annotations

from tests.conftest import Domain
from tests.transcript import Speaker

MARIA, LUCA, EMMA = "+393402000001", "+393402000003", "+393402000004"


async def test_a_worker_asks_for_credit_in_italian(demo_domain: Domain) -> None:
    luca = Speaker(demo_domain, LUCA)
    assert await luca.say("Credito") == [
        "Acme Bergamo S.p.A. – Welfare 2026: ti restano 472,55\xa0€ di credito, validi fino a "
        "giovedì 31 dicembre.\n"
        "Ultimi movimenti:\n"
        "lunedì 23 novembre · Stiratura: -27,45\xa0€\n"
        "lunedì 23 novembre · credito del piano: 500,00\xa0€"
    ]


async def test_a_worker_asks_for_credit_in_english(demo_domain: Domain) -> None:
    emma = Speaker(demo_domain, EMMA)
    [answer] = await emma.say("/credit")
    assert answer.startswith(
        "Acme Bergamo S.p.A. – Welfare 2026: you have €451.20 of credit left, valid until "
        "Thursday 31 December.\nLast movements:\n"
    )
    assert "Monday 23 November · Cleaning: -€48.80" in answer


async def test_no_plan_and_a_request_in_the_middle(demo_domain: Domain) -> None:
    maria = Speaker(demo_domain, MARIA)
    [question] = await maria.say("domani mattina ritirare un pacco")
    assert question.endswith("Confermi?")
    assert await maria.say("credito") == [
        "Non risulti iscritto a un piano welfare aziendale confermato dalla tua azienda."
    ]
    registered = await maria.say("sì")
    assert registered[0].startswith("Richiesta registrata: n. 1")
