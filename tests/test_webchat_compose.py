"""Issue 18, the web chat's message box: a message over the length limit is told too long and by
how much, and stays in the box; an empty one is told so; the chat greets when it opens and says
what one can write. Over HTTP, and in a real browser (Debian's Chromium through Playwright)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import httpx
import pytest

from concierge.messages import TEXT_LIMIT
from tests.browser import TIMEOUT_MS, expect, open_chat_as, send_text
from tests.conftest import LiveServer
from tests.webchat_client import ChatPerson

if TYPE_CHECKING:
    from playwright.sync_api import Page

MARIA = "+393402000001"


@pytest.fixture
def http(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.base_url, timeout=10) as client:
        yield client


def test_too_long_says_by_how_much_in_both_languages(http: httpx.Client) -> None:
    maria = ChatPerson(http, MARIA)
    refused = maria.say("x" * (TEXT_LIMIT + 120))
    assert refused.status_code == 422
    assert refused.json() == {
        "detail": "Il messaggio è troppo lungo: 4.216 caratteri, il massimo è 4.096 (120 di "
        "troppo). Accorcialo e invialo di nuovo."
    }
    maria.lang = "en"
    assert maria.say("x" * (TEXT_LIMIT + 1)).json() == {
        "detail": "The message is too long: 4,097 characters, the most is 4,096 (1 too many). "
        "Shorten it and send it again."
    }
    assert maria.say("   ").json() == {"detail": "Write a message or pick an option."}
    assert maria.texts() == [], "nothing refused reached the conversation"
    assert maria.say("pacco " + "x" * (TEXT_LIMIT - 6)).status_code == 202


@pytest.mark.browser
def test_the_message_box_explains_and_keeps_the_text(live_server: LiveServer, page: Page) -> None:
    page.goto(f"{live_server.base_url}/chat")
    resident = page.locator("section#resident")
    open_chat_as(resident, "Maria Rossi")
    box, error = resident.locator(".compose input"), resident.locator(".error")
    box.fill("   ")
    resident.locator(".compose button").click()
    expect(error).to_have_text("Scrivi un messaggio o scegli un'opzione.", timeout=TIMEOUT_MS)

    too_long = "spesa " + "a" * TEXT_LIMIT
    send_text(resident, too_long)
    expect(error).to_have_text(
        "Il messaggio è troppo lungo: 4.102 caratteri, il massimo è 4.096 (6 di troppo). "
        "Accorcialo e invialo di nuovo.",
        timeout=TIMEOUT_MS,
    )
    expect(box).to_have_value(too_long)
    expect(resident.locator(".log li.out")).to_have_count(0)

    send_text(resident, "pacco oggi")
    expect(resident.locator(".log li.in", has_text="Ho capito: Ritiro pacchi")).to_be_visible(
        timeout=TIMEOUT_MS
    )
    expect(box).to_have_value("")
    expect(error).to_be_hidden()


@pytest.mark.browser
def test_the_chat_greets_and_says_what_one_can_write(live_server: LiveServer, page: Page) -> None:
    page.goto(f"{live_server.base_url}/chat")
    resident = page.locator("section#resident")
    open_chat_as(resident, "Maria Rossi")
    greeting = resident.locator(".log li.note")
    expect(greeting).to_contain_text("Ciao! Scrivi cosa ti serve con parole tue")
    expect(greeting).to_contain_text("«menu» per l'elenco dei servizi")

    page.goto(f"{live_server.base_url}/chat?lang=en")
    operator = page.locator("section#operator")
    open_chat_as(operator, "Giulia Bianchi")
    expect(operator.locator(".log li.note")).to_contain_text('Write "tasks" for your list')
    resident = page.locator("section#resident")
    open_chat_as(resident, "Emma Clark")
    expect(resident.locator(".log li.note")).to_contain_text("Write what you need")
