"""Driving Debian's Chromium through Playwright: the browser, pages, and the web chat's moves."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

CHROMIUM = Path("/usr/bin/chromium")


def _playwright() -> ModuleType:
    """Playwright's sync API; the test is skipped (or failed, in CI) without Chromium."""
    if not CHROMIUM.exists():
        if os.environ.get("CONCIERGE_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is missing and CONCIERGE_REQUIRE_BROWSER is set")
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    return pytest.importorskip("playwright.sync_api")


def expect(target: Any) -> Any:
    """Playwright's web-first assertions."""
    return _playwright().expect(target)


TIMEOUT_MS = 10_000
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Screenshots for people to look at (ignored by git).
ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture
def browser() -> Iterator[Browser]:
    """A headless system Chromium, closed after the test."""
    with _playwright().sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


def new_page(browser: Browser, width: int = 1280, height: int = 900) -> Page:
    """A page in its own context (its own cookies), as one person's browser."""
    size = {"width": width, "height": height}
    context = browser.new_context(viewport=size, accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


@pytest.fixture
def page(browser: Browser) -> Page:
    """A fresh page in a desktop-sized window."""
    return new_page(browser)


def open_chat_as(pane: Locator, name: str) -> None:
    """Pick a demo person in the pane's select (once the list has loaded) and open the chat."""
    option = pane.locator("select option", has_text=name)
    expect(option).to_have_count(1, timeout=TIMEOUT_MS)
    pane.locator("select").select_option(label=option.inner_text())
    pane.locator("form.who button[type=submit]").click()
    expect(pane.locator(".compose input")).to_be_enabled(timeout=TIMEOUT_MS)


def send_text(pane: Locator, text: str) -> None:
    """Type a message in the pane's compose box and send it."""
    pane.locator(".compose input").fill(text)
    pane.locator(".compose button").click()


def choose(pane: Locator, message: str, label: str) -> None:
    """Wait for a message containing `message` and press its choice button `label`."""
    item = pane.locator(".log li.in", has_text=message).last
    expect(item).to_be_visible(timeout=TIMEOUT_MS)
    button = item.get_by_role("button", name=label, exact=True)
    expect(button).to_be_visible(timeout=TIMEOUT_MS)
    button.click()
    # An answered choice cannot be sent twice by a late second tap.
    for spent in item.get_by_role("button").all():
        expect(spent).to_be_disabled()
