"""The web chat driven in a real browser (Debian's Chromium through Playwright), as people use it:
a resident asks for a parcel pick-up, an operator takes it on and completes it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser import TIMEOUT_MS, choose, expect, open_chat_as, send_text
from tests.conftest import LiveServer

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser


def test_resident_request_is_taken_on_and_completed(
    live_server: LiveServer, page: Page, tmp_path: Path
) -> None:
    page.goto(f"{live_server.base_url}/chat")
    resident = page.locator("section#resident")
    operator = page.locator("section#operator")

    open_chat_as(resident, "Maria Rossi")
    send_text(resident, "pacco oggi")
    choose(resident, "Ho capito: Ritiro pacchi", "Confermo")
    expect(resident.locator(".log li.in", has_text="Richiesta registrata")).to_be_visible(
        timeout=TIMEOUT_MS
    )

    open_chat_as(operator, "Giulia Bianchi")
    choose(operator, "Nuova richiesta", "Accetto")
    choose(operator, "Presa in carico", "Inizio ora")
    choose(operator, "In corso", "Fatto")

    incoming = resident.locator(".log li.in")
    expect(incoming.filter(has_text="ha completato")).to_be_visible(timeout=TIMEOUT_MS)
    texts = incoming.all_inner_texts()
    steps = ["Giulia ha preso in carico", "Giulia ha iniziato", "Giulia ha completato"]
    positions = [next(i for i, t in enumerate(texts) if step in t) for step in steps]
    assert positions == sorted(positions), texts
    expect(resident.locator(".error")).to_be_hidden()
    expect(operator.locator(".error")).to_be_hidden()

    page.screenshot(path=str(tmp_path / "webchat.png"), full_page=True)


# "12" once met a length check whose list-shaped 422 reached the page as "Unprocessable Entity".
@pytest.mark.parametrize("number", ["12", "123"])
def test_invalid_phone_shows_an_english_error(
    live_server: LiveServer, page: Page, number: str
) -> None:
    page.goto(f"{live_server.base_url}/chat?lang=en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("section#resident h2")).to_have_text("Resident")
    expect(page.locator("section#operator h2")).to_have_text("Operator")

    resident = page.locator("section#resident")
    resident.locator("input[name=phone]").fill(number)
    resident.locator("form.who button[type=submit]").click()

    error = resident.locator(".error")
    expect(error).to_be_visible(timeout=TIMEOUT_MS)
    expect(error).to_contain_text("not look like a valid phone number", timeout=TIMEOUT_MS)
    # The chat does not open for a number the service refused.
    expect(resident.locator(".compose input")).to_be_disabled()

    # Picking a demo person instead clears the typed number and opens the chat.
    open_chat_as(resident, "Emma Clark")
    expect(resident.locator("input[name=phone]")).to_have_value("")
    expect(error).to_be_hidden()
    send_text(resident, "help")
    expect(resident.locator(".log li.in", has_text="neighbourhood concierge")).to_be_visible(
        timeout=TIMEOUT_MS
    )
