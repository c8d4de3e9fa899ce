"""The service with Twilio configured, against the fake REST API; webhooks signed for the
public address. Giulia, the first demo operator, works by SMS here."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.runtime import Runtime
from concierge.clock import ManualClock
from concierge.database import transaction
from concierge.demo import load_demo
from concierge.messages import Channel
from concierge.operators import Operator
from tests.conftest import LiveServer, make_settings, serving
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


async def _giulia_by_sms(url: str, clock: ManualClock) -> None:
    runtime = Runtime.create(make_settings(url), clock)
    async with transaction(runtime.sessions) as session:
        await load_demo(session, clock.now())
        giulia = await session.scalar(select(Operator).order_by(Operator.id))
        assert giulia is not None
        giulia.contact_channel = Channel.SMS
    await runtime.close()


@pytest.fixture
def on_twilio(
    fake_twilio: FakeTwilio, sqlite_url: str, clock: ManualClock
) -> Iterator[tuple[LiveServer, TwilioWebhooks, str]]:
    """The service on Twilio, Twilio's webhooks and the database URL."""
    asyncio.run(_giulia_by_sms(sqlite_url, clock))
    with serving(sqlite_url, clock, **twilio_settings(fake_twilio)) as server:
        webhooks = TwilioWebhooks(server.base_url)
        yield server, webhooks, sqlite_url
        webhooks.close()
