"""How long reading one free-text request takes (service, date, urgency, language).

Usage: python benchmarks/intake_understanding.py [--rounds 20]
Reads every text of tests/data/intake_eval.jsonl `rounds` times after one cold call, and prints
the cold start (dateparser loading its language data) and the per-text mean, median and p95.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from concierge.intake.understanding import understand

EVALUATION_SET = Path(__file__).resolve().parent.parent / "tests" / "data" / "intake_eval.jsonl"
ROME = ZoneInfo("Europe/Rome")


def main() -> None:
    """Time `understand` over the evaluation set and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    cases = [json.loads(line) for line in EVALUATION_SET.read_text().splitlines()]
    started = time.perf_counter()
    understand("domani alle 10", datetime.now(ROME), ROME)
    cold = time.perf_counter() - started
    timings = []
    for _ in range(args.rounds):
        for case in cases:
            now = datetime.fromisoformat(case["now"])
            started = time.perf_counter()
            understand(case["text"], now, ROME, case["lang"])
            timings.append(time.perf_counter() - started)
    timings.sort()
    print(f"texts           {len(cases)} x {args.rounds} rounds")
    print(f"cold start      {cold * 1000:.0f} ms")
    print(f"mean per text   {statistics.mean(timings) * 1000:.2f} ms")
    print(f"median          {statistics.median(timings) * 1000:.2f} ms")
    print(f"p95             {timings[int(len(timings) * 0.95)] * 1000:.2f} ms")


if __name__ == "__main__":
    main()
