"""The dashboard in a real browser (Debian's Chromium through Playwright): a coordinator watches
a request made in the web chat arrive live, reassigns it, and the operators' pages change; CSV
export, another cooperative's request refused, a form without its CSRF token refused, a phone."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from concierge.clock import ManualClock
from concierge.demo import DEMO_PASSWORD
from tests.browser import ARTIFACTS, TIMEOUT_MS, choose, expect, new_page, open_chat_as, send_text
from tests.conftest import LiveServer, serving
from tests.dashboard_client import offered_request, other_cooperative_request

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser


@pytest.fixture
def server(sqlite_url: str, clock: ManualClock) -> Iterator[LiveServer]:
    with serving(sqlite_url, clock) as live:
        yield live


def log_in(page: Page, base_url: str, username: str, password: str = DEMO_PASSWORD) -> None:
    """Open the dashboard, get sent to the log-in form, and fill it as a person does."""
    page.goto(f"{base_url}/dashboard")
    expect(page.get_by_role("heading", name="Accedi al cruscotto")).to_be_visible()
    page.get_by_label("Nome utente").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Accedi").click()
    expect(page.get_by_role("navigation", name="Sezioni del cruscotto")).to_be_visible()


def mark_page(page: Page) -> None:
    """Leave a mark in the page's window: a reload would wipe it."""
    page.evaluate("window.__stayed = true")


def stayed(page: Page) -> bool:
    """Whether the page is still the one that was marked (it was never reloaded)."""
    return bool(page.evaluate("window.__stayed === true"))


