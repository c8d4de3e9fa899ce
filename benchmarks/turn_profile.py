"""Where a turn's time goes: SQL statements and milliseconds per SMS turn, and a profile.

Usage: python benchmarks/turn_profile.py [--people 100] [--profile] [--database-url URL]
Each person walks the conversation of benchmarks/webhook_intake.py ("pacco domani", then "1"
to confirm: a request is made and offered to an operator) through handle_inbound, in process,
on a fresh SQLite file with the demo data (no HTTP, no signature). Prints JSON and a table:
statements, milliseconds (wall; CPU of the process) per step; with --profile, the 25
functions of most cumulative time.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import pstats
import statistics
import tempfile
import time
from collections import defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import event
from sqlalchemy import text as text_sql

from bot.runtime import Runtime
from concierge.clock import ManualClock
from concierge.database import transaction
from concierge.demo import load_demo
from concierge.intake.catalogue import ensure_default_services
from concierge.messages import Channel, Inbound
from concierge.migrate import upgrade
from concierge.settings import load_settings
from handlers.inbound import handle_inbound

CONVERSATION = ("pacco domani", "1")  # the request, then "1. Confermo"


async def run(
    people: int, database_url: str, profiler: cProfile.Profile | None
) -> dict[str, object]:
    """Walk every person through the conversation; statements and times per step."""
    clock = ManualClock(datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Rome")))
    runtime = Runtime.create(load_settings(DATABASE_URL=database_url, _env_file=None), clock)
    await upgrade(runtime.engine)
    async with transaction(runtime.sessions) as session:
        await ensure_default_services(session)
        await load_demo(session, clock.now())
    statements = [0]

    @event.listens_for(runtime.engine.sync_engine, "before_cursor_execute")
    def _count(*_: object) -> None:
        statements[0] += 1

    counts: dict[str, list[int]] = defaultdict(list)
    times: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    for step, text in enumerate(CONVERSATION):
        for person in range(people):
            clock.advance(timedelta(seconds=1))
            inbound = Inbound(
                channel=Channel.SMS, provider_message_id=f"SM{step}-{person}",
                sender=f"+39349{person:07d}", received_at=clock.now(), text=text,
            )  # fmt: skip
            before, started, cpu_started = statements[0], time.perf_counter(), time.process_time()
            if profiler is not None:
                profiler.enable()
            await handle_inbound(runtime.sessions, clock, runtime.settings, inbound)
            if profiler is not None:
                profiler.disable()
            times[text].append((time.perf_counter() - started) * 1000)
            # The process's CPU (aiosqlite's thread included): the machine's load inflates it less.
            cpu[text].append((time.process_time() - cpu_started) * 1000)
            counts[text].append(statements[0] - before)
    async with runtime.engine.connect() as connection:
        made = (await connection.execute(text_sql("SELECT count(*) FROM requests"))).scalar()
    await runtime.close()
    steps: dict[str, object] = {
        text: {
            "statements_median": statistics.median(counts[text]),
            "statements_max": max(counts[text]), "ms_median": statistics.median(times[text]),
            "ms_p99": sorted(times[text])[int(len(times[text]) * 0.99) - 1],
            "cpu_ms_median": statistics.median(cpu[text]),
        }
        for text in CONVERSATION
    }  # fmt: skip
    return {"requests_made": made, **steps}


def main() -> None:
    """Run, then print JSON, the table and (with --profile) the profile."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    profiler = cProfile.Profile() if args.profile else None
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{folder}/turns.sqlite3"
        result = asyncio.run(run(args.people, url, profiler))
    print(json.dumps(result, indent=2))
    print(f"\n{result['requests_made']} requests made by {args.people} people")
    print(f"\n{'turn':<30} {'statements':>10} {'ms median':>10} {'ms p99':>8} {'CPU ms':>7}")
    for text, row in result.items():
        if not isinstance(row, dict):
            continue
        print(
            f"{text:<30} {row['statements_median']:>10.0f} {row['ms_median']:>10.1f}"
            f" {row['ms_p99']:>8.1f} {row['cpu_ms_median']:>7.1f}"
        )
    if profiler is not None:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
        print(out.getvalue())


if __name__ == "__main__":
    main()
