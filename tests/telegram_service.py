"""The Telegram service under test: the fake Bot API, the demo data with Giulia on Telegram,
and the service through either library (every scenario runs on both)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from concierge.clock import ManualClock
from concierge.messages import Channel
from tests.conftest import LiveServer, giulia_works_on, serving
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


@pytest.fixture(params=["aiogram", "ptb"])
def library(request: pytest.FixtureRequest) -> str:
    """Every scenario runs on both libraries."""
    return str(request.param)


def telegram_service(
    fake: FakeTelegram, url: str, clock: ManualClock, library: str, **settings: str
) -> Iterator[tuple[LiveServer, str]]:
    """The service on Telegram (Giulia too) through `library`, against the fake Bot API."""
    giulia_works_on(url, clock, Channel.TELEGRAM, telegram_chat=GIULIA)
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
