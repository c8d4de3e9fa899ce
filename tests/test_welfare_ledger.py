"""Company welfare in the domain: a worker enrols and is confirmed, services are charged to
credit, vouchers, a municipality's referral or the person, the solidarity fund takes its share
and grants services, refunds are new movements, credit expires after the plan."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from sqlalchemy import func, select

from concierge.errors import InvalidValue
from concierge.messages import Channel, IdentityKind
from concierge.people.person import find_person
from concierge.requests.request import create_request
from concierge.welfare.charging import (
    ServiceDone,
    charge_request,
    charge_service,
    grant_from_fund,
)
from concierge.welfare.companies import PlanMode, company_with_code
from concierge.welfare.credit import credit_lines, expire_credits, person_due
from concierge.welfare.enrolment import EnrolmentStatus, company_enrolments, confirm_from_list
from concierge.welfare.ledger import (
    FUND,
    Entry,
    LedgerImmutable,
    Movement,
    Payer,
    balance,
    cooperative_account,
    credit_account,
    refund,
)
from concierge.welfare.money import cents, show
from concierge.welfare.prices import PriceUnit, set_price
from concierge.welfare.quotes import quote_line
from concierge.welfare.referrals import ReferralInput, budget_left, record_referral
from concierge.welfare.vouchers import is_unused, issue_voucher
from tests.conftest import ROME, Domain
from tests.welfare_setup import company_with_plan, worker

LUCA, EMMA = "+393402000003", "+393402000004"


def test_money_is_exact_cents() -> None:
    assert cents("12,50") == 1250 and cents("0.1") == 10 and cents("1000") == 100000
    for wrong in ("12.345", "abc", "NaN", "1e400"):
        with pytest.raises(InvalidValue):
            cents(wrong)
    assert show(18400, "it") == "184,00\xa0€"
    assert show(18400, "en") == "€184.00"


async def test_a_company_list_confirms_workers_and_grants_their_credit(domain: Domain) -> None:
    async with domain.unit() as ctx:
        setup = await company_with_plan(ctx)
        luca = await worker(ctx, LUCA, setup, confirmed=False)
        await worker(ctx, EMMA, setup, confirmed=False)
        assert await credit_lines(ctx, luca.id) == []
        company = await company_with_code(ctx, " ACME26")
        outcome = await confirm_from_list(
            ctx, company, f"phone,fiscal_code,dependent_children\n{LUCA},frrlcu80a01f205n,true\n"
            "+393409999999,,\n,x,\n+393409999998,NOTACODE,\n", "hr@acme",
        )  # fmt: skip
        assert outcome.confirmed == [LUCA] and outcome.unmatched == ["+393409999999"]
        assert outcome.malformed == [
            "line 4: phone: Field required",
            "line 5: fiscal_code: Value error, not a valid codice fiscale",
        ]
        statuses = {e.person_id: e.status for e in await company_enrolments(ctx, company.id)}
        assert list(statuses.values()) == [EnrolmentStatus.CONFIRMED, EnrolmentStatus.PENDING]
        [line] = await credit_lines(ctx, luca.id)
        assert (line.company, line.credit_cents, line.expires_on.isoformat()) == (
            "Acme Bergamo", 50000, "2026-12-31",
        )  # fmt: skip
        # Confirming twice grants nothing twice.
        await confirm_from_list(ctx, company, f"phone\n{LUCA}\n", "hr@acme")
        assert await balance(ctx, credit_account(setup.plan_id, luca.id)) == 50000


async def test_credit_pays_an_hourly_service_and_the_fund_takes_its_share(domain: Domain) -> None:
    async with domain.unit() as ctx:
        setup = await company_with_plan(ctx)
        luca = await worker(ctx, LUCA, setup)
        done = ServiceDone(
            person_id=luca.id, service_code="ironing", cooperative_id=setup.cooperative_id,
            minutes=90, by="giulia",
        )  # fmt: skip
        charge = await charge_service(ctx, done)
        # 1.5 h at €15 = €22.50 + 22 % VAT (€4.95) = €27.45; 2 % of it (€0.55) to the fund.
        assert (charge.payer, charge.quote.net_cents, charge.quote.vat_cents) == (
            Payer.CREDIT, 2250, 495,
        )  # fmt: skip
        assert await balance(ctx, credit_account(setup.plan_id, luca.id)) == 50000 - 2745
        assert await balance(ctx, FUND) == 55
        assert await balance(ctx, cooperative_account(setup.cooperative_id)) == 2745 - 55
        again = await refund(ctx, charge.movement.id, "not done well", "paola")
        assert again.gross_cents == -2745
        assert await balance(ctx, credit_account(setup.plan_id, luca.id)) == 50000
        assert await balance(ctx, FUND) == 0
        with pytest.raises(InvalidValue):
            await refund(ctx, charge.movement.id, "twice", "paola")


async def test_not_enough_credit_or_not_covered_is_due_from_the_person(domain: Domain) -> None:
    async with domain.unit() as ctx:
        setup = await company_with_plan(ctx, credit_cents=3000)
        luca = await worker(ctx, LUCA, setup)
        cleaning = ServiceDone(person_id=luca.id, service_code="cleaning",
                               cooperative_id=setup.cooperative_id)  # fmt: skip
        charge = await charge_service(ctx, cleaning)  # €48.80, more than the €30 credit
        assert charge.payer == Payer.PERSON
        assert await person_due(ctx, luca.id) == 4880
        assert await balance(ctx, credit_account(setup.plan_id, luca.id)) == 3000


async def test_a_referral_makes_the_service_free_and_charges_the_municipality(
    domain: Domain,
) -> None:
    async with domain.unit() as ctx:
        setup = await company_with_plan(ctx)
        person = await worker(ctx, "+393405550009", setup, confirmed=False)
        referral = await record_referral(
            ctx, person.id,
            ReferralInput(municipality="Comune di Biella", rules="2 pulizie al mese",
                          budget_cents=6000, services=("cleaning",),
                          starts_on=datetime(2026, 11, 1).date(),
                          ends_on=datetime(2026, 12, 31).date()),
            "paola",
        )  # fmt: skip
        done = ServiceDone(person_id=person.id, service_code="cleaning",
                           cooperative_id=setup.cooperative_id)  # fmt: skip
        first = await charge_service(ctx, done)
        assert first.payer == Payer.MUNICIPALITY and first.movement.memo == "Comune di Biella"
        assert await person_due(ctx, person.id) == 0
        assert await budget_left(ctx, referral) == 6000 - 4880
        # The budget cannot pay a second cleaning: the person is asked to pay it.
        assert (await charge_service(ctx, done)).payer == Payer.PERSON


async def test_a_voucher_pays_one_whole_service_and_is_never_split(domain: Domain) -> None:
    async with domain.unit() as ctx:
        setup = await company_with_plan(ctx, mode=PlanMode.VOUCHERS, credit_cents=10000)
        luca = await worker(ctx, LUCA, setup)
        enrolment = (await company_enrolments(ctx, setup.company_id))[0]
        voucher = await issue_voucher(ctx, enrolment, "shopping", 2500, "hr@acme")
        with pytest.raises(InvalidValue):
            await issue_voucher(ctx, enrolment, "shopping", 8000, "hr@acme")  # over the year
        done = ServiceDone(person_id=luca.id, service_code="shopping",
                           cooperative_id=setup.cooperative_id)  # fmt: skip
        charge = await charge_service(ctx, done)  # €12.20 < €25.00: the whole voucher is used
        assert charge.payer == Payer.VOUCHER and charge.movement.gross_cents == 2500
        assert not await is_unused(ctx, voucher)
        assert (await charge_service(ctx, done)).payer == Payer.PERSON
        await refund(ctx, charge.movement.id, "cancelled", "paola")
        assert await is_unused(ctx, voucher)


async def test_the_fund_grants_a_service_to_a_named_person(domain: Domain) -> None:
    async with domain.unit() as ctx:
        setup = await company_with_plan(ctx)
        luca = await worker(ctx, LUCA, setup)
        emma = await worker(ctx, EMMA, setup)
        ironing = ServiceDone(person_id=luca.id, service_code="ironing",
                              cooperative_id=setup.cooperative_id, minutes=60)  # fmt: skip
        for _ in range(20):
            await charge_service(ctx, ironing)  # €18.30 each, €0.37 each to the fund
        assert await balance(ctx, FUND) == 20 * 37
        shopping = ServiceDone(person_id=emma.id, service_code="shopping",
                               cooperative_id=setup.cooperative_id)  # fmt: skip
        with pytest.raises(InvalidValue):
            await grant_from_fund(ctx, shopping, "  ")
        with pytest.raises(InvalidValue):  # €12.20 is more than the fund's €7.40
            await grant_from_fund(ctx, shopping, "lost her job")
        cheap = shopping.model_copy(update={"service_code": "ironing", "minutes": 15})
        grant = await grant_from_fund(ctx, cheap, "lost her job")
        assert (grant.payer, grant.movement.memo, grant.movement.person_id) == (
            Payer.FUND, "lost her job", emma.id,
        )  # fmt: skip
        assert await balance(ctx, FUND) == 740 - 458


async def test_credit_left_expires_after_the_plan_ends(domain: Domain) -> None:
    async with domain.unit() as ctx:
        setup = await company_with_plan(ctx)
        luca = await worker(ctx, LUCA, setup)
    domain.clock.set(datetime(2027, 1, 1, 9, 0, tzinfo=ROME))
    async with domain.unit() as ctx:
        expired = await expire_credits(ctx)
        assert [m.person_id for m in expired] == [luca.id]
        assert await balance(ctx, credit_account(setup.plan_id, luca.id)) == 0
        assert await expire_credits(ctx) == []


async def test_the_ledger_refuses_changes_and_removals(domain: Domain) -> None:
    async with domain.unit() as ctx:
        setup = await company_with_plan(ctx)
        await worker(ctx, LUCA, setup)
    with pytest.raises(LedgerImmutable):
        async with domain.unit() as ctx:
            entry = await ctx.session.scalar(select(Entry).order_by(Entry.id))
            assert entry is not None
            entry.amount_cents += 1
            await ctx.session.flush()
    with pytest.raises(LedgerImmutable):
        async with domain.unit() as ctx:
            movement = await ctx.session.scalar(select(Movement))
            await ctx.session.delete(movement)
            await ctx.session.flush()
    async with domain.unit() as ctx:
        total = await ctx.session.scalar(select(func.sum(Entry.amount_cents)))
        assert total == 0


async def test_the_price_is_quoted_with_who_pays(domain: Domain) -> None:
    async with domain.unit() as ctx:
        setup = await company_with_plan(ctx)
        luca = await worker(ctx, LUCA, setup)
        coop = setup.cooperative_id
        await set_price(ctx, "home_repair", coop, PriceUnit.FIXED, 3000)
        assert await quote_line(ctx, luca.id, "cleaning", coop, "it") == (
            "Prezzo 48,80\xa0€ IVA inclusa, dal tuo credito welfare: restano 451,20\xa0€ dopo "
            "questo servizio."
        )
        assert await quote_line(ctx, luca.id, "ironing", coop, "en") == (
            "Price €18.30 an hour VAT included, from your welfare credit (you have €500.00)."
        )
        assert await quote_line(ctx, luca.id, "home_repair", coop, "it") == (
            "Questo servizio non è coperto dal tuo piano welfare: costa 36,60\xa0€ IVA inclusa, "
            "a tuo carico."
        )
        assert await quote_line(ctx, luca.id, "parcel", coop, "it") is None
        stranger = await worker(ctx, "+393405550009", setup, confirmed=False)
        assert await quote_line(ctx, stranger.id, "cleaning", coop, "en") == (
            "Price €48.80 VAT included, paid by you."
        )
        await record_referral(
            ctx, stranger.id,
            ReferralInput(municipality="Comune di Biella", budget_cents=10000,
                          starts_on=datetime(2026, 1, 1).date(),
                          ends_on=datetime(2026, 12, 31).date()),
            "paola",
        )  # fmt: skip
        assert await quote_line(ctx, stranger.id, "cleaning", coop, "it") == (
            "Per te è gratuito: lo paga Comune di Biella."
        )


async def test_a_request_done_is_charged_to_its_requester(demo_domain: Domain) -> None:
    async with demo_domain.unit() as ctx:
        luca = await find_person(ctx.session, IdentityKind.PHONE, LUCA)
        assert luca is not None
        request = await create_request(ctx, luca, "ironing", "camicie", Channel.WEBCHAT)
        charge = await charge_request(ctx, request, 120, "giulia")
        assert (charge.payer, charge.movement.request_id, charge.movement.gross_cents) == (
            Payer.CREDIT, request.id, 3660,
        )  # fmt: skip
        [line] = await credit_lines(ctx, luca.id)
        assert line.credit_cents == 50000 - 2745 - 3660


async def test_two_charges_at_once_never_overspend(domain: Domain, database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite has one writer: concurrent charges are a PostgreSQL matter")
    async with domain.unit() as ctx:
        setup = await company_with_plan(ctx, credit_cents=5000)
        luca = await worker(ctx, LUCA, setup)
    cleaning = ServiceDone(person_id=luca.id, service_code="cleaning",
                           cooperative_id=setup.cooperative_id)  # fmt: skip

    async def charge() -> Payer:
        async with domain.unit() as ctx:
            paid = await charge_service(ctx, cleaning)
            await asyncio.sleep(0.05)  # hold the transaction open while the other one waits
            return paid.payer

    payers = await asyncio.gather(charge(), charge())
    assert sorted(payers) == [Payer.CREDIT, Payer.PERSON]
    async with domain.unit() as ctx:
        assert await balance(ctx, credit_account(setup.plan_id, luca.id)) == 5000 - 4880
