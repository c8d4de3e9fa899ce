"""How many web chat turns per second one process handles, and how fast the outbox drains.

Usage: python benchmarks/inbound_throughput.py [--requests 300] [--database-url URL]
Each request is two turns ("pacco domani", then Confirm) from a different resident; the
second turn creates the request, offers it to an operator and writes three outbox rows.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.outbox_sender import OutboxSender
from bot.runtime import Runtime
from bot.webchat.channel import WebChatSender
from concierge.clock import ManualClock
from concierge.database import transaction
from concierge.demo import load_demo
from concierge.intake.catalogue import ensure_default_services
from concierge.messages import Channel, Inbound
from concierge.migrate import upgrade
from concierge.settings import load_settings
from handlers.inbound import handle_inbound


async def run(count: int, database_url: str) -> None:
    """Drive `count` requests through the dialogues and drain the outbox, printing figures."""
    clock = ManualClock(datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Rome")))
    runtime = Runtime.create(load_settings(DATABASE_URL=database_url, _env_file=None), clock)
    await upgrade(runtime.engine)
    async with transaction(runtime.sessions) as session:
        await ensure_default_services(session)
        await load_demo(session, clock.now())

    def inbound(n: int, step: str, **content: str) -> Inbound:
        return Inbound(
            channel=Channel.WEBCHAT, provider_message_id=f"bench-{n}-{step}",
            sender=f"+39340{3000000 + n}", received_at=clock.now(), **content,
        )  # fmt: skip

    started = time.perf_counter()
    for n in range(count):
        await handle_inbound(
            runtime.sessions, clock, runtime.settings, inbound(n, "a", text="pacco domani")
        )
        await handle_inbound(
            runtime.sessions, clock, runtime.settings, inbound(n, "b", choice="confirm")
        )
    turns = time.perf_counter() - started

    sender = OutboxSender(runtime, {Channel.WEBCHAT: WebChatSender()})
    started = time.perf_counter()
    delivered = 0
    while batch := await sender.deliver_due():
        delivered += batch
    drain = time.perf_counter() - started
    await runtime.close()

    print(f"database        {runtime.settings.url.get_backend_name()}")
    print(f"turns           {2 * count} in {turns:.2f} s = {2 * count / turns:.0f} turns/s")
    print(f"per turn        {1000 * turns / (2 * count):.1f} ms")
    print(f"outbox drained  {delivered} rows in {drain:.2f} s = {delivered / drain:.0f} rows/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        asyncio.run(run(args.requests, url))


if __name__ == "__main__":
    main()
