"""Providers failing, then recovering: Telegram answering 5xx, 429 and not at all (time-outs),
then down for a while; Twilio down, then 429 and 5xx. Afterwards every message has arrived,
exactly once, in each person's order, through the real client libraries and the fakes."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.outbox_sender import ChannelSender, OutboxSender
from bot.runtime import Runtime
from bot.telegram.channel import TelegramChannel
from bot.twilio.messaging import TwilioMessaging
from bot.twilio.rest import TwilioConnection
from concierge.clock import ManualClock
from concierge.database import transaction
from concierge.messages import Channel, Inbound, Reply
from concierge.outbox import OutboxMessage, OutboxStatus, enqueue
from tests.conftest import make_settings
from tests.fake_telegram import FakeTelegram
from tests.fake_twilio import FakeTwilio
from tests.telegram_service import TOKEN
from tests.twilio_service import twilio_settings

CHATS = [3000 + n for n in range(8)]
NUMBERS = [f"+39348{n:07d}" for n in range(8)]
PER_ADDRESS = 3


@pytest.fixture
async def faulty_runtime(
    database_url: str, clock: ManualClock, fake: FakeTelegram, fake_twilio: FakeTwilio
) -> AsyncIterator[Runtime]:
    settings = make_settings(
        database_url, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE=fake.base_url,
        TELEGRAM_LIBRARY="aiogram", TELEGRAM_REQUEST_TIMEOUT_SECONDS="1",
        OUTBOX_MAX_ATTEMPTS="30", **twilio_settings(fake_twilio),
    )  # fmt: skip
    runtime = Runtime.create(settings, clock)
    yield runtime
    await runtime.close()


async def _queue_everything(runtime: Runtime) -> None:
    async with transaction(runtime.sessions) as session:
        for index in range(PER_ADDRESS):
            for channel, addresses in ((Channel.TELEGRAM, CHATS), (Channel.SMS, NUMBERS)):
                for address in addresses:
                    await enqueue(
                        session, channel=channel, address=str(address),
                        reply=Reply(text=f"message {index} to {address}"),
                        dedupe_key=f"test:{channel}:{address}:{index}", now=runtime.clock.now(),
                    )  # fmt: skip


async def _unused(_: Inbound) -> None:
    raise AssertionError("nothing comes in here")


async def _deliver_until_done(runtime: Runtime, sender: OutboxSender, clock: ManualClock) -> None:
    unsent = select(func.count(OutboxMessage.id)).where(OutboxMessage.status != OutboxStatus.SENT)
    async with asyncio.timeout(40):
        while True:
            await sender.deliver_due()
            async with runtime.sessions() as session:
                if not await session.scalar(unsent):
                    return
            clock.advance(timedelta(minutes=11))  # past any back-off or retry_after
            await asyncio.sleep(0.2)


async def test_providers_failing_then_recovering_deliver_everything_once(
    faulty_runtime: Runtime, fake: FakeTelegram, fake_twilio: FakeTwilio, clock: ManualClock
) -> None:
    runtime = faulty_runtime
    await _queue_everything(runtime)
    fake.send_faults = [(500, 0), (502, 0), (429, 3), (500, 0), (429, 1)]
    fake.send_stalls = 2  # answered after the client's one-second time-out, and not sent
    fake.outage_on_send = 1.5  # then Telegram is down for a second and a half
    fake_twilio.down_until = time.monotonic() + 1.5
    fake_twilio.faults = [(429, 20429), (500, 20500), (503, 20503)]
    telegram = TelegramChannel(runtime.settings, clock, _unused)
    twilio = TwilioConnection(runtime.settings)
    senders: dict[Channel, ChannelSender] = {
        Channel.TELEGRAM: telegram,
        Channel.SMS: TwilioMessaging(runtime, twilio, Channel.SMS),
    }
    try:
        await _deliver_until_done(runtime, OutboxSender(runtime, senders), clock)
    finally:
        await telegram.close()
        await twilio.close()
    expected = [f"message {index} to {{}}" for index in range(PER_ADDRESS)]
    for chat in CHATS:
        assert fake.texts_to(chat) == [text.format(chat) for text in expected]
    for number in NUMBERS:
        assert fake_twilio.bodies_to(number) == [text.format(number) for text in expected]
    received = Counter(m.text for m in fake.sent) + Counter(fake_twilio.bodies_to("+39348"))
    assert set(received.values()) == {1}, "nothing arrived twice"
    assert fake.send_attempts > len(CHATS) * PER_ADDRESS, "Telegram failed some sends"
    assert fake_twilio.attempts > len(NUMBERS) * PER_ADDRESS, "Twilio failed some sends"
