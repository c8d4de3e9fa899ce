"""Scheduling 100,000 timers: from start to ready, how late they fire, and memory.

Usage: python benchmarks/timers_scale.py [--timers 100000] [--due-soon 300] [--database-url URL]
Fills a fresh database with pending timers (parcel reminders for parcels that are not there,
so firing one is the scheduler's work and a no-op action): `--due-soon` of them due 10 to 40
seconds after the start, spread evenly, the rest over the next 30 days. Then starts the
service's SchedulingService (leader election, APScheduler with its persistent job store, the
sync of timers into jobs, the domain worker) with the real clock, and measures: seconds from
start to ready (leading and synced), each due-soon timer's lateness (fired_at − due_at) and
this process's resident memory after the sync and at its peak. Stops by itself. Prints JSON,
then a table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench_setup import database_url, fresh_schema, percentile, rss_mb, table

from bot.runtime import Runtime
from concierge.clock import SystemClock
from concierge.database import transaction
from concierge.schema import Base  # noqa: F401  (every table mapped)
from concierge.settings import load_settings
from concierge.timers import Timer, TimerKind, TimerStatus
from scheduling.service import SchedulingService

FIRST_DUE, LAST_DUE = 10.0, 40.0  # seconds after the start, for the due-soon timers
SUBJECT = 10_000_000  # no parcel has this id or above


async def fill(runtime: Runtime, timers: int, due_soon: int, start: datetime) -> None:
    """The pending timers: a few due during the run, the rest over the next 30 days."""
    span = (LAST_DUE - FIRST_DUE) / max(due_soon - 1, 1)
    soon = [start + timedelta(seconds=FIRST_DUE + n * span) for n in range(due_soon)]
    later = [
        start + timedelta(hours=1, seconds=n * 30 * 86400 / timers)
        for n in range(timers - due_soon)
    ]
    rows = [
        {"kind": TimerKind.PARCEL_REMINDER, "subject_id": SUBJECT + n, "due_at": due,
         "status": TimerStatus.PENDING, "created_at": start}
        for n, due in enumerate(soon + later)
    ]  # fmt: skip
    async with transaction(runtime.sessions) as session:
        for first in range(0, len(rows), 5000):
            await session.execute(insert(Timer), rows[first : first + 5000])


async def _fired_soon(runtime: Runtime, due_soon: int, start: datetime) -> list[Timer]:
    async with runtime.sessions() as session:
        rows = await session.scalars(
            select(Timer).where(
                Timer.subject_id >= SUBJECT,
                Timer.due_at <= start + timedelta(seconds=LAST_DUE + 1),
                Timer.status == TimerStatus.FIRED,
            )
        )
        return list(rows.all())


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Fill, start the scheduling service, wait for the due-soon timers, measure."""
    url = database_url(args.database_url)
    await fresh_schema(url)
    settings = load_settings(DATABASE_URL=url, _env_file=None)
    runtime = Runtime.create(settings, SystemClock())
    start = datetime.now(UTC)
    await fill(runtime, args.timers, args.due_soon, start)
    async with runtime.sessions() as session:
        pending = await session.scalar(
            select(func.count(Timer.id)).where(Timer.status == TimerStatus.PENDING)
        )
    filled_rss = rss_mb()
    service = SchedulingService(settings, runtime.clock)
    began = time.monotonic()
    service.start()
    ready = await asyncio.to_thread(service.synced.wait, args.ready_limit)
    to_ready = time.monotonic() - began
    ready_rss = rss_mb()
    deadline = time.monotonic() + LAST_DUE + 60
    fired: list[Timer] = []
    while time.monotonic() < deadline:
        fired = await _fired_soon(runtime, args.due_soon, start)
        if len(fired) >= args.due_soon:
            break
        await asyncio.sleep(1)
    await service.stop()
    await runtime.close()
    late = [(t.fired_at - t.due_at).total_seconds() for t in fired if t.fired_at is not None]
    return {
        "database": settings.url.get_backend_name(), "pending_timers": pending,
        "ready": ready, "start_to_ready_seconds": round(to_ready, 2),
        "due_soon": args.due_soon, "fired": len(fired),
        "lateness_seconds": {
            "median": round(statistics.median(late), 3) if late else None,
            "p99": round(percentile(late, 0.99), 3) if late else None,
            "max": round(max(late), 3) if late else None,
        },
        "rss_mb": {"after_fill": round(filled_rss), "after_ready": round(ready_rss),
                   "peak": round(rss_mb("VmHWM"))},
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--timers", type=int, default=100_000)
    parser.add_argument("--due-soon", type=int, default=300)
    parser.add_argument("--ready-limit", type=float, default=600.0)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    result = asyncio.run(run(args))
    print(json.dumps(result, indent=2))
    late, rss = result["lateness_seconds"], result["rss_mb"]
    print(table([
        ("pending timers", str(result["pending_timers"])),
        ("start to ready (target < 10 s)", f"{result['start_to_ready_seconds']} s"),
        ("due-soon timers fired", f"{result['fired']} of {result['due_soon']}"),
        ("lateness median / p99 / max (p99 < 1 s)",
         f"{late['median']} / {late['p99']} / {late['max']} s"),
        ("RSS after ready / peak (target < 300 MB)", f"{rss['after_ready']} / {rss['peak']} MB"),
    ]))  # fmt: skip


if __name__ == "__main__":
    main()
