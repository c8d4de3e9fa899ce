"""Delivering the outbox: two senders on one database never send a row twice, a slow channel
does not hold up another, urgent rows overtake routine ones in their lane."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bot.outbox_sender import OutboxSender
from bot.runtime import Runtime
from concierge.clock import SystemClock
from concierge.database import transaction
from concierge.messages import Channel, OutboundMessage, Reply
from concierge.outbox import OutboxMessage, OutboxStatus, enqueue
from tests.conftest import make_settings


class SlowChannel:
    """A channel whose provider takes `seconds` to accept each message; what it accepted."""

    def __init__(self, seconds: float, accepted: Counter[int]) -> None:
        self.seconds = seconds
        self.accepted = accepted
        self.times: dict[str, float] = {}

    async def send(self, message: OutboundMessage) -> str | None:
        await asyncio.sleep(self.seconds)
        self.accepted[message.id] += 1
        self.times[message.text] = time.monotonic()
        return None


@pytest.fixture
async def live_runtime(database_url: str) -> AsyncIterator[Runtime]:
    """A runtime on a real clock, with a short lease: a slow batch would outlive it."""
    settings = make_settings(database_url, OUTBOX_LEASE_SECONDS="1", OUTBOX_LANE_CONCURRENCY="4")
    runtime = Runtime.create(settings, SystemClock())
    yield runtime
    await runtime.close()


async def _queue(runtime: Runtime, channel: Channel, texts: list[tuple[str, str]]) -> None:
    async with transaction(runtime.sessions) as session:
        for key, address in texts:
            await enqueue(
                session, channel=channel, address=address, reply=Reply(text=key),
                dedupe_key=key, now=runtime.clock.now(),
            )  # fmt: skip


async def test_two_senders_with_slow_sends_send_nothing_twice(live_runtime: Runtime) -> None:
    # 24 rows to 12 people, each send 0.15 s: 1.8 s of sending for one sender alone, longer than
    # the one-second lease; rows claimed all at once would be claimed again by the other sender.
    rows = [(f"row-{n}", f"+39333000{n % 12:04d}") for n in range(24)]
    await _queue(live_runtime, Channel.SMS, rows)
    accepted: Counter[int] = Counter()
    senders = [
        OutboxSender(live_runtime, {Channel.SMS: SlowChannel(0.15, accepted)}) for _ in range(2)
    ]
    started = time.monotonic()
    async with asyncio.timeout(20):
        while len(accepted) < len(rows):
            await asyncio.gather(*(sender.deliver_due() for sender in senders))
    print(f"two senders, {len(rows)} rows: {time.monotonic() - started:.2f} s")
    assert time.monotonic() - started < 10
    assert sorted(accepted.values()) == [1] * len(rows), accepted
    async with live_runtime.sessions() as session:
        sent = await session.scalar(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.status == OutboxStatus.SENT)
        )
    assert sent == len(rows)


async def test_a_slow_channel_holds_up_no_other(live_runtime: Runtime) -> None:
    await _queue(live_runtime, Channel.SMS, [(f"sms-{n}", f"+39333{n:07d}") for n in range(20)])
    await _queue(live_runtime, Channel.TELEGRAM, [("telegram-reply", "2001")])
    accepted: Counter[int] = Counter()
    sms, telegram = SlowChannel(0.5, accepted), SlowChannel(0.01, accepted)
    sender = OutboxSender(live_runtime, {Channel.SMS: sms, Channel.TELEGRAM: telegram})
    started = time.monotonic()
    async with asyncio.timeout(20):
        await sender.deliver_due()
    # The SMS lane needs 20 × 0.5 s / 4 at once = 2.5 s; the Telegram reply did not wait for it.
    print(
        f"Telegram reply after {telegram.times['telegram-reply'] - started:.3f} s; "
        f"last of 20 SMS after {max(sms.times.values()) - started:.3f} s"
    )
    assert telegram.times["telegram-reply"] - started < 1.5
    assert max(sms.times.values()) - started > 2
    assert sorted(accepted.values()) == [1] * 21


async def test_an_urgent_row_overtakes_the_routine_queue(live_runtime: Runtime) -> None:
    routine = [(f"reply:sms:m{n}:0", f"+39333{n:07d}") for n in range(12)]
    await _queue(live_runtime, Channel.SMS, routine)
    await _queue(live_runtime, Channel.SMS, [("checkin:9:contact:0", "+393339999999")])
    accepted: Counter[int] = Counter()
    sms = SlowChannel(0.1, accepted)
    async with asyncio.timeout(20):
        await OutboxSender(live_runtime, {Channel.SMS: sms}).deliver_due()
    order = sorted(sms.times, key=sms.times.__getitem__)
    # Four go at once: the escalation, written last, is among the first four delivered.
    assert order.index("checkin:9:contact:0") < 4, order


async def test_a_send_slower_than_its_lease_keeps_its_claim(live_runtime: Runtime) -> None:
    # One send of 2.5 s against the one-second lease, while a second sender keeps looking: the
    # first renews its claim as it waits on the provider, so the second never takes the row.
    await _queue(live_runtime, Channel.SMS, [("slow", "+393330000001")])
    accepted: Counter[int] = Counter()
    first, second = (
        OutboxSender(live_runtime, {Channel.SMS: SlowChannel(2.5, accepted)}) for _ in range(2)
    )

    async def keep_looking() -> None:
        until = time.monotonic() + 3.5
        while time.monotonic() < until:
            await second.deliver_due()
            await asyncio.sleep(0.1)

    async with asyncio.timeout(20):
        await asyncio.gather(first.deliver_due(), keep_looking())
    assert list(accepted.values()) == [1], accepted
