"""Outbound rates: the outbox's lanes against providers that enforce their limits.

Usage: python benchmarks/outbound_rates.py [--messages 10000] [--chats 1000] [--sms 300]
       [--sms-rate 10] [--database-url URL]
Queues `--messages` Telegram messages (`--chats` chats, each chat's messages one after the
other in the queue: the hardest order for the per-chat limit) and `--sms` SMS from one number,
then runs the service's own OutboxSender (both lanes at once, as `concierge serve` does)
against the fake Bot API keeping Telegram's limits (30/s overall, 1/s per chat, 429 with
retry_after) and the fake Twilio refusing (20429) what one number sends faster than
TWILIO_MESSAGES_PER_SECOND. Everything on 127.0.0.1; stops when all is sent or at a time limit.
Prints JSON, then a table: with the process's CPU time and the SQL statements during the
delivery (the fakes serve from this process too: their CPU is in the figure). `--profile FILE`
writes a cProfile of the delivery (`python -m pstats FILE`).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import sys
import time
from pathlib import Path

from sqlalchemy import event, func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the fakes live in tests/
from bench_setup import database_url, fresh_schema, table

from bot.outbox_sender import ChannelSender, OutboxSender
from bot.runtime import Runtime
from bot.telegram.channel import TelegramChannel
from bot.twilio.messaging import TwilioMessaging
from bot.twilio.rest import TwilioConnection
from concierge.clock import SystemClock
from concierge.database import transaction
from concierge.messages import Channel, Inbound
from concierge.outbox import OutboxMessage, OutboxStatus
from concierge.settings import load_settings
from tests.fake_server import served
from tests.fake_telegram import FakeTelegram
from tests.fake_telegram import fake_app as telegram_app
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, SERVICE_NUMBER, FakeTwilio
from tests.fake_twilio import fake_app as twilio_app

TOKEN = "123456:BENCH-TOKEN"


async def _queue(runtime: Runtime, messages: int, chats: int, sms: int) -> None:
    now = runtime.clock.now()
    rows = [
        _row(Channel.TELEGRAM, str(100_000 + index * chats // messages), f"tg:{index}", now)
        for index in range(messages)
    ] + [_row(Channel.SMS, f"+39348{index:07d}", f"sms:{index}", now) for index in range(sms)]
    async with transaction(runtime.sessions) as session:
        for start in range(0, len(rows), 1000):
            await session.execute(insert(OutboxMessage), rows[start : start + 1000])


def _row(channel: Channel, address: str, key: str, now: object) -> dict[str, object]:
    return {
        "dedupe_key": f"bench:{key}", "channel": channel, "address": address,
        "text": f"Avviso di quartiere {key}", "choices": [], "media": [],
        "status": OutboxStatus.PENDING, "attempts": 0, "next_attempt_at": now,
        "created_at": now, "last_error": "", "priority": 0, "private": False,
    }  # fmt: skip


def _busiest_second(moments: list[float]) -> int:
    """The most arrivals in any one-second window."""
    most, first = 0, 0
    for last, moment in enumerate(moments):
        while moment - moments[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


def _rate(moments: list[float]) -> float:
    return (len(moments) - 1) / (moments[-1] - moments[0]) if len(moments) > 1 else 0.0


async def _unused(_: Inbound) -> None:
    raise AssertionError("nothing comes in here")


async def run(args: argparse.Namespace, tg: FakeTelegram, tw: FakeTwilio) -> dict[str, object]:
    """Queue, deliver until all is sent (or the time limit), and measure at the fakes."""
    url = database_url(args.database_url)
    await fresh_schema(url)
    settings = load_settings(
        DATABASE_URL=url, _env_file=None, TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE=tg.base_url, TELEGRAM_LIBRARY="aiogram",
        TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_PHONE_NUMBER=SERVICE_NUMBER, TWILIO_API_BASE=tw.base_url,
        TWILIO_MESSAGES_PER_SECOND=str(args.sms_rate), OUTBOX_MAX_ATTEMPTS="50",
    )  # fmt: skip
    runtime = Runtime.create(settings, SystemClock())
    await _queue(runtime, args.messages, args.chats, args.sms)
    telegram, twilio = TelegramChannel(settings, runtime.clock, _unused), TwilioConnection(settings)
    senders: dict[Channel, ChannelSender] = {
        Channel.TELEGRAM: telegram, Channel.SMS: TwilioMessaging(runtime, twilio, Channel.SMS),
    }  # fmt: skip
    sender = OutboxSender(runtime, senders)
    statements = [0]

    def count(*_: object) -> None:
        statements[0] += 1

    event.listen(runtime.engine.sync_engine, "before_cursor_execute", count)
    profile = cProfile.Profile() if args.profile else None
    unsent = select(func.count(OutboxMessage.id)).where(OutboxMessage.status != OutboxStatus.SENT)
    limit = max(args.messages / 30, args.sms / args.sms_rate) * 1.5 + 60
    started, cpu_started = time.monotonic(), time.process_time()
    if profile is not None:
        profile.enable()
    sender.start()
    left = -1
    try:
        while time.monotonic() - started < limit:
            await asyncio.sleep(1)
            async with runtime.sessions() as session:
                left = int(await session.scalar(unsent) or 0)
            if left == 0:
                break
    finally:
        cpu = time.process_time() - cpu_started
        if profile is not None:
            profile.disable()
            profile.dump_stats(args.profile)
        await sender.stop()
        await telegram.close()
        await twilio.close()
        await runtime.close()
    tg_at, sms_at = sorted(tg.accepted_at), sorted(tw.accepted_at)
    return {
        "database": runtime.settings.url.get_backend_name(),
        "wall_seconds": round(time.monotonic() - started, 1), "unsent_at_end": left,
        "cpu_seconds": round(cpu, 1), "load_average": [round(x, 1) for x in os.getloadavg()],
        "cpu_ms_per_message": round(cpu * 1000 / max(1, len(tg_at) + len(sms_at)), 2),
        "statements_per_message": round(statements[0] / max(1, len(tg_at) + len(sms_at)), 2),
        "telegram": {
            "queued": args.messages, "chats": args.chats, "accepted": len(tg_at),
            "per_second": round(_rate(tg_at), 2),
            "share_of_allowed": round(_rate(tg_at) / 30, 3),
            "busiest_second": _busiest_second(tg_at), "http_429": tg.too_many,
        },
        "sms": {
            "queued": args.sms, "configured_per_second": args.sms_rate,
            "accepted": len(sms_at), "per_second": round(_rate(sms_at), 2),
            "busiest_second": _busiest_second(sms_at), "error_20429": tw.too_many,
        },
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--chats", type=int, default=1_000)
    parser.add_argument("--sms", type=int, default=300)
    parser.add_argument("--sms-rate", type=float, default=10.0)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--profile", default=None, help="write a cProfile of the delivery here")
    args = parser.parse_args()
    tg = FakeTelegram(enforce_rates=True)
    tw = FakeTwilio(per_number_rate=args.sms_rate)
    with served(telegram_app(tg)) as tg.port, served(twilio_app(tw)) as tw.port:
        result = asyncio.run(run(args, tg, tw))
    print(json.dumps(result, indent=2))
    t, s = result["telegram"], result["sms"]
    assert isinstance(t, dict) and isinstance(s, dict)
    print(table([
        ("Telegram messages accepted", f"{t['accepted']} of {t['queued']} ({t['chats']} chats)"),
        ("Telegram rate", f"{t['per_second']}/s = {t['share_of_allowed']:.1%} of 30/s"),
        ("Telegram busiest second", str(t["busiest_second"])),
        ("Telegram 429s", str(t["http_429"])),
        ("SMS accepted", f"{s['accepted']} of {s['queued']}"),
        ("SMS rate", f"{s['per_second']}/s (configured {s['configured_per_second']}/s)"),
        ("SMS busiest second", str(s["busiest_second"])),
        ("SMS 20429s", str(s["error_20429"])),
        ("wall time", f"{result['wall_seconds']} s"),
        ("CPU time (fakes included)", f"{result['cpu_seconds']} s, "
         f"{result['cpu_ms_per_message']} ms a message"),
        ("SQL statements a message", str(result["statements_per_message"])),
        ("load average (1, 5, 15 min)", str(result["load_average"])),
    ]))  # fmt: skip


if __name__ == "__main__":
    main()
