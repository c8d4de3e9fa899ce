"""Receipts of paid services: a service due from the person has its receipt once the payment is
recorded (date and method; the ledger settles the debt), one paid by credit at once; the PDF
(read back) and the chat's "ricevuta" carry the number, the beneficiary's codice fiscale, the
cooperative's partita IVA, the amount with VAT, the payment date and who paid. Two grants from
the solidarity fund at once never overdraw it."""

from __future__ import annotations

import asyncio
import io
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from concierge.errors import InvalidValue
from concierge.messages import Channel, IdentityKind
from concierge.people.fiscal_code import InvalidFiscalCode, set_fiscal_code
from concierge.people.person import find_or_register, find_person
from concierge.requests.request import create_request
from concierge.team.operators import Cooperative
from concierge.team.vat_number import set_vat_number, valid_vat_number
from concierge.welfare.charging import ServiceDone, charge_request, grant_from_fund
from concierge.welfare.credit import person_due
from concierge.welfare.ledger import FUND, Payer, balance, post
from concierge.welfare.ledger import MovementKind as Kind
from concierge.welfare.receipt_files import receipt_pdf, receipt_text
from concierge.welfare.receipts import (
    NotPaidYet,
    PaymentMethod,
    Receipt,
    paid_movement,
    receipt_for,
    receipt_view,
    record_payment,
)
from tests.conftest import Domain
from tests.transcript import Speaker
from tests.welfare_setup import company_with_plan, worker

MARIO, LUCA, EMMA = "+393405550200", "+393402000003", "+393402000004"
MARIO_CF = "RSSMRA85T10A562S"


def _pdf_words(document: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(document)).pages)
    return " ".join(text.split())


def test_codes_are_checked() -> None:
    assert valid_vat_number("IT 01234567897") == "01234567897"
    for wrong in ("01234567890", "1234567897", "0123456789X"):
        with pytest.raises(InvalidValue):
            valid_vat_number(wrong)


async def test_a_service_due_from_the_person_has_its_receipt_once_paid(domain: Domain) -> None:
    async with domain.unit() as ctx:
        setup = await company_with_plan(ctx)
        await set_vat_number(ctx, "Cooperativa Welfare Test", "01234567897")
        mario, _ = await find_or_register(ctx.session, IdentityKind.PHONE, MARIO, ctx.now())
        mario.first_name, mario.last_name = "Mario", "Rossi"
        with pytest.raises(InvalidFiscalCode):
            set_fiscal_code(mario, "RSSMRA85T10A562T")  # one letter off: the check fails
        assert set_fiscal_code(mario, " rssmra85t10a562s ") == MARIO_CF
        request = await create_request(ctx, mario, "cleaning", "scale", Channel.WEBCHAT)
        request.cooperative_id = setup.cooperative_id
        charge = await charge_request(ctx, request, None, "giulia")
        assert charge.payer == Payer.PERSON and await person_due(ctx, mario.id) == 4880
        with pytest.raises(NotPaidYet):
            await receipt_for(ctx, charge.movement, "paola")
        with pytest.raises(InvalidValue):  # not in the future
            await record_payment(ctx, request.id, date(2026, 11, 24), PaymentMethod.CASH, "paola")
        receipt = await record_payment(
            ctx, request.id, date(2026, 11, 23), PaymentMethod.CARD, "paola"
        )
        assert await person_due(ctx, mario.id) == 0
        with pytest.raises(InvalidValue):  # recorded once
            await record_payment(ctx, request.id, date(2026, 11, 23), PaymentMethod.CASH, "paola")
        assert await receipt_for(ctx, await paid_movement(ctx, request.id), "x") == receipt
        view = await receipt_view(ctx, receipt, "it")
        number = receipt.number
    assert number.startswith("2026-")
    words = _pdf_words(receipt_pdf(view, "it"))
    for expected in (
        f"Ricevuta n. {number}",
        f"Beneficiario: Mario Rossi, codice fiscale {MARIO_CF}",
        "Fornitore: Cooperativa Welfare Test, partita IVA 01234567897",
        "Servizio: Pulizie",
        "Importo: 48,80 € IVA inclusa (imponibile 40,00 €, IVA 8,80 €)",
        "Data del pagamento: lunedì 23 novembre",
        "Pagato da: il beneficiario (carta)",
    ):
        assert expected in words, (expected, words)
    english = receipt_text(view, "en")
    assert "Amount: €48.80 VAT included (net €40.00, VAT €8.80)" in english
    assert "Paid by: the beneficiary (card)" in english


async def test_a_service_paid_by_credit_has_its_receipt_at_once(domain: Domain) -> None:
    async with domain.unit() as ctx:
        setup = await company_with_plan(ctx)
        luca = await worker(ctx, LUCA, setup)
        request = await create_request(ctx, luca, "ironing", "camicie", Channel.WEBCHAT)
        request.cooperative_id = setup.cooperative_id
        await charge_request(ctx, request, 60, "giulia")
        with pytest.raises(InvalidValue):  # nothing is due from Luca
            await record_payment(ctx, request.id, date(2026, 11, 23), PaymentMethod.CASH, "x")
        receipt = await receipt_for(ctx, await paid_movement(ctx, request.id), "paola")
        view = await receipt_view(ctx, receipt, "en")
    assert (view.payer, view.method, view.gross_cents, view.vat_cents) == (
        "credit", "credit", 1830, 330,
    )  # fmt: skip
    assert view.fiscal_code == "" and view.vat_number == ""
    assert "Paid by: company welfare credit" in receipt_text(view, "en")
    assert "codice fiscale -" in receipt_text(view, "en")


