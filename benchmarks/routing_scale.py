"""Routing at scale: one decision (offer a queued request to the best operator) with 1,000
operators and 100,000 open requests.

Usage: python benchmarks/routing_scale.py [--operators 1000] [--open 100000] [--decisions 300]
       [--profile] [--database-url URL]
Fills a fresh database (10 cooperatives, operators with skills, zones and a week of shifts,
20,000 residents, the open requests: two busy ones per operator, the rest queued, and a history
of three past offers per operator), then times `offer_next` on queued requests picked at
random, each in its own unit of work as the service runs it (commit included). Prints JSON
and a table: milliseconds per decision (median, p99), statements per decision; with --profile
the functions of most cumulative time.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import pstats
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench_setup import database_url, fresh_schema, percentile, table

from bot.runtime import Runtime
from concierge.clock import ManualClock
from concierge.database import transaction
from concierge.intake.catalogue import DEFAULT_SERVICE_CODES, ensure_default_services
from concierge.people.person import Person
from concierge.requests.lifecycle import RequestStatus
from concierge.requests.offers import Offer, OfferStatus
from concierge.requests.request import ServiceRequest
from concierge.routing.assignment import offer_next
from concierge.schema import Base  # noqa: F401  (every table mapped)
from concierge.settings import load_settings
from concierge.team.operators import Cooperative, Operator, Shift

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)  # a Monday, 10:30 in Rome
ZONES = [f"zona-{n}" for n in range(20)]
RESIDENTS = 20_000
BUSY = (RequestStatus.OFFERED, RequestStatus.ACCEPTED, RequestStatus.IN_PROGRESS)


async def _insert(runtime: Runtime, model: Any, rows: list[dict[str, Any]]) -> None:
    async with transaction(runtime.sessions) as session:
        for start in range(0, len(rows), 5000):
            await session.execute(insert(model), rows[start : start + 5000])


async def fill(runtime: Runtime, operators: int, open_requests: int) -> None:
    """The cooperatives, operators, residents, open requests and offer history."""
    rng = random.Random(20)
    async with transaction(runtime.sessions) as session:
        await ensure_default_services(session)
    codes = list(DEFAULT_SERVICE_CODES)
    await _insert(runtime, Cooperative, [{"id": c, "name": f"Coop {c}"} for c in range(1, 11)])
    people = [
        {"id": p, "first_name": f"P{p}", "zone": rng.choice(ZONES), "created_at": NOW}
        for p in range(1, RESIDENTS + operators + 1)
    ]
    await _insert(runtime, Person, people)
    await _insert(runtime, Operator, [
        {"id": o, "person_id": RESIDENTS + o, "cooperative_id": 1 + o % 10,
         "skills": rng.sample(codes, 4), "zones": rng.sample(ZONES, 3), "capacity": 3,
         "contact_channel": "webchat", "active": True, "paused": False}
        for o in range(1, operators + 1)
    ])  # fmt: skip
    await _insert(runtime, Shift, [
        {"operator_id": o, "weekday": day, "starts_at": clock_time(8), "ends_at": clock_time(20)}
        for o in range(1, operators + 1) for day in range(7)
    ])  # fmt: skip
    busy = 2 * operators
    await _insert(runtime, ServiceRequest, [
        {"requester_id": rng.randint(1, RESIDENTS), "service_code": rng.choice(codes),
         "channel": "sms", "status": BUSY[r % 3] if r < busy else RequestStatus.QUEUED,
         "operator_id": 1 + r // 2 if r < busy else None, "cooperative_id": 1 + r % 10,
         "created_at": NOW - timedelta(minutes=open_requests - r),
         "updated_at": NOW - timedelta(minutes=open_requests - r)}
        for r in range(open_requests)
    ])  # fmt: skip
    await _insert(runtime, Offer, [
        {"request_id": rng.randint(1, open_requests), "operator_id": 1 + n % operators,
         "status": OfferStatus.DECLINED if n % 2 else OfferStatus.EXPIRED,
         "offered_at": NOW - timedelta(hours=1, seconds=n)}
        for n in range(3 * operators)
    ])  # fmt: skip


async def decide(
    runtime: Runtime, decisions: int, profiler: cProfile.Profile | None
) -> dict[str, Any]:
    """Time `offer_next` on queued requests picked at random, one unit of work each."""
    async with runtime.sessions() as session:
        queued = list(await session.scalars(
            select(ServiceRequest.id).where(ServiceRequest.status == RequestStatus.QUEUED)
        ))  # fmt: skip
    picked = random.Random(7).sample(queued, min(decisions, len(queued)))
    statements = [0]

    @event.listens_for(runtime.engine.sync_engine, "before_cursor_execute")
    def _count(*_: object) -> None:
        statements[0] += 1

    times, cpu, counts, offered = [], [], [], 0
    for request_id in picked:
        before, started, used = statements[0], time.perf_counter(), time.process_time()
        if profiler is not None:
            profiler.enable()
        async with runtime.unit() as ctx:
            request = await ctx.session.get(ServiceRequest, request_id)
            assert request is not None
            offered += await offer_next(ctx, request) is not None
        if profiler is not None:
            profiler.disable()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - used) * 1000)
        counts.append(statements[0] - before)
    return {
        "decisions": len(times), "offered": offered,
        "ms_median": round(statistics.median(times), 2),
        "ms_p99": round(percentile(times, 0.99), 2), "ms_max": round(max(times), 2),
        "cpu_ms_median": round(statistics.median(cpu), 2),
        "cpu_ms_p99": round(percentile(cpu, 0.99), 2),
        "statements_median": statistics.median(counts),
    }  # fmt: skip


async def run(args: argparse.Namespace, profiler: cProfile.Profile | None) -> dict[str, Any]:
    """Fill, then decide."""
    url = database_url(args.database_url)
    await fresh_schema(url)
    clock = ManualClock(NOW)
    runtime = Runtime.create(load_settings(DATABASE_URL=url, _env_file=None), clock)
    try:
        started = time.perf_counter()
        await fill(runtime, args.operators, args.open)
        filled = time.perf_counter() - started
        result = await decide(runtime, args.decisions, profiler)
    finally:
        await runtime.close()
    return {
        "database": runtime.settings.url.get_backend_name(), "operators": args.operators,
        "open_requests": args.open, "fill_seconds": round(filled, 1), **result,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--operators", type=int, default=1000)
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--decisions", type=int, default=300)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    profiler = cProfile.Profile() if args.profile else None
    result = asyncio.run(run(args, profiler))
    print(json.dumps(result, indent=2))
    print(table([
        ("operators / open requests", f"{result['operators']} / {result['open_requests']}"),
        ("decisions (offered)", f"{result['decisions']} ({result['offered']})"),
        ("ms per decision: median", str(result["ms_median"])),
        ("ms per decision: p99 (target < 5)", str(result["ms_p99"])),
        ("CPU ms per decision: median, p99", f"{result['cpu_ms_median']}, {result['cpu_ms_p99']}"),
        ("statements per decision (median)", str(result["statements_median"])),
    ]))  # fmt: skip
    if profiler is not None:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
        print(out.getvalue())


if __name__ == "__main__":
    main()
