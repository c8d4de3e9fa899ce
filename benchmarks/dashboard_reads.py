"""How long the dashboard's reads take over a busy month: the queue, its signature (read every
second by each process with a page open), the numbers of a period and its CSV.

Usage: python benchmarks/dashboard_reads.py [--requests 3000] [--database-url URL]
Requests are created through the domain, spread over 30 days; every third is offered and
accepted, and half of those finished.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.runtime import Runtime
from concierge.clock import ManualClock
from concierge.database import transaction
from concierge.demo import load_demo
from concierge.intake.catalogue import ensure_default_services
from concierge.messages import Channel, IdentityKind
from concierge.migrate import upgrade
from concierge.numbers.counts import period_numbers
from concierge.numbers.export import request_rows, rows_as_csv
from concierge.numbers.facts import Period
from concierge.people.person import find_person
from concierge.requests.queue_board import QueueFilter, queue_lines, queue_signature
from concierge.requests.request import create_request, finish_request, start_request
from concierge.routing.assignment import accept_offer, offer_next
from concierge.settings import load_settings
from concierge.team.users import User

ROME = ZoneInfo("Europe/Rome")


async def _fill(runtime: Runtime, clock: ManualClock, count: int) -> None:
    start = clock.now()
    for n in range(count):
        clock.set(start + timedelta(minutes=n * 30 * 24 * 60 // max(count, 1)))
        async with runtime.unit() as ctx:
            maria = await find_person(ctx.session, IdentityKind.PHONE, "+393402000001")
            assert maria is not None
            request = await create_request(ctx, maria, "shopping", f"spesa {n}", Channel.WEBCHAT)
            if n % 3:
                continue
            offer = await offer_next(ctx, request)
            if offer is None or request.operator is None:
                continue
            await accept_offer(ctx, request.operator, request.id)
            if n % 2 == 0:
                await start_request(ctx, request.operator, request.id)
                await finish_request(ctx, request.operator, request.id)


async def _timed(label: str, times: int, work: Callable[[], Awaitable[Any]]) -> None:
    started = time.perf_counter()
    for _ in range(times):
        result = await work()
    elapsed = (time.perf_counter() - started) / times
    size = len(result) if hasattr(result, "__len__") else ""
    print(f"{label:<28} {1000 * elapsed:8.1f} ms  {size}")


async def run(count: int, database_url: str) -> None:
    """Fill a database with `count` requests and time each dashboard read."""
    clock = ManualClock(datetime(2026, 11, 2, 9, 0, tzinfo=ROME))
    runtime = Runtime.create(load_settings(DATABASE_URL=database_url, _env_file=None), clock)
    await upgrade(runtime.engine)
    async with transaction(runtime.sessions) as session:
        await ensure_default_services(session)
        await load_demo(session, clock.now())
    started = time.perf_counter()
    await _fill(runtime, clock, count)
    print(f"database        {runtime.settings.url.get_backend_name()}")
    print(f"filled          {count} requests in {time.perf_counter() - started:.1f} s")
    async with runtime.unit() as ctx:
        paola = await ctx.session.scalar(select(User).where(User.username == "paola"))
    assert paola is not None
    period = Period.ending(clock.now().astimezone(ROME).date(), 30)

    async def queue() -> Any:
        async with runtime.unit() as ctx:
            return await queue_lines(ctx, paola, QueueFilter())

    async def signature() -> Any:
        async with runtime.unit() as ctx:
            return await queue_signature(ctx)

    async def numbers() -> Any:
        async with runtime.unit() as ctx:
            return (await period_numbers(ctx, period, paola.cooperative_id)).per_operator

    async def export() -> Any:
        async with runtime.unit() as ctx:
            return rows_as_csv(await request_rows(ctx, period, paola.cooperative_id))

    await _timed("queue (open requests)", 5, queue)
    await _timed("queue signature", 50, signature)
    await _timed("numbers of 30 days", 3, numbers)
    await _timed("CSV of 30 days (bytes)", 3, export)
    await runtime.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        asyncio.run(run(args.requests, url))


if __name__ == "__main__":
    main()
