"""Company welfare by chat, the way people use it: a worker sees the price in the confirmation,
the operator gives the hours at *Fatto*, the credit drops by the price, the fund receives its
share and the company's report (the PDF, read back) shows it; a person referred by the
municipality pays nothing and the municipality's budget is charged."""

from __future__ import annotations

import io
from datetime import date

from pypdf import PdfReader
from sqlalchemy import select

from concierge.context import DomainContext
from concierge.messages import IdentityKind
from concierge.people.person import find_person
from concierge.welfare.companies import Company, company_with_code
from concierge.welfare.enrolment import Enrolment, EnrolmentStatus, confirm_from_list
from concierge.welfare.ledger import FUND, balance
from concierge.welfare.referrals import Referral, ReferralInput, budget_left, record_referral
from concierge.welfare.report import company_report
from concierge.welfare.report_files import report_pdf
from tests.conftest import Domain
from tests.transcript import Speaker

MARIA, LUCA, NEWCOMER = "+393402000001", "+393402000003", "+393402000099"
GIULIA = "+393331000001"


async def _operator_finishes(giulia: Speaker, hours: str | None) -> list[str]:
    for button in ("Accetto", "Inizio ora"):
        await giulia.tap(button)
    done = await giulia.tap("Fatto")
    if hours is None:
        return done
    assert done[0].startswith("Quante ore hai lavorato? n. 1 · Stiratura")
    assert giulia.buttons() == ["0,5 h", "1 h", "1,5 h", "2 h", "3 h", "4 h"]
    return await giulia.tap(hours)


async def _report_text(domain: Domain) -> str:
    async with domain.unit() as ctx:
        company = await ctx.session.scalar(select(Company).where(Company.code == "ACME"))
        assert company is not None
        report = await company_report(ctx, company, date(2026, 11, 1), "it")
        pdf = report_pdf(report, "it")
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


async def test_ironing_paid_from_the_credit_with_the_hours_at_done(demo_domain: Domain) -> None:
    luca, giulia = Speaker(demo_domain, LUCA), Speaker(demo_domain, GIULIA)
    before = await _report_text(demo_domain)
    assert "Stiratura: 1 servizi" in before
    async with demo_domain.unit() as ctx:
        fund_before = await balance(ctx, FUND)
    assert await luca.say("stirare 5 camicie oggi pomeriggio") == [
        "Ho capito: Stiratura, lunedì 23 novembre, pomeriggio — «stirare 5 camicie».\n"
        "Prezzo 18,30\xa0€ l'ora IVA inclusa, dal tuo credito welfare (ora hai 472,55\xa0€).\n"
        "Confermi?"
    ]
    await luca.tap("Confermo")
    assert (await _operator_finishes(giulia, "1,5 h"))[0].startswith("Completata: n. 1")
    assert giulia.buttons() == ["Nessuna prova"]
    assert (await luca.inbox())[-1] == (
        "Addebitati 27,45\xa0€ sul tuo credito welfare per n. 1 · Stiratura · lunedì 23 "
        "novembre, pomeriggio · «stirare 5 camicie». Ti restano 445,10\xa0€."
    )
    assert (await luca.say("credito"))[0].startswith(
        "Acme Bergamo S.p.A. – Welfare 2026: ti restano 445,10\xa0€ di credito"
    )
    async with demo_domain.unit() as ctx:
        # 27,45 € at the default 2 % share: 0,55 € to the solidarity fund.
        assert await balance(ctx, FUND) - fund_before == 55
    after = await _report_text(demo_domain)
    assert "Stiratura: 2 servizi, 54,90" in after


async def test_a_fixed_price_is_charged_at_done_without_asking_hours(demo_domain: Domain) -> None:
    maria, giulia = Speaker(demo_domain, MARIA), Speaker(demo_domain, GIULIA)
    [question] = await maria.say("spesa alla Coop oggi pomeriggio")
    assert "Prezzo 12,20\xa0€ IVA inclusa, a tuo carico." in question
    await maria.tap("Confermo")
    assert (await _operator_finishes(giulia, None))[0].startswith("Completata: n. 1")
    assert (await maria.inbox())[-1] == (
        "Importo a tuo carico per n. 1 · Spesa · lunedì 23 novembre, pomeriggio · «spesa alla "
        "Coop»: 12,20\xa0€ IVA inclusa."
    )


