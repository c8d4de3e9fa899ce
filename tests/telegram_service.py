"""The Telegram service under test: the fake Bot API, the demo data with Giulia on Telegram,
and the service through either library (every scenario runs on both)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.runtime import Runtime
from concierge.clock import ManualClock
from concierge.database import transaction
from concierge.demo import load_demo
from concierge.messages import Channel, IdentityKind
from concierge.operators import Operator
from concierge.people import ChannelIdentity
from tests.conftest import LiveServer, make_settings, serving
from tests.fake_server import served
from tests.fake_telegram import FakeTelegram, fake_app

RESIDENT, GIULIA = 2001, 1001
TOKEN = "123456:TEST-TOKEN"
SECRET = "s3cret-token"


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    telegram = FakeTelegram()
    with served(fake_app(telegram)) as telegram.port:
        yield telegram


async def _giulia_on_telegram(url: str, clock: ManualClock) -> None:
    runtime = Runtime.create(make_settings(url), clock)
    async with transaction(runtime.sessions) as session:
        await load_demo(session, clock.now())
        giulia = await session.scalar(select(Operator).order_by(Operator.id))
        assert giulia is not None
        giulia.person.identities.append(
            ChannelIdentity(kind=IdentityKind.TELEGRAM, address=str(GIULIA))
        )
        giulia.contact_channel = Channel.TELEGRAM
    await runtime.close()


@pytest.fixture(params=["aiogram", "ptb"])
def library(request: pytest.FixtureRequest) -> str:
    """Every scenario runs on both libraries."""
    return str(request.param)


def telegram_service(
    fake: FakeTelegram, url: str, clock: ManualClock, library: str, **settings: str
) -> Iterator[tuple[LiveServer, str]]:
    """The service on Telegram (Giulia too) through `library`, against the fake Bot API."""
    asyncio.run(_giulia_on_telegram(url, clock))
    with serving(
        url, clock, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE=fake.base_url,
        TELEGRAM_LIBRARY=library, **settings,
    ) as server:  # fmt: skip
        yield server, url


@pytest.fixture
def polling(
    fake: FakeTelegram, sqlite_url: str, clock: ManualClock, library: str
) -> Iterator[tuple[LiveServer, str]]:
    yield from telegram_service(fake, sqlite_url, clock, library)
