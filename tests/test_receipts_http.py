"""Receipts on the dashboard: the coordinator of the request's cooperative records that the
person paid ("Segna come pagato", date and method) and downloads the receipt PDF (read back);
staff of another cooperative can do neither."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from pypdf import PdfReader

from concierge.clock import ManualClock
from concierge.context import DomainContext
from concierge.messages import Channel, IdentityKind
from concierge.people.person import find_person
from concierge.requests.request import create_request
from concierge.welfare.charging import charge_request
from tests.conftest import LiveServer, serving
from tests.dashboard_client import OTHER_COORDINATOR, in_unit, other_cooperative_request, staff

MARIA = "+393402000001"


@pytest.fixture
def server(database_url: str, clock: ManualClock) -> Iterator[LiveServer]:
    with serving(database_url, clock) as live:
        yield live


def _maria_charged(url: str, clock: ManualClock) -> int:
    """Maria's cleaning, done and due from her (she has no welfare plan)."""

    async def work(ctx: DomainContext) -> int:
        maria = await find_person(ctx.session, IdentityKind.PHONE, MARIA)
        assert maria is not None
        request = await create_request(ctx, maria, "cleaning", "scale", Channel.WEBCHAT)
        await charge_request(ctx, request, None, "giulia")
        return request.id

    return in_unit(url, clock, work)


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