async def test_a_referred_person_pays_nothing_and_the_municipality_is_charged(
    demo_domain: Domain,
) -> None:
    async with demo_domain.unit() as ctx:
        maria_id = await _person_id(ctx, MARIA)
        await record_referral(
            ctx, maria_id,
            ReferralInput(municipality="Comune di Bergamo", budget_cents=10000,
                          starts_on=date(2026, 11, 1), ends_on=date(2026, 12, 31)),
            "paola",
        )  # fmt: skip
    maria, giulia = Speaker(demo_domain, MARIA), Speaker(demo_domain, GIULIA)
    [question] = await maria.say("stirare 5 camicie oggi pomeriggio")
    assert "Per te è gratuito: lo paga Comune di Bergamo." in question
    await maria.tap("Confermo")
    await _operator_finishes(giulia, "2 h")
    assert (await maria.inbox())[-1] == (
        "Per te è gratuito: n. 1 · Stiratura · lunedì 23 novembre, pomeriggio · «stirare 5 "
        "camicie» è a carico di Comune di Bergamo."
    )
    async with demo_domain.unit() as ctx:
        referral = await ctx.session.scalar(select(Referral))
        assert referral is not None
        assert await budget_left(ctx, referral) == 10000 - 3660  # 2 h × 15 € + 22 %


async def _person_id(ctx: DomainContext, phone: str) -> int:
    person = await find_person(ctx.session, IdentityKind.PHONE, phone)
    assert person is not None
    return person.id


async def test_a_worker_enrols_by_chat_and_is_confirmed_by_the_company(
    demo_domain: Domain,
) -> None:
    newcomer = Speaker(demo_domain, NEWCOMER)
    assert await newcomer.say("iscrivimi ZZZ") == [
        "Non conosco il codice azienda «ZZZ»: controllalo con l'ufficio del personale."
    ]
    assert await newcomer.say("iscrivimi acme") == [
        "Ho chiesto la tua iscrizione al piano welfare di Acme Bergamo S.p.A.: l'azienda deve "
        "confermarla. Poi scrivi «credito» per vedere il tuo credito."
    ]
    assert await newcomer.say("credito") == [
        "Non risulti iscritto a un piano welfare aziendale confermato dalla tua azienda."
    ]
    async with demo_domain.unit() as ctx:
        company = await company_with_code(ctx, "ACME")
        outcome = await confirm_from_list(ctx, company, f"phone\n{NEWCOMER}\n", "hr@acme")
        assert outcome.confirmed == [NEWCOMER]
    assert (await newcomer.say("/start welfare-ACME"))[0].startswith(
        "Sei già iscritto al piano welfare di Acme Bergamo S.p.A."
    )
    [question] = await newcomer.say("stirare 3 camicie oggi pomeriggio")
    assert "dal tuo credito welfare (ora hai 500,00\xa0€)" in question


async def test_enrol_in_english_by_a_deep_link(demo_domain: Domain) -> None:
    emma_like = Speaker(demo_domain, "+393402000077")
    assert await emma_like.say("enrol ACME") != []
    async with demo_domain.unit() as ctx:
        person_id = await _person_id(ctx, "+393402000077")
        [row] = await ctx.session.scalars(select(Enrolment).where(Enrolment.person_id == person_id))
        assert row.status == EnrolmentStatus.PENDING
    other = Speaker(demo_domain, "+393402000078")
    await other.say("/start welfare-ACME")
    async with demo_domain.unit() as ctx:
        person_id = await _person_id(ctx, "+393402000078")
        assert await ctx.session.scalar(select(Enrolment).where(Enrolment.person_id == person_id))
