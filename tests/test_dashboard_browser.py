"""The dashboard in a real browser (Debian's Chromium through Playwright): a coordinator watches
a request made in the web chat arrive live, reassigns it, and the operators' pages change; CSV
export, another cooperative's request refused, a form without its CSRF token refused, a phone."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from concierge.clock import ManualClock
from concierge.context import DomainContext
from concierge.demo import DEMO_PASSWORD
from concierge.messages import Channel, IdentityKind
from concierge.people.person import find_person
from concierge.requests.request import create_request
from tests.browser import ARTIFACTS, TIMEOUT_MS, choose, expect, new_page, open_chat_as, send_text
from tests.conftest import LiveServer, serving
from tests.dashboard_client import in_unit, offered_request, other_cooperative_request

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


def _queued(url: str, clock: ManualClock, phone: str, service: str, urgent: bool) -> int:
    """A confirmed request nobody has been offered yet (its number)."""

    async def work(ctx: DomainContext) -> int:
        person = await find_person(ctx.session, IdentityKind.PHONE, phone)
        assert person is not None
        request = await create_request(ctx, person, service, "", Channel.WEBCHAT, urgent=urgent)
        return request.id

    return in_unit(url, clock, work)


def test_the_queue_puts_urgency_first_says_ages_one_way_and_fits_a_phone(
    server: LiveServer, browser: Browser, sqlite_url: str, clock: ManualClock
) -> None:
    # Issue 18 item 11.
    ARTIFACTS.mkdir(exist_ok=True)
    start = clock.now()
    waiting = _queued(sqlite_url, clock, "+393402000002", "accompaniment", urgent=False)
    clock.set(start + timedelta(seconds=158))
    urgent = _queued(sqlite_url, clock, "+393402000001", "home_watch", urgent=True)
    clock.set(start + timedelta(seconds=240))
    page = new_page(browser)
    log_in(page, server.base_url, "paola")
    urgent_row, waiting_row = (
        page.locator(f"#request-{urgent}"),
        page.locator(f"#request-{waiting}"),
    )
    expect(urgent_row).to_contain_text("URGENTE")
    expect(waiting_row).not_to_contain_text("URGENTE")
    # Urgency is the strongest colour on the board: the alert colour, over the waiting one.
    urgent_look = urgent_row.evaluate("r => getComputedStyle(r).backgroundColor")
    waiting_look = waiting_row.evaluate("r => getComputedStyle(r).backgroundColor")
    assert urgent_look == "rgb(253, 232, 232)" and waiting_look != urgent_look
    # One way of saying ages: whole minutes.
    ages = page.locator("#queue-body td.age")
    expect(ages).to_have_text(["1 min", "4 min"])
    page.screenshot(path=str(ARTIFACTS / "dashboard-queue-urgent.png"), full_page=True)

    phone = new_page(browser, width=360, height=780)
    log_in(phone, server.base_url, "paola")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    # Each service name is whole on its card: no word is split across lines.
    for name in ("Casa, piante e animali", "Accompagnamento"):
        service = phone.locator("#queue-body .service", has_text=name)
        words_split = service.evaluate(
            """el => {
                const range = document.createRange();
                const text = el.firstChild;
                let at = 0, split = 0;
                for (const word of text.textContent.split(' ')) {
                    range.setStart(text, at); range.setEnd(text, at + word.length);
                    const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
                    if (tops.size > 1) split++;
                    at += word.length + 1;
                }
                return split;
            }"""
        )
        assert words_split == 0, name
    phone.screenshot(path=str(ARTIFACTS / "dashboard-queue-phone-urgent.png"), full_page=True)


def test_the_check_in_board_and_a_request_page_as_an_operator_reads_them(
    server: LiveServer, browser: Browser, sqlite_url: str, clock: ManualClock
) -> None:
    # Issue 18 items 9, 10 and 12, seen in the browser (screenshots in tests/artifacts/).
    ARTIFACTS.mkdir(exist_ok=True)
    clock.set(clock.now() + timedelta(minutes=37))
    page = new_page(browser)
    log_in(page, server.base_url, "paola")
    page.get_by_role("link", name="Controlli quotidiani").click()
    maria = page.locator("#checkins tr", has_text="Maria Rossi")
    expect(maria.locator(".today-state")).to_have_text("non fatto oggi: iscritto dopo le 09:00")
    expect(maria.locator(".next-run")).to_have_text("martedì 24 novembre, 09:00")
    expect(maria.locator(".days li")).to_have_count(30)
    expect(maria.locator(".days li").last).to_have_attribute(
        "title", "lun 23 nov: nessun controllo (giorno non previsto o in pausa)"
    )
    expect(page.locator("#checkins-legend li")).to_have_count(5)
    page.screenshot(path=str(ARTIFACTS / "dashboard-checkins.png"), full_page=True)

    request_id = offered_request(sqlite_url, clock, "+393402000001", "shopping", "latte e pane")
    giulia = new_page(browser, width=390, height=844)
    log_in(giulia, server.base_url, "giulia")
    giulia.goto(f"{server.base_url}/dashboard/requests/{request_id}")
    expect(giulia.locator("#request-phone")).to_have_text("+393402000001")
    giulia.get_by_role("button", name="Accetto").click()
    giulia.get_by_label("Cosa è successo?").fill("Il negozio è chiuso per lutto")
    giulia.get_by_role("button", name="Segnala il problema").click()
    expect(giulia.get_by_role("status")).to_contain_text("Problema segnalato")
    expect(giulia.locator("#request-status")).to_have_text("non completata")
    expect(giulia.locator("#history")).to_contain_text("Il negozio è chiuso per lutto")
    giulia.screenshot(path=str(ARTIFACTS / "dashboard-request-problem.png"), full_page=True)
