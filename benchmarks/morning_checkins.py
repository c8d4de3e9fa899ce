"""Morning check-ins: 2,000 plans due at the same minute, first attempts placed at the
provider's rate, answers processed as they come.

Usage: python benchmarks/morning_checkins.py [--plans 2000] [--rate 10] [--number-rate 20]
       [--database-url URL]
Makes `--plans` residents with a daily SMS check-in at the next local minute at least 45 s
away (the "09:00" of the run), then runs, in this process and with the real clock, what
`concierge serve` runs for it: the SchedulingService (each plan's timer, staggered at
CHECKINS_PER_SECOND = `--rate`), the outbox's SMS lane, and the fake Twilio refusing (20429)
what the number sends faster than `--number-rate` (default twice `--rate`: the number also
carries the reply to each answer). Each resident answers "1" as soon as the
question arrives, through handle_inbound. Measures each first attempt's placing against its
bound (the minute + its place / rate) and how long each answer took. Stops when every round
is answered, or at a time limit. Prints JSON, then a table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench_setup import database_url, fresh_schema, percentile, rss_mb, table

from bot.outbox_sender import OutboxSender
from bot.runtime import Runtime
from bot.twilio.messaging import TwilioMessaging
from bot.twilio.rest import TwilioConnection
from concierge.checkins.plans import CheckinPlan, CheckinRound, RoundStatus
from concierge.clock import SystemClock
from concierge.database import transaction
from concierge.intake.catalogue import ensure_default_services
from concierge.messages import Channel, IdentityKind, Inbound
from concierge.people.person import ChannelIdentity, Person
from concierge.settings import Settings, load_settings
from handlers.inbound import handle_inbound
from scheduling.service import SchedulingService
from tests.fake_server import served
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, SERVICE_NUMBER, FakeTwilio, fake_app

ROME = ZoneInfo("Europe/Rome")


def _number(n: int) -> str:
    return f"+39347{n:07d}"


async def fill(runtime: Runtime, plans: int) -> datetime:
    """Residents with a phone and a daily SMS check-in at the next minute 45 s away or more."""
    now = datetime.now(UTC)
    at = (now + timedelta(seconds=105)).replace(second=0, microsecond=0)
    local = at.astimezone(ROME).strftime("%H:%M")
    async with transaction(runtime.sessions) as session:
        await ensure_default_services(session)
        await session.execute(insert(Person), [
            {"id": n, "first_name": f"Residente{n}", "language": "it", "created_at": now}
            for n in range(1, plans + 1)
        ])  # fmt: skip
        await session.execute(insert(ChannelIdentity), [
            {"person_id": n, "kind": IdentityKind.PHONE, "address": _number(n)}
            for n in range(1, plans + 1)
        ])  # fmt: skip
        await session.execute(insert(CheckinPlan), [
            {"id": n, "person_id": n, "weekdays": list(range(7)), "at_time": local,
             "channel": Channel.SMS, "retries": 2, "retry_minutes": 10, "contacts": [],
             "sealed_notes": "", "active": True, "created_at": now}
            for n in range(1, plans + 1)
        ])  # fmt: skip
    return at


class Residents:
    """Everyone answers "1" to the question as soon as it arrives."""

    def __init__(self, runtime: Runtime, fake: FakeTwilio) -> None:
        self._runtime, self._fake = runtime, fake
        self.answer_ms: list[float] = []
        self._seen = 0
        self._asked: set[str] = set()

    async def answer_new(self) -> int:
        """Answer every question that arrived since the last look; how many."""
        arrived = self._fake.messages[self._seen :]
        self._seen += len(arrived)
        settings: Settings = self._runtime.settings
        new = [m for m in arrived if m["To"] not in self._asked]  # the question, not the thanks
        self._asked.update(m["To"] for m in new)
        for message in new:
            inbound = Inbound(
                channel=Channel.SMS, provider_message_id=f"SMbench{len(self.answer_ms)}",
                sender=message["To"], received_at=self._runtime.clock.now(), text="1",
            )  # fmt: skip
            started = time.perf_counter()
            await handle_inbound(self._runtime.sessions, self._runtime.clock, settings, inbound)
            self.answer_ms.append((time.perf_counter() - started) * 1000)
        return len(new)


async def _rounds(runtime: Runtime, status: RoundStatus | None = None) -> int:
    query = select(func.count(CheckinRound.id))
    if status is not None:
        query = query.where(CheckinRound.status == status)
    async with runtime.sessions() as session:
        return int(await session.scalar(query) or 0)


def placing(fake: FakeTwilio, at: datetime, rate: float) -> dict[str, Any]:
    """Each first attempt's placing against its bound: the minute + its place / rate."""
    first: dict[int, float] = {}
    for message, created in zip(fake.messages, fake.created_at, strict=True):
        first.setdefault(int(message["To"][-7:]), created)
    late = [created - (at.timestamp() + (n - 1) / rate) for n, created in first.items()]
    return {
        "placed": len(first),
        "after_bound_seconds": {
            "median": round(statistics.median(late), 2) if late else None,
            "p99": round(percentile(late, 0.99), 2) if late else None,
            "max": round(max(late), 2) if late else None,
        },
        "last_placed_after_minute_seconds": round(max(first.values()) - at.timestamp(), 1)
        if first else None,
    }  # fmt: skip


