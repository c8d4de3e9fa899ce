"""Idle memory of `concierge serve` (target 6: < 150 MB idle), on SQLite, with an empty
database and with 100,000 pending timers (the scheduler holds a window of them, not all).

Usage: python benchmarks/serve_memory.py [--timers 100000] [--settle 10]
Each run: a fresh SQLite file migrated, (timers added), `concierge serve` on a free loopback
port with no channel configured, its /healthz answered, `--settle` seconds for the scheduler
to lead and sync, then its resident memory (VmRSS) and peak (VmHWM). Prints JSON, a table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench_setup import database_url, fresh_schema, table
from timers_scale import fill

from bot.runtime import Runtime
from concierge.settings import load_settings

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _memory(pid: int) -> dict[str, float]:
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key = line.split(":")[0]
        if key in ("VmRSS", "VmHWM"):
            found[key] = round(int(line.split()[1]) / 1024, 1)
    return found


async def _prepare(url: str, timers: int) -> None:
    await fresh_schema(url)
    if timers:
        runtime = Runtime.create(load_settings(DATABASE_URL=url, _env_file=None))
        await fill(runtime, timers, 0, datetime.now(UTC))
        await runtime.close()


def measure(timers: int, settle: float) -> dict[str, float]:
    """Serve a fresh database (with `timers` pending) and read the process's memory idle."""
    url = database_url(None)
    asyncio.run(_prepare(url, timers))
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
    process = subprocess.Popen(
        [str(BIN / "concierge"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("concierge serve did not start")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    break
            except OSError:
                time.sleep(0.2)
        time.sleep(settle)
        return {"timers": timers, **_memory(process.pid)}
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--timers", type=int, default=100_000)
    parser.add_argument("--settle", type=float, default=10.0)
    args = parser.parse_args()
    runs = [measure(0, args.settle), measure(args.timers, args.settle)]
    print(json.dumps(runs, indent=2))
    print(table([
        (f"idle RSS / peak, {run['timers']} timers (target < 150 MB)",
         f"{run['VmRSS']} / {run['VmHWM']} MB")
        for run in runs
    ]))  # fmt: skip


if __name__ == "__main__":
    main()