async def test_a_worker_asks_for_the_receipt_and_gives_the_fiscal_code(
    demo_domain: Domain,
) -> None:
    async with demo_domain.unit() as ctx:
        emma = await find_person(ctx.session, IdentityKind.PHONE, EMMA)
        assert emma is not None
        request = await create_request(ctx, emma, "shopping", "spesa", Channel.WEBCHAT)
        await charge_request(ctx, request, None, "giulia")  # from Emma's credit
    emma_chat = Speaker(demo_domain, EMMA)
    assert await emma_chat.say("fiscal code RSSMRA85T10A562T") == [
        'This codice fiscale does not look right: check it and write "fiscal code" followed by '
        "its 16 characters."
    ]
    assert await emma_chat.say("fiscal code rssmme90c52a794n") == [
        "Thank you: your codice fiscale RSSMME90C52A794N will be on your receipts."
    ]
    [text] = await emma_chat.say("receipt")
    assert text.startswith("Receipt\nReceipt no. 2026-")
    assert "Beneficiary: Emma Clark, codice fiscale RSSMME90C52A794N" in text
    assert "Provider: Cooperativa Il Portico, VAT number 01234567897" in text
    assert "Service: Shopping" in text and "Paid by: company welfare credit" in text
    assert "Payment date: Monday 23 November" in text
    # Luca's last paid service is the demo's ironing, in Italian, with his code.
    [luca_text] = await Speaker(demo_domain, LUCA).say("ricevuta")
    assert "Beneficiario: Luca Ferrari, codice fiscale FRRLCU80A01F205N" in luca_text
    assert "Servizio: Stiratura" in luca_text and "Importo: 27,45" in luca_text
    assert await Speaker(demo_domain, "+393405550300").say("ricevuta") == [
        "Non trovo servizi pagati a tuo nome di cui fare la ricevuta. Se devi ancora pagare, "
        "la ricevuta arriva dopo il pagamento."
    ]


async def test_two_fund_grants_at_once_never_overdraw_it(domain: Domain, database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite has one writer: concurrent grants are a PostgreSQL matter")
    async with domain.unit() as ctx:
        setup = await company_with_plan(ctx)
        luca = await worker(ctx, LUCA, setup)
        # The fund holds €15 (from the company's account: no purchase needed).
        await post(ctx, Kind.CREDIT_GRANT, {FUND: 1500, f"company:{setup.company_id}": -1500})
    shopping = ServiceDone(person_id=luca.id, service_code="shopping",
                           cooperative_id=setup.cooperative_id)  # fmt: skip

    async def grant() -> str:
        try:
            async with domain.unit() as ctx:
                await grant_from_fund(ctx, shopping, "hard times")  # €12.20
                await asyncio.sleep(0.05)  # hold the transaction while the other one waits
                return "granted"
        except InvalidValue:
            return "refused"

    assert sorted(await asyncio.gather(grant(), grant())) == ["granted", "refused"]
    async with domain.unit() as ctx:
        assert await balance(ctx, FUND) == 1500 - 1220


async def test_a_cooperatives_vat_number_is_set_by_name(domain: Domain) -> None:
    async with domain.unit() as ctx:
        ctx.session.add(Cooperative(name="Coop Uno"))
        await ctx.session.flush()
        with pytest.raises(InvalidValue):
            await set_vat_number(ctx, "Coop Uno", "01234567890")
        assert (await set_vat_number(ctx, "Coop Uno", "IT01234567897")).vat_number == (
            "01234567897"
        )


async def test_receipts_issued_at_once_take_distinct_numbers_and_one_each(
    domain: Domain, database_url: str
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite has one writer: concurrent numbering is a PostgreSQL matter")
    async with domain.unit() as ctx:
        setup = await company_with_plan(ctx)
        luca = await worker(ctx, LUCA, setup)
        requests = []
        for phone in (MARIO, "+393405550201"):  # no plan: due from them, paid in cash
            person, _ = await find_or_register(ctx.session, IdentityKind.PHONE, phone, ctx.now())
            request = await create_request(ctx, person, "cleaning", "scale", Channel.WEBCHAT)
            request.cooperative_id = setup.cooperative_id
            await charge_request(ctx, request, None, "giulia")
            requests.append(request.id)
        ironing = await create_request(ctx, luca, "ironing", "camicie", Channel.WEBCHAT)
        ironing.cooperative_id = setup.cooperative_id
        await charge_request(ctx, ironing, 60, "giulia")  # from Luca's credit

    async def pay(request_id: int) -> str:
        async with domain.unit() as ctx:
            receipt = await record_payment(
                ctx, request_id, date(2026, 11, 23), PaymentMethod.CASH, "paola"
            )
            await asyncio.sleep(0.05)  # hold the transaction while the other one numbers
            return receipt.number

    async def issue() -> str:
        async with domain.unit() as ctx:
            receipt = await receipt_for(ctx, await paid_movement(ctx, ironing.id), "paola")
            await asyncio.sleep(0.05)
            return receipt.number

    paid = sorted(await asyncio.gather(*(pay(r) for r in requests)))
    assert paid == ["2026-000001", "2026-000002"]
    assert await asyncio.gather(issue(), issue()) == ["2026-000003", "2026-000003"]
    async with domain.unit() as ctx:
        assert await ctx.session.scalar(select(func.count(Receipt.id))) == 3