async def run(args: argparse.Namespace, fake: FakeTwilio) -> dict[str, Any]:
    """Fill, run the scheduler, the SMS lane and the residents until all is answered."""
    url = database_url(args.database_url)
    await fresh_schema(url)
    settings = load_settings(
        DATABASE_URL=url, _env_file=None, CHECKINS_PER_SECOND=str(args.rate),
        TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_PHONE_NUMBER=SERVICE_NUMBER, TWILIO_API_BASE=fake.base_url,
        TWILIO_MESSAGES_PER_SECOND=str(args.number_rate),
    )  # fmt: skip
    runtime = Runtime.create(settings, SystemClock())
    at = await fill(runtime, args.plans)
    twilio = TwilioConnection(settings)
    sender = OutboxSender(runtime, {Channel.SMS: TwilioMessaging(runtime, twilio, Channel.SMS)})
    service = SchedulingService(settings, runtime.clock)
    residents = Residents(runtime, fake)
    cpu_started = time.process_time()
    service.start()
    sender.start()
    limit = time.time() + (at.timestamp() - time.time()) + args.plans / args.rate * 1.5 + 120
    try:
        while time.time() < limit:
            if not await residents.answer_new():
                await asyncio.sleep(0.2)
            if len(residents.answer_ms) >= args.plans:
                break
        await asyncio.sleep(2)  # the last answers' replies
        cpu = time.process_time() - cpu_started
        well = await _rounds(runtime, RoundStatus.WELL)
        rounds = await _rounds(runtime)
    finally:
        await sender.stop()
        await service.stop()
        await twilio.close()
        await runtime.close()
    answers = residents.answer_ms
    return {
        "database": settings.url.get_backend_name(), "plans": args.plans, "rate": args.rate,
        "number_rate": args.number_rate,
        "minute": at.isoformat(), "rounds": rounds, "answered_well": well,
        **placing(fake, at, args.rate), "error_20429": fake.too_many,
        "answer_ms": {
            "median": round(statistics.median(answers), 1) if answers else None,
            "p99": round(percentile(answers, 0.99), 1) if answers else None,
        },
        "peak_rss_mb": round(rss_mb("VmHWM")),
        "cpu_seconds": round(cpu, 1), "load_average": [round(x, 1) for x in os.getloadavg()],
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--plans", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--number-rate", type=float, default=None)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    # The number also carries each answer's reply: twice the check-ins' rate leaves them room.
    args.number_rate = args.number_rate or 2 * args.rate
    fake = FakeTwilio(per_number_rate=args.number_rate)
    with served(fake_app(fake)) as fake.port:
        result = asyncio.run(run(args, fake))
    print(json.dumps(result, indent=2))
    bound, answers = result["after_bound_seconds"], result["answer_ms"]
    print(table([
        ("plans / check-ins a second / number's rate",
         f"{result['plans']} / {result['rate']} / {result['number_rate']}"),
        ("first attempts placed", str(result["placed"])),
        ("after bound med / p99 / max", f"{bound['median']} / {bound['p99']} / {bound['max']} s"),
        ("last placed after the minute", f"{result['last_placed_after_minute_seconds']} s"),
        ("20429s", str(result["error_20429"])),
        ("rounds answered well", f"{result['answered_well']} of {result['rounds']}"),
        ("ms per answer median / p99", f"{answers['median']} / {answers['p99']}"),
        ("CPU time (fake included) / load average",
         f"{result['cpu_seconds']} s / {result['load_average']}"),
    ]))  # fmt: skip


if __name__ == "__main__":
    main()
