"""Receipts on the dashboard: the coordinator of the request's cooperative records that the
person paid ("Segna come pagato", date and method) and downloads the receipt PDF (read back);
staff of another cooperative can do neither. A receipt nothing is due for is issued by a button
(a POST), never by downloading it (a GET); its number is the cooperative's own sequence in the
year of issue in Rome."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from concierge.clock import ManualClock
from concierge.context import DomainContext
from concierge.messages import Channel, IdentityKind
from concierge.people.person import find_person
from concierge.requests.request import ServiceRequest, create_request
from concierge.welfare.charging import charge_request
from concierge.welfare.prices import PriceUnit, set_price
from concierge.welfare.receipts import Receipt
from tests.conftest import ROME, LiveServer, serving
from tests.dashboard_client import (
    OTHER_COORDINATOR,
    Staff,
    in_unit,
    other_cooperative_request,
    staff,
)

MARIA, EMMA = "+393402000001", "+393402000004"


@pytest.fixture
def server(database_url: str, clock: ManualClock) -> Iterator[LiveServer]:
    with serving(database_url, clock) as live:
        yield live


def _maria_charged(url: str, clock: ManualClock) -> int:
    """Maria's cleaning, done and due from her (she has no welfare plan)."""
    return _charged(url, clock, MARIA, "cleaning")


def _charged(url: str, clock: ManualClock, phone: str, service: str, minutes: int = 0) -> int:
    """A request of the person's, done and charged (Emma's from her company credit)."""

    async def work(ctx: DomainContext) -> int:
        person = await find_person(ctx.session, IdentityKind.PHONE, phone)
        assert person is not None
        request = await create_request(ctx, person, service, "fatto", Channel.WEBCHAT)
        await charge_request(ctx, request, minutes or None, "giulia")
        return request.id

    return in_unit(url, clock, work)


def _receipts(url: str, clock: ManualClock) -> list[str]:
    async def work(ctx: DomainContext) -> list[str]:
        return [r.number for r in (await ctx.session.scalars(select(Receipt))).unique()]

    return in_unit(url, clock, work)


def _pdf_text(response: object) -> str:
    assert getattr(response, "status_code", None) == 200, response
    content = getattr(response, "content", b"")
    return " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).split()
    )


def _paid(who: Staff, request_id: int, day: str) -> str:
    """Record the cash payment on the request's page and download the receipt: its text."""
    page = f"/dashboard/requests/{request_id}"
    assert who.submit(f"{page}/paid", {"paid_on": day, "method": "cash"}, page).status_code == 303
    return _pdf_text(who.client.get(f"{page}/receipt.pdf"))


