"""Two errands in one message: two drafts read back together, confirmed (or changed, or
cancelled) with one answer, and two requests made; one errand told with "e" stays one."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select

from benchmarks.intake_corpus import DATA, TRAINING_SETS
from concierge.intake.two_asks import two_asks
from concierge.requests.request import ServiceRequest
from tests.conftest import ROME, Domain
from tests.transcript import Speaker

MARIA, EMMA = "+393402000001", "+393402000004"


async def _requests(domain: Domain) -> list[tuple[str, str]]:
    async with domain.unit() as ctx:
        rows = await ctx.session.scalars(select(ServiceRequest).order_by(ServiceRequest.id))
        return [(r.service_code, r.details) for r in rows.unique().all()]


async def test_two_errands_in_italian_are_confirmed_in_one_question(demo_domain: Domain) -> None:
    maria = Speaker(demo_domain, MARIA)
    (question,) = await maria.say("domani ritirate il pacco e comprate il latte")
    assert question.startswith("Ho capito due richieste:\n1. Ritiro pacchi, martedì 24 novembre")
    assert "«ritirate il pacco»\n2. Spesa, martedì 24 novembre — «comprate il latte»" in question
    assert question.endswith("Le confermi entrambe?")
    assert maria.buttons() == ["Confermo", "Modifica", "Annulla"]
    await maria.tap("Confermo")
    assert await _requests(demo_domain) == [
        ("parcel", "ritirate il pacco"),
        ("shopping", "comprate il latte"),
    ]


async def test_one_of_two_errands_is_changed_then_both_confirmed(demo_domain: Domain) -> None:
    maria = Speaker(demo_domain, MARIA)
    (question,) = await maria.say("mi serve la spesa e poi stirare 5 camicie")
    assert "1. Spesa" in question and "2. Stiratura" in question
    assert await maria.tap("Modifica") == ["Quale delle due vuoi cambiare?"]
    assert maria.buttons() == ["Spesa", "Stiratura"]
    await maria.tap("Stiratura")
    await maria.tap("Quando")
    (question,) = await maria.tap("Domani mattina")
    intro, first, second, ask = question.split("\n")
    assert (intro, ask) == ("Ho capito due richieste:", "Le confermi entrambe?")
    # Still in the order told, each with its price.
    assert first.startswith("1. Spesa, appena possibile — «mi serve la spesa». Prezzo 12,20")
    assert second.startswith("2. Stiratura, martedì 24 novembre, mattina — «stirare 5 camicie»")
    assert "l'ora IVA inclusa" in second
    await maria.tap("Modifica")
    assert maria.buttons() == ["Spesa", "Stiratura"]
    await maria.tap("Spesa")
    await maria.tap("Quando")
    (question,) = await maria.tap("Domani pomeriggio")
    assert question.startswith(
        "Ho capito due richieste:\n1. Spesa, martedì 24 novembre, pomeriggio"
    )
    await maria.tap("Confermo")
    assert sorted(code for code, _ in await _requests(demo_domain)) == ["ironing", "shopping"]


async def test_two_errands_in_english_and_cancel_makes_none(demo_domain: Domain) -> None:
    emma = Speaker(demo_domain, EMMA)
    (question,) = await emma.say("pick up my parcel and buy milk")
    assert question.startswith("I understood two requests:\n1. Parcel")
    assert "«pick up my parcel»\n2. Shopping" in question and "«buy milk»" in question
    assert question.endswith("Do you confirm both?")
    await emma.tap("Cancel")
    assert await _requests(demo_domain) == []
    await emma.say("pick up my parcel and buy milk")
    await emma.tap("Confirm")
    assert [code for code, _ in await _requests(demo_domain)] == ["parcel", "shopping"]


async def test_one_errand_told_with_and_stays_one(demo_domain: Domain) -> None:
    maria = Speaker(demo_domain, MARIA)
    (question,) = await maria.say("compra pane e latte")
    assert question.startswith("Ho capito: Spesa,") and "due richieste" not in question
    await maria.tap("Annulla")
    (question,) = await maria.say("ritira e porta il pacco")
    assert question.startswith("Ho capito: Ritiro pacchi,")
    await maria.tap("Confermo")
    assert await _requests(demo_domain) == [("parcel", "ritira e porta il pacco")]


def test_single_errands_of_the_labelled_sets_are_rarely_split() -> None:
    """Every labelled line asks for one service: at most 1% of them may be read as two."""
    split = total = 0
    for name in TRAINING_SETS:  # never a held-out set: those are only measured at the end
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            case = json.loads(line)
            now = datetime.fromisoformat(case["now"])
            split += two_asks(case["text"], now, ROME, case["lang"]) is not None
            total += 1
    assert total >= 600
    assert split <= 0.01 * total


async def test_the_second_errand_is_told_its_hours_too(demo_domain: Domain) -> None:
    # Monday; the cooperative works Monday to Saturday: Sunday's errand is told, as one alone is.
    maria = Speaker(demo_domain, MARIA)
    replies = await maria.say("domani ritirate il pacco e domenica alle 10 comprate il latte")
    assert replies[0] == (
        "A quell'ora (domenica 29 novembre, 10:00) il servizio è chiuso: ce ne occupiamo prima, "
        "entro sabato 28 novembre, 18:00."
    )
    assert replies[1].startswith("Ho capito due richieste:")
