"""The front desk and the parcel shelf in a real browser (Debian's Chromium through Playwright):
a coordinator enters a request for a caller and for a walk-in with no phone (whose receipt is
printed by the page's script, allowed by the Content-Security-Policy), then records a parcel and
hands it to a delegate; screenshots in tests/artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from concierge.clock import ManualClock
from tests.browser import ARTIFACTS, expect, new_page
from tests.conftest import LiveServer, serving
from tests.test_dashboard_browser import log_in

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser


@pytest.fixture
def server(sqlite_url: str, clock: ManualClock) -> Iterator[LiveServer]:
    with serving(sqlite_url, clock) as live:
        yield live


def watch_refusals(page: Page) -> list[str]:
    """What the browser refused or failed on: a script or style the CSP blocked, a script error,
    a missing page resource (the favicon the browser asks for on its own is not one)."""
    refused: list[str] = []
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.on("pageerror", lambda e: refused.append(str(e)))
    page.on("response", lambda r: refused.append(r.url) if r.status >= 400 else None)
    return refused


def pick(page: Page, query: str, name: str) -> None:
    """Search the desk's person picker and choose `name` among the results."""
    page.get_by_label("Nome o numero di telefono").fill(query)
    page.get_by_role("button", name="Cerca").click()
    page.get_by_role("list", name="Persone trovate").get_by_role("link", name=name).click()
    expect(page.locator("#chosen")).to_contain_text(f"Per: {name}")


def test_the_front_desk_enters_requests_and_prints_a_receipt(
    server: LiveServer, browser: Browser
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page = new_page(browser)
    refused = watch_refusals(page)
    # Printing is the browser's dialog: the test only needs to know the page's script asked for it.
    page.add_init_script("window.print = () => { window.__printed = true; };")
    log_in(page, server.base_url, "paola")
    page.get_by_role("link", name="Sportello").click()
    expect(page.get_by_role("heading", name="Sportello: una richiesta")).to_be_visible()

    pick(page, "Verdi", "Giuseppe Verdi")
    page.get_by_label("Servizio").select_option(label="Spesa")
    page.get_by_label("Quando").fill("domani mattina")
    page.get_by_label("Dettagli").fill("latte e pane")
    page.screenshot(path=str(ARTIFACTS / "desk-form.png"), full_page=True)
    page.get_by_role("button", name="Registra la richiesta").click()
    expect(page.get_by_role("heading", name="Ricevuta della richiesta n. 1")).to_be_visible()
    expect(page.locator("#told")).to_have_text("La persona riceve la conferma anche su SMS.")

    page.get_by_role("link", name="Nuova richiesta").click()
    page.get_by_label("Nome o numero di telefono").fill("Anna Neri")
    page.get_by_role("button", name="Cerca").click()
    expect(page.get_by_text("Nessuno corrisponde a «Anna Neri»")).to_be_visible()
    page.get_by_label("Nome", exact=True).fill("Anna")
    page.get_by_label("Cognome").fill("Neri")
    page.get_by_role("button", name="Aggiungi", exact=True).click()
    expect(page.locator("#chosen")).to_contain_text("Per: Anna Neri")
    page.get_by_label("Servizio").select_option(label="Spesa")
    page.get_by_label("Dettagli").fill("medicine dalla farmacia")
    page.get_by_role("button", name="Registra la richiesta").click()
    expect(page.get_by_role("heading", name="Ricevuta della richiesta n. 2")).to_be_visible()
    expect(page.locator("#told")).to_contain_text("non ha un telefono")
    page.get_by_role("button", name="Stampa la ricevuta").click()
    assert page.evaluate("window.__printed === true")
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.locator("#receipt")).to_contain_text("Anna Neri")
    page.screenshot(path=str(ARTIFACTS / "desk-receipt-print.png"), full_page=True)
    assert refused == []


def test_the_parcel_shelf_records_a_parcel_and_hands_it_to_a_delegate(
    server: LiveServer, browser: Browser
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page = new_page(browser)
    refused = watch_refusals(page)
    log_in(page, server.base_url, "giulia")  # an operator at the kiosk
    page.get_by_role("link", name="Pacchi").click()
    expect(page.get_by_role("heading", name="Pacchi custoditi")).to_be_visible()
    expect(page.locator("#shelf")).to_contain_text("Nessun pacco sullo scaffale.")

    pick(page, "Rossi", "Maria Rossi")
    page.get_by_label("Corriere").fill("BRT")
    page.get_by_label("Mittente").fill("Amazon")
    page.get_by_label("Scaffale").fill("B2")
    page.get_by_role("button", name="Metti sullo scaffale e avvisa").click()
    expect(page.get_by_role("status")).to_have_text("Pacco n. 1 per Maria Rossi registrato.")
    row = page.locator("#shelf tr", has_text="Maria Rossi")
    expect(row).to_contain_text("BRT")
    expect(row).to_contain_text("B2")
    page.screenshot(path=str(ARTIFACTS / "parcels-shelf.png"), full_page=True)

    row.get_by_label("Ritira un delegato?").fill("Lucia Rossi")
    row.get_by_role("button", name="Registra la consegna del pacco n. 1").click()
    expect(page.get_by_role("status")).to_have_text("Pacco n. 1 consegnato a Lucia Rossi.")
    expect(page.locator("#shelf")).to_contain_text("Nessun pacco sullo scaffale.")

    phone = new_page(browser, width=390, height=844)
    log_in(phone, server.base_url, "paola")
    phone.goto(f"{server.base_url}/dashboard/parcels")
    expect(phone.get_by_role("heading", name="Pacchi custoditi")).to_be_visible()
    phone.screenshot(path=str(ARTIFACTS / "parcels-phone.png"), full_page=True)
    assert refused == []
