"""How long the command line takes to start: `concierge --help` and `concierge jobs` (on a
fresh, migrated SQLite file), each run N times as a user runs it, in a new process.

Usage: python benchmarks/cli_startup.py [--runs 10]
Prints one JSON object (wall and CPU seconds of every run, the load average before and after)
and a short table: median and p95 wall, median CPU. The machine is shared: compare CPU times
and runs made together, not wall times of different days.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMANDS = {"--help": ["--help"], "jobs": ["jobs"]}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """One run of the command line: (wall seconds, CPU seconds of the child)."""
    cpu, start = _cpu(), time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"concierge {' '.join(args)} failed: {done.stderr.strip()}")
    return wall, _cpu() - cpu


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    """Migrate a fresh SQLite file, then time each command `--runs` times."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as folder:
        cwd = Path(folder)  # no .env here: the settings are the ones below
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{cwd}/concierge.sqlite3", "LANG": "C"}
        _run(["db", "upgrade"], env, cwd)
        load_before = os.getloadavg()[0]
        results: dict[str, dict[str, list[float]]] = {}
        for name, args in COMMANDS.items():
            _run(args, env, cwd)  # one warm-up: byte-code compiled, files in the page cache
            timed = [_run(args, env, cwd) for _ in range(runs)]
            results[name] = {"wall": [w for w, _ in timed], "cpu": [c for _, c in timed]}
        load_after = os.getloadavg()[0]
    print(json.dumps({"runs": runs, "cores": os.cpu_count(), "load": [load_before, load_after],
                      "results": results}))  # fmt: skip
    print(f"{'command':<12} {'median wall':>12} {'p95 wall':>10} {'median CPU':>11}")
    for name, timed in results.items():
        print(
            f"{name:<12} {statistics.median(timed['wall']):>11.2f}s "
            f"{_p95(timed['wall']):>9.2f}s {statistics.median(timed['cpu']):>10.2f}s"
        )
    print(f"load average {load_before:.1f} before, {load_after:.1f} after; {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