def test_the_coordinator_records_the_payment_and_downloads_the_receipt(
    server: LiveServer, database_url: str, clock: ManualClock
) -> None:
    request_id = _maria_charged(database_url, clock)
    other_cooperative_request(database_url, clock)
    page_path = f"/dashboard/requests/{request_id}"
    paola = staff(server.base_url)
    assert paola.log_in("paola").status_code == 303
    page = paola.client.get(page_path).text
    assert "Addebitato a: il beneficiario." in page and "Segna come pagato" in page
    early = paola.client.get(f"{page_path}/receipt.pdf")
    assert early.status_code == 303
    assert "non è ancora registrato" in paola.client.get(page_path).text

    aurora = staff(server.base_url)
    assert aurora.log_in(OTHER_COORDINATOR, "aurora-secret").status_code == 303
    forbidden = aurora.submit(f"{page_path}/paid", {"paid_on": "2026-11-23", "method": "cash"})
    assert forbidden.status_code == 403
    assert aurora.client.get(f"{page_path}/receipt.pdf").status_code == 403

    bad = paola.submit(f"{page_path}/paid", {"paid_on": "ieri", "method": "cash"}, page_path)
    assert bad.status_code == 303
    assert "Un valore del modulo non è valido" in paola.client.get(page_path).text
    done = paola.submit(f"{page_path}/paid", {"paid_on": "2026-11-23", "method": "cash"}, page_path)
    assert done.status_code == 303
    page = paola.client.get(page_path).text
    assert f"Pagamento della richiesta n. {request_id} registrato" in page
    assert "Segna come pagato" not in page and "Scarica la ricevuta (PDF)" in page
    receipt = paola.client.get(f"{page_path}/receipt.pdf")
    assert receipt.status_code == 200 and receipt.headers["content-type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(receipt.content)).pages)
    text = " ".join(text.split())
    assert "Beneficiario: Maria Rossi, codice fiscale -" in text
    assert "Fornitore: Cooperativa Il Portico, partita IVA 01234567897" in text
    assert "Importo: 48,80 € IVA inclusa" in text
    assert "Data del pagamento: lunedì 23 novembre" in text
    assert "Pagato da: il beneficiario (contanti)" in text


def test_downloading_never_issues_a_receipt_the_button_does(
    server: LiveServer, database_url: str, clock: ManualClock
) -> None:
    request_id = _charged(database_url, clock, EMMA, "shopping")  # from Emma's credit: settled
    other_cooperative_request(database_url, clock)
    page_path = f"/dashboard/requests/{request_id}"
    paola = staff(server.base_url)
    assert paola.log_in("paola").status_code == 303
    page = paola.client.get(page_path).text
    assert "Emetti la ricevuta" in page and "Scarica la ricevuta (PDF)" not in page
    for _ in range(2):  # a GET (a link followed, a prefetch, a reload) issues nothing
        early = paola.client.get(f"{page_path}/receipt.pdf")
        assert early.status_code == 303 and early.headers["location"] == page_path
    assert "non è ancora stata emessa" in paola.client.get(page_path).text
    assert _receipts(database_url, clock) == []

    aurora = staff(server.base_url)
    assert aurora.log_in(OTHER_COORDINATOR, "aurora-secret").status_code == 303
    assert aurora.submit(f"{page_path}/receipt", {}).status_code == 403
    assert _receipts(database_url, clock) == []

    assert paola.submit(f"{page_path}/receipt", {}, page_path).status_code == 303
    page = paola.client.get(page_path).text
    assert f"Ricevuta n. 2026-000001 della richiesta n. {request_id} emessa" in page
    assert "Emetti la ricevuta" not in page and "Scarica la ricevuta (PDF)" in page
    text = _pdf_text(paola.client.get(f"{page_path}/receipt.pdf"))
    assert "Ricevuta n. 2026-000001" in text and "Pagato da: credito welfare aziendale" in text
    assert aurora.client.get(f"{page_path}/receipt.pdf").status_code == 403
    # Pressed again (a second tab): the same receipt, not a second one.
    assert paola.submit(f"{page_path}/receipt", {}, page_path).status_code == 303
    assert _receipts(database_url, clock) == ["2026-000001"]


def test_receipt_numbers_run_per_cooperative_and_local_year(
    server: LiveServer, database_url: str, clock: ManualClock
) -> None:
    other = other_cooperative_request(database_url, clock)

    async def aurora_prices(ctx: DomainContext) -> None:
        request = await ctx.session.get(ServiceRequest, other)
        assert request is not None and request.cooperative_id is not None
        await set_price(ctx, "ironing", request.cooperative_id, PriceUnit.HOUR, 1500)
        await charge_request(ctx, request, 60, "aurora")  # from Emma's credit

    # 31 December, 23:30 in Rome (22:30 UTC): a receipt issued now is one of 2026.
    clock.set(datetime(2026, 12, 31, 23, 30, tzinfo=ROME))
    paola, aurora = staff(server.base_url), staff(server.base_url)
    assert paola.log_in("paola").status_code == 303
    assert aurora.log_in(OTHER_COORDINATOR, "aurora-secret").status_code == 303
    first = _paid(paola, _maria_charged(database_url, clock), "2026-12-31")
    assert "Ricevuta n. 2026-000001" in first
    assert "Ricevuta n. 2026-000002" in _paid(
        paola, _maria_charged(database_url, clock), "2026-12-31"
    )
    # Another cooperative's receipts are numbered on their own: its first is its 000001.
    in_unit(database_url, clock, aurora_prices)
    other_page = f"/dashboard/requests/{other}"
    assert aurora.submit(f"{other_page}/receipt", {}, other_page).status_code == 303
    assert "Ricevuta n. 2026-000001" in _pdf_text(aurora.client.get(f"{other_page}/receipt.pdf"))
    # 00:30 on 1 January in Rome (still 31 December in UTC): the new year's first.
    clock.set(datetime(2027, 1, 1, 0, 30, tzinfo=ROME))
    assert "Ricevuta n. 2027-000001" in _paid(
        paola, _maria_charged(database_url, clock), "2027-01-01"
    )
    assert sorted(_receipts(database_url, clock)) == [
        "2026-000001", "2026-000001", "2026-000002", "2027-000001",
    ]  # fmt: skip
