"""Telegram polling through faults: a database outage of any length skips no update; an update
that fails every time (a bug of ours) is set aside with its raw body, its sender is told, the
updates after it are served, and the admin sees it on the dashboard."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

import bot.telegram.channel as telegram_channel
from bot.outbox_sender import OutboxSender
from bot.runtime import Runtime
from bot.telegram.channel import MAX_UPDATE_ATTEMPTS, TelegramChannel
from concierge.clock import ManualClock
from concierge.dead_letters import DeadLetter, SetAside
from concierge.messages import Channel, Inbound
from concierge.people.conversations import InboundRecord
from handlers.dead_letters import keep_dead_letter
from handlers.inbound import handle_inbound
from tests.conftest import make_settings, serving
from tests.dashboard_client import staff
from tests.fake_telegram import FakeTelegram
from tests.telegram_service import TOKEN

Handler = Callable[[Inbound], Awaitable[None]]


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Poll again within milliseconds after a failure, so many failures fit in a second."""
    monkeypatch.setattr(telegram_channel, "RETRY_BASE_SECONDS", 0.01)
    monkeypatch.setattr(telegram_channel, "RETRY_MOST_SECONDS", 0.05)


async def _count(runtime: Runtime, query: Any) -> int:
    async with runtime.sessions() as session:
        return int(await session.scalar(query) or 0)


async def _until(runtime: Runtime, query: Any, expected: int, seconds: float = 15) -> int:
    deadline = time.monotonic() + seconds
    found = await _count(runtime, query)
    while found < expected and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        found = await _count(runtime, query)
    return found


def _polling(
    runtime: Runtime, fake: FakeTelegram, handler: Handler | None = None
) -> TelegramChannel:
    settings = make_settings(
        runtime.settings.database_url, TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE=fake.base_url, TELEGRAM_LIBRARY="aiogram",
    )  # fmt: skip

    async def on_inbound(inbound: Inbound) -> None:
        await handle_inbound(runtime.sessions, runtime.clock, runtime.settings, inbound)

    async def set_aside(letter: SetAside) -> None:
        await keep_dead_letter(runtime.sessions, runtime.clock, runtime.settings, letter)

    return TelegramChannel(settings, runtime.clock, handler or on_inbound, set_aside)


@pytest.fixture
async def sqlite_runtime(sqlite_url: str, clock: ManualClock) -> AsyncIterator[Runtime]:
    runtime = Runtime.create(make_settings(sqlite_url), clock)
    yield runtime
    await runtime.close()


async def test_a_database_outage_during_polling_skips_nothing(
    sqlite_runtime: Runtime, fake: FakeTelegram
) -> None:
    runtime = sqlite_runtime
    failures = 0
    down = True
    enough = asyncio.Event()
    loop = asyncio.get_running_loop()

    def outage(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # The table every turn reads first is out of reach (locked by a long migration, on a
        # failed disk): the rest of the database answers, as a dead letter's table would.
        nonlocal failures
        if down and "inbound_messages" in statement:
            failures += 1
            if failures >= 4 * MAX_UPDATE_ATTEMPTS:
                loop.call_soon_threadsafe(enough.set)
            raise OperationalError("SELECT", {}, ConnectionRefusedError("the database is down"))

    event.listen(runtime.engine.sync_engine, "before_cursor_execute", outage)
    channel = _polling(runtime, fake)
    for chat, text in ((2001, "pacco domani alle 10"), (2002, "ciao"), (2001, "grazie")):
        fake.user_writes(chat, text)
    channel.start_polling()
    try:
        async with asyncio.timeout(10):  # the outage outlasts the attempts many times over
            await enough.wait()
        down = False
        received = await _until(runtime, select(func.count(InboundRecord.id)), 3)
    finally:
        await channel.close()
    assert received == 3, "every update written during the outage was handled after it"
    assert await _count(runtime, select(func.count(DeadLetter.id))) == 0


async def _bug_then_a_message(runtime: Runtime, fake: FakeTelegram) -> None:
    served: list[str] = []

    async def buggy(inbound: Inbound) -> None:
        if inbound.text == "un messaggio che fa inciampare il codice":
            raise ValueError("a bug of ours")
        await handle_inbound(runtime.sessions, runtime.clock, runtime.settings, inbound)
        served.append(inbound.text or "")

    channel = _polling(runtime, fake, buggy)
    fake.user_writes(2001, "un messaggio che fa inciampare il codice")
    fake.user_writes(2002, "pacco domani alle 10")
    channel.start_polling()
    try:
        assert await _until(runtime, select(func.count(DeadLetter.id)), 1) == 1
        assert await _until(runtime, select(func.count(InboundRecord.id)), 1) == 1
        async with asyncio.timeout(10):
            await OutboxSender(runtime, {Channel.TELEGRAM: channel}).deliver_due()
    finally:
        await channel.close()
    assert served == ["pacco domani alle 10"], "the update after the bad one was served"


def test_an_update_failing_every_time_is_set_aside_and_its_sender_told(
    sqlite_url: str, clock: ManualClock, fake: FakeTelegram
) -> None:
    async def scenario() -> None:
        runtime = Runtime.create(make_settings(sqlite_url), clock)
        try:
            await _bug_then_a_message(runtime, fake)
            async with runtime.sessions() as session:
                [letter] = (await session.scalars(select(DeadLetter))).all()
        finally:
            await runtime.close()
        assert letter.channel == Channel.TELEGRAM and letter.answered
        assert letter.attempts == MAX_UPDATE_ATTEMPTS and "a bug of ours" in letter.error
        assert "un messaggio che fa inciampare il codice" in letter.raw

    asyncio.run(scenario())
    told = fake.wait_for(2001, "non sono riuscito a leggere il tuo ultimo messaggio")
    assert told.chat_id == 2001
    with serving(sqlite_url, clock) as server:
        admin = staff(server.base_url)
        assert admin.log_in("admin").status_code == 303
        page = admin.client.get("/dashboard/dead-letters")
        assert page.status_code == 200
        assert "un messaggio che fa inciampare il codice" in page.text
        assert "a bug of ours" in page.text
        coordinator = staff(server.base_url)
        assert coordinator.log_in("paola").status_code == 303
        assert coordinator.client.get("/dashboard/dead-letters").status_code == 403
