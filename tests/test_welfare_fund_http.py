"""The welfare page of coordinators and admins over HTTP: a coordinator records a social-services
referral and the referred person's next service is free to them, paid from the municipality's
budget; a done request due from the person is paid from the solidarity fund with a reason (the
fund's movements show it, its balance drops, the receipt names the fund), and refused when the
fund is short. Another cooperative's coordinator, operators and company HR are refused, and a
form without its CSRF token is refused."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from pypdf import PdfReader

from bot.runtime import Runtime
from concierge.clock import ManualClock
from concierge.context import DomainContext
from concierge.messages import Channel, IdentityKind
from concierge.people.person import find_person
from concierge.requests.request import create_request
from concierge.welfare.charging import charge_request
from concierge.welfare.ledger import FUND, balance
from tests.conftest import LiveServer, make_settings, serving
from tests.dashboard_client import OTHER_COORDINATOR, in_unit, other_cooperative_request, staff

MARIA, GIUSEPPE = "+393402000001", "+393402000002"
WELFARE = "/dashboard/welfare"


@pytest.fixture
def server(database_url: str, clock: ManualClock) -> Iterator[LiveServer]:
    with serving(database_url, clock) as live:
        yield live


def _done(url: str, clock: ManualClock, phone: str, share: str = "2") -> int:
    """A cleaning (€48.80) for the person, done and charged, with `share` % to the fund."""

    async def work() -> int:
        runtime = Runtime.create(make_settings(url, WELFARE_FUND_SHARE_PERCENT=share), clock)
        try:
            async with runtime.unit() as ctx:
                person = await find_person(ctx.session, IdentityKind.PHONE, phone)
                assert person is not None
                request = await create_request(ctx, person, "cleaning", "scale", Channel.WEBCHAT)
                await charge_request(ctx, request, None, "giulia")
                return request.id
        finally:
            await runtime.close()

    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, work()).result()


def _fund(url: str, clock: ManualClock) -> int:
    async def work(ctx: DomainContext) -> int:
        return await balance(ctx, FUND)

    return in_unit(url, clock, work)


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_a_referral_makes_the_next_service_free_to_the_person(
    server: LiveServer, database_url: str, clock: ManualClock
) -> None:
    other_cooperative_request(database_url, clock)
    paola = staff(server.base_url)
    assert paola.log_in("paola").status_code == 303
    form = {
        "who": GIUSEPPE, "body": "Comune di Bergamo", "limit": "300",
        "rules": "Pulizie per anziani soli", "starts_on": "2026-11-01", "ends_on": "2027-10-31",
    }  # fmt: skip
    bad = paola.submit(f"{WELFARE}/referrals", {**form, "limit": "tanti"}, WELFARE)
    assert bad.status_code == 303
    assert "La segnalazione non è valida" in paola.client.get(WELFARE).text
    nobody = paola.submit(f"{WELFARE}/referrals", {**form, "who": "Nessuno Mai"}, WELFARE)
    assert nobody.status_code == 303
    assert "Nessuna persona (o più di una) corrisponde a «Nessuno Mai»" in _text(
        paola.client.get(WELFARE).text
    )
    done = paola.submit(f"{WELFARE}/referrals", form, WELFARE)
    assert done.status_code == 303
    page = _text(paola.client.get(WELFARE).text)
    assert "Segnalazione di Giuseppe Verdi registrata" in page
    assert "Giuseppe Verdi Comune di Bergamo 300,00 € 300,00 €" in page
    assert "Pulizie per anziani soli" in page

    request_id = _done(database_url, clock, GIUSEPPE)
    request_page = _text(paola.client.get(f"/dashboard/requests/{request_id}").text)
    assert "Addebitato a: Comune (servizi sociali)." in request_page
    assert "Segna come pagato" not in request_page
    assert "Paga dal fondo di solidarietà" not in request_page
    assert "300,00 € 251,20 €" in _text(paola.client.get(WELFARE).text)

    # Another cooperative's coordinator neither sees Paola's referral nor refers her people.
    aurora = staff(server.base_url)
    assert aurora.log_in(OTHER_COORDINATOR, "aurora-secret").status_code == 303
    assert "Comune di Bergamo" not in aurora.client.get(WELFARE).text
    theirs = aurora.submit(f"{WELFARE}/referrals", {**form, "who": MARIA}, WELFARE)
    assert theirs.status_code == 303
    assert "Nessuna persona (o più di una)" in aurora.client.get(WELFARE).text
    assert "Maria Rossi" not in paola.client.get(WELFARE).text
    # Without the form's token: refused, nothing recorded.
    forged = paola.client.post(f"{WELFARE}/referrals", data={**form, "who": MARIA})
    assert forged.status_code == 403
    assert "Maria Rossi" not in paola.client.get(WELFARE).text


def test_a_done_request_is_paid_from_the_fund_with_a_reason(
    server: LiveServer, database_url: str, clock: ManualClock
) -> None:
    for _ in range(3):  # purchases with half to the fund: it holds enough for one cleaning
        _done(database_url, clock, GIUSEPPE, share="50")
    request_id = _done(database_url, clock, MARIA)
    other_cooperative_request(database_url, clock)
    before = _fund(database_url, clock)
    page_path = f"/dashboard/requests/{request_id}"
    grant = f"{page_path}/fund"
    paola = staff(server.base_url)
    assert paola.log_in("paola").status_code == 303
    assert "Paga dal fondo di solidarietà" in paola.client.get(page_path).text

    refused = [staff(server.base_url) for _ in range(3)]
    assert refused[0].log_in(OTHER_COORDINATOR, "aurora-secret").status_code == 303
    assert refused[1].log_in("giulia").status_code == 303
    assert refused[2].log_in("acme-hr").status_code == 303
    pages = (page_path, "/dashboard", "/dashboard/company")
    for someone, page in zip(refused, pages, strict=True):
        assert someone.submit(grant, {"reason": "furbo"}, page).status_code == 403
    assert refused[1].client.get(WELFARE).status_code == 403
    assert refused[2].client.get(WELFARE).status_code == 303  # HR lands on their own page
    assert paola.client.post(grant, data={"reason": "senza modulo"}).status_code == 403
    assert paola.submit(grant, {"reason": "  "}, page_path).status_code == 303
    assert "Scrivi il motivo per cui il fondo paga" in paola.client.get(page_path).text
    assert _fund(database_url, clock) == before

    assert paola.submit(grant, {"reason": "Ha perso il lavoro"}, page_path).status_code == 303
    page = _text(paola.client.get(page_path).text)
    assert f"La richiesta n. {request_id} è pagata dal fondo di solidarietà." in page
    assert "Addebitato a: fondo di solidarietà." in page and "Segna come pagato" not in page
    # Nothing is due from Maria: the receipt is issued with the page's button, then read.
    assert paola.submit(f"{page_path}/receipt", {}, page_path).status_code == 303
    receipt = paola.client.get(f"{page_path}/receipt.pdf")
    assert receipt.status_code == 200
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(receipt.content)).pages)
    assert "Pagato da: fondo di solidarietà" in " ".join(text.split())
    # The purchase's share went back with its refund, and the fund paid the whole service.
    after = _fund(database_url, clock)
    assert after == before - 98 - 4880
    welfare = _text(paola.client.get(WELFARE).text)
    assert "Saldo del fondo: " + f"{after // 100},{after % 100:02d} €" in welfare
    assert f"uscita · servizio pagato dal fondo -48,80 € n. {request_id} Maria Rossi" in welfare
    assert "Ha perso il lavoro" in welfare
    assert "quota di un acquisto" not in welfare  # a coordinator sees their own grants only
    admin = staff(server.base_url)
    assert admin.log_in("admin").status_code == 303
    everything = _text(admin.client.get(WELFARE).text)
    assert "entrata · quota di un acquisto" in everything and "Ha perso il lavoro" in everything
    assert "Ha perso il lavoro" not in refused[0].client.get(WELFARE).text

    again = paola.submit(grant, {"reason": "di nuovo"}, page_path)
    assert again.status_code == 303
    assert "non ha nulla a carico della persona" in paola.client.get(page_path).text
    short_id = _done(database_url, clock, MARIA)
    held = _fund(database_url, clock)
    assert held < 4880
    short = f"/dashboard/requests/{short_id}"
    assert paola.submit(f"{short}/fund", {"reason": "Ha perso il lavoro"}, short).status_code == 303
    short_page = _text(paola.client.get(short).text)
    assert "Il fondo di solidarietà non ha abbastanza per questo servizio" in short_page
    assert "Addebitato a: il beneficiario." in short_page and "Segna come pagato" in short_page
    assert _fund(database_url, clock) == held
