"""The service with Twilio configured, against the fake REST API; webhooks signed for the
public address. Giulia, the first demo operator, works by SMS here."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from concierge.clock import ManualClock
from concierge.messages import Channel
from tests.conftest import LiveServer, giulia_works_on, serving
from tests.fake_server import served
from tests.fake_twilio import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_BASE_URL,
    SERVICE_NUMBER,
    FakeTwilio,
    TwilioWebhooks,
    fake_app,
)

GIULIA_PHONE = "+393331000001"
MARIA = "+393402000001"


def twilio_settings(fake: FakeTwilio) -> dict[str, str]:
    """The settings of a service on Twilio, pointed at the fake."""
    return {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_PHONE_NUMBER": SERVICE_NUMBER, "TWILIO_WHATSAPP_NUMBER": SERVICE_NUMBER,
        "TWILIO_API_BASE": fake.base_url, "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "TWILIO_MESSAGES_PER_SECOND": "50",
    }  # fmt: skip


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio()
    with served(fake_app(fake)) as fake.port:
        yield fake


Service = tuple[LiveServer, TwilioWebhooks, str]


def twilio_service(
    fake: FakeTwilio, url: str, clock: ManualClock, **settings: str
) -> Iterator[Service]:
    """The service on Twilio (Giulia working by SMS), Twilio's webhooks and the database URL."""
    giulia_works_on(url, clock, Channel.SMS)
    with serving(url, clock, **twilio_settings(fake), **settings) as server:
        webhooks = TwilioWebhooks(server.base_url)
        try:
            yield server, webhooks, url
        finally:
            webhooks.close()


@pytest.fixture
def on_twilio(fake_twilio: FakeTwilio, sqlite_url: str, clock: ManualClock) -> Iterator[Service]:
    """The service on Twilio, with the demo data."""
    yield from twilio_service(fake_twilio, sqlite_url, clock)
