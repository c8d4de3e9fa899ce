"""The outbox keeps to the providers' limits: against a fake Bot API that answers 429 as
Telegram does (30 a second overall, one a second per chat) and a fake Twilio refusing what a
number sends faster than its rate, nothing is refused, everything arrives once and in order;
a lane takes rows for other chats while one chat rests, instead of waiting on it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Collection, Iterator

import pytest

from bot.outbox_sender import OutboxSender
from bot.pacing import Pace
from bot.runtime import Runtime
from bot.telegram.channel import TelegramChannel
from bot.twilio.messaging import TwilioMessaging
from bot.twilio.rest import TwilioConnection
from concierge.clock import SystemClock
from concierge.database import transaction
from concierge.messages import Channel, Inbound, OutboundMessage, Reply
from concierge.outbox import enqueue
from tests.conftest import make_settings
from tests.fake_server import served
from tests.fake_telegram import FakeTelegram, fake_app
from tests.fake_twilio import FakeTwilio
from tests.telegram_service import TOKEN
from tests.twilio_service import twilio_settings

CHAT_RATE = 4  # a second per chat: Telegram's is 1; faster here to keep the test short


@pytest.fixture
def strict_telegram() -> Iterator[FakeTelegram]:
    telegram = FakeTelegram(enforce_rates=True, chat_per_second=CHAT_RATE)
    with served(fake_app(telegram)) as telegram.port:
        yield telegram


@pytest.fixture
async def paced_runtime(
    database_url: str, strict_telegram: FakeTelegram, fake_twilio: FakeTwilio
) -> AsyncIterator[Runtime]:
    settings = make_settings(
        database_url, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE=strict_telegram.base_url,
        TELEGRAM_LIBRARY="aiogram", TELEGRAM_CHAT_MESSAGES_PER_SECOND=str(CHAT_RATE),
        **{**twilio_settings(fake_twilio), "TWILIO_MESSAGES_PER_SECOND": "20"},
    )  # fmt: skip
    runtime = Runtime.create(settings, SystemClock())
    yield runtime
    await runtime.close()


async def _queue(runtime: Runtime, rows: list[tuple[Channel, str, str]]) -> None:
    async with transaction(runtime.sessions) as session:
        for channel, address, text in rows:
            await enqueue(
                session, channel=channel, address=address, reply=Reply(text=text),
                dedupe_key=f"{channel}:{text}", now=runtime.clock.now(),
            )  # fmt: skip


async def _unused(_: Inbound) -> None:
    raise AssertionError("nothing comes in here")


async def test_bursts_to_a_few_chats_and_many_get_no_429_and_arrive_in_order(
    paced_runtime: Runtime, strict_telegram: FakeTelegram, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.per_number_rate = 20
    # Six messages each to three chats, queued chat by chat (the hardest order for the
    # per-chat limit), one each to forty chats (past the 30 a second overall), ten SMS.
    few = [
        (Channel.TELEGRAM, str(500 + c), f"chat {500 + c} #{n}") for c in range(3) for n in range(6)
    ]
    many = [(Channel.TELEGRAM, str(600 + c), f"chat {600 + c} #0") for c in range(40)]
    sms = [(Channel.SMS, f"+39348000{n:04d}", f"sms {n}") for n in range(10)]
    await _queue(paced_runtime, few + many + sms)
    telegram = TelegramChannel(paced_runtime.settings, paced_runtime.clock, _unused)
    twilio = TwilioConnection(paced_runtime.settings)
    messaging = TwilioMessaging(paced_runtime, twilio, Channel.SMS)
    try:
        sender = OutboxSender(paced_runtime, {Channel.TELEGRAM: telegram, Channel.SMS: messaging})
        async with asyncio.timeout(30):
            await sender.deliver_due()
    finally:
        await telegram.close()
        await twilio.close()
    assert strict_telegram.too_many == 0, "Telegram was asked too fast"
    assert fake_twilio.too_many == 0, "the number sent faster than its rate"
    for chat in range(500, 503):
        assert strict_telegram.texts_to(chat) == [f"chat {chat} #{n}" for n in range(6)]
    assert all(strict_telegram.texts_to(600 + c) == [f"chat {600 + c} #0"] for c in range(40))
    assert sorted(m["Body"] for m in fake_twilio.messages) == sorted(text for *_, text in sms)


class RestingChannel:
    """A paced channel whose first chat rests (it was just written to); what it sent, in order."""

    def __init__(self, resting: Collection[str]) -> None:
        self._resting = set(resting)
        self.sent: list[str] = []

    def resting(self) -> set[str]:
        return self._resting

    async def send(self, message: OutboundMessage) -> str | None:
        self.sent.append(message.text)
        self._resting = set()  # it has cooled down by now
        return None


async def test_a_lane_takes_another_chat_while_one_rests(paced_runtime: Runtime) -> None:
    await _queue(
        paced_runtime, [(Channel.TELEGRAM, "700", "to 700"), (Channel.TELEGRAM, "701", "to 701")]
    )
    channel = RestingChannel({"700"})
    await OutboxSender(paced_runtime, {Channel.TELEGRAM: channel}).deliver_due()
    assert channel.sent == ["to 701", "to 700"]  # 700 waited for its turn, 701 did not


async def test_a_pace_spaces_one_address_from_the_end_of_its_last_send() -> None:
    now = [0.0]
    pace = Pace(overall=1000, per_address=2, monotonic=lambda: now[0])
    async with pace.turn("a"):
        now[0] = 0.3  # the send took 0.3 s
    assert pace.resting() == {"a"}
    now[0] = 0.79
    assert pace.resting() == {"a"}  # half a second after the send ended, not after it began
    now[0] = 0.81
    assert pace.resting() == set()
    pace.hold("b", 5)  # a 429's retry_after
    assert pace.resting() == {"b"}