def test_a_webchat_request_appears_live_is_reassigned_and_exported(
    server: LiveServer, browser: Browser
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    base = server.base_url
    paola, giulia, marco = new_page(browser), new_page(browser), new_page(browser)
    log_in(paola, base, "paola")
    expect(paola.get_by_role("heading", name="Coda delle richieste")).to_be_visible()
    expect(paola.locator("#queue-body")).to_contain_text("Nessuna richiesta aperta.")
    log_in(giulia, base, "giulia")
    expect(giulia.get_by_role("heading", name="Le mie attività")).to_be_visible()
    log_in(marco, base, "marco")
    for page in (paola, giulia, marco):
        mark_page(page)

    # Maria asks in the web chat, in another browser.
    chat = new_page(browser)
    chat.goto(f"{base}/chat")
    resident = chat.locator("section#resident")
    open_chat_as(resident, "Maria Rossi")
    send_text(resident, "pacco oggi")
    choose(resident, "Ho capito: Ritiro pacchi", "Confermo")
    expect(resident.locator(".log li.in", has_text="Richiesta registrata")).to_be_visible()

    row = paola.locator("#queue-body tr", has_text="Ritiro pacchi")
    expect(row).to_be_visible(timeout=TIMEOUT_MS)
    expect(row).to_contain_text("Maria Rossi")
    expect(row).to_contain_text("Giulia Bianchi")
    expect(row).to_contain_text("proposta")
    expect(row).to_have_class("fresh")
    expect(paola.locator("#queue-summary")).to_contain_text(
        "Richieste aperte: 1 · senza operatore: 0 · in ritardo: 0"
    )
    assert stayed(paola)
    paola.screenshot(path=str(ARTIFACTS / "dashboard-queue.png"), full_page=True)

    # Giulia's own list shows the offer, also without a reload.
    expect(giulia.locator("#queue-body tr", has_text="Ritiro pacchi")).to_be_visible()
    assert stayed(giulia)

    # The coordinator opens it and gives it to Marco.
    row.get_by_role("link").click()
    expect(paola.get_by_role("heading", name="Ritiro pacchi")).to_be_visible()
    paola.get_by_label("Proponi a").select_option(label="Marco Esposito")
    paola.locator("#reassign-form").get_by_role("button", name="Riassegna").click()
    expect(paola.get_by_role("status")).to_contain_text("riassegnata")
    expect(paola.locator("#request-operator")).to_have_text("Marco Esposito")
    expect(paola.locator("#history")).to_contain_text("proposta a Marco Esposito")

    # The operators' side changes by itself: gone from Giulia's list, on Marco's.
    expect(giulia.locator("#queue-body tr", has_text="Ritiro pacchi")).to_have_count(0)
    expect(giulia.locator("#queue-body")).to_contain_text("Nessuna richiesta aperta.")
    taken = marco.locator("#queue-body tr", has_text="Ritiro pacchi")
    expect(taken).to_be_visible()
    assert stayed(giulia) and stayed(marco)

    # Marco accepts it from his phone-sized list; the coordinator's queue follows.
    taken.get_by_role("link").click()
    marco.get_by_role("button", name="Accetto").click()
    expect(marco.locator("#request-status")).to_have_text("presa in carico")
    paola.get_by_role("link", name="Torna alla coda").first.click()
    expect(paola.locator("#queue-body tr", has_text="Ritiro pacchi")).to_contain_text(
        "presa in carico"
    )

    # The numbers, and their CSV.
    paola.get_by_role("link", name="Numeri").click()
    expect(paola.get_by_role("heading", name="Numeri")).to_be_visible()
    expect(paola.locator("#fig-requests")).to_have_text("1")
    expect(paola.locator("body")).to_have_attribute("data-charts", "4")
    paola.screenshot(path=str(ARTIFACTS / "dashboard-numbers.png"), full_page=True)
    with paola.expect_download() as download:
        paola.get_by_role("link", name="Scarica CSV").click()
    path = download.value.path()
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert [(r["service"], r["channel"], r["status"], r["operator"]) for r in rows] == [
        ("parcel", "webchat", "accepted", "Marco Esposito")
    ]
    assert rows[0]["offers_declined"] == "0"


def test_another_cooperatives_request_is_refused(
    server: LiveServer, page: Page, sqlite_url: str, clock: ManualClock
) -> None:
    theirs = other_cooperative_request(sqlite_url, clock)
    log_in(page, server.base_url, "giulia")
    response = page.goto(f"{server.base_url}/dashboard/requests/{theirs}")
    assert response is not None and response.status == 403
    expect(page.locator("#refusal")).to_have_text(
        "Non hai accesso a questa pagina o a questa richiesta."
    )
    expect(page.locator("body")).not_to_contain_text("6 camicie")
    # Still logged in, with the menu to go on from.
    page.get_by_role("navigation", name="Sezioni del cruscotto").get_by_role(
        "link", name="Le mie attività"
    ).click()
    expect(page.get_by_role("heading", name="Le mie attività")).to_be_visible()


def test_a_form_sent_without_its_csrf_token_is_refused(server: LiveServer, page: Page) -> None:
    log_in(page, server.base_url, "admin")
    page.get_by_role("link", name="Amministrazione").click()
    # Someone else's page posting here would carry no token: take it out of the form.
    page.evaluate("document.querySelectorAll('input[name=csrf_token]').forEach(i => i.remove())")
    page.get_by_label("Nome della nuova cooperativa").fill("Coop Fantasma")
    page.get_by_role("button", name="Aggiungi cooperativa").click()
    expect(page.locator("#refusal")).to_contain_text("Il modulo è scaduto")
    page.goto(f"{server.base_url}/dashboard/admin")
    expect(page.locator("#cooperatives")).not_to_contain_text("Coop Fantasma")
    page.get_by_label("Nome della nuova cooperativa").fill("Coop Vera")
    page.get_by_role("button", name="Aggiungi cooperativa").click()
    expect(page.locator("#cooperatives")).to_contain_text("Coop Vera")


def test_on_a_phone_in_english_with_the_keyboard(
    server: LiveServer, browser: Browser, sqlite_url: str, clock: ManualClock
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    offered_request(sqlite_url, clock, "+393402000004", "parcel", "Amazon parcel, 2 boxes")
    phone = new_page(browser, width=390, height=844)
    log_in(phone, server.base_url, "paola")
    phone.get_by_role("button", name="English").click()
    expect(phone.get_by_role("heading", name="Request queue")).to_be_visible()
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    # Nothing wider than the screen: the queue's rows become cards.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    # The first Tab reaches the skip link, which leads to the page's content.
    phone.keyboard.press("Tab")
    expect(phone.locator(".skip")).to_be_focused()
    phone.keyboard.press("Enter")
    expect(phone.locator("#main")).to_be_focused()
    for label in ("Status", "Service", "Operator"):
        expect(phone.get_by_label(label, exact=True)).to_be_visible()
    card = phone.locator("#queue-body tr", has_text="Amazon parcel, 2 boxes")
    expect(card).to_contain_text("Emma Clark")
    expect(card).to_contain_text("offered to an operator")
    phone.screenshot(path=str(ARTIFACTS / "dashboard-queue-phone.png"), full_page=True)
