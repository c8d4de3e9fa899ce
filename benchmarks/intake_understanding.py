"""How long reading one free-text request takes (service, date, urgency, language).

Usage: python benchmarks/intake_understanding.py [--rounds 20]
Reads every text of tests/data/intake_eval.jsonl `rounds` times after one cold call, and prints
the cold start (dateparser loading its language data, the service classifier training), the
classifier's training alone, the per-text mean, median and p95 (wall clock and CPU: on a shared
machine the wall clock mostly measures the others' load) and the process's peak memory.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from concierge.intake.service_model import ServiceModel, read_corpus
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
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB
    training = time.process_time()
    ServiceModel(read_corpus())
    training = time.process_time() - training
    timings = []
    cpu = time.process_time()
    for _ in range(args.rounds):
        for case in cases:
            now = datetime.fromisoformat(case["now"])
            started = time.perf_counter()
            understand(case["text"], now, ROME, case["lang"])
            timings.append(time.perf_counter() - started)
    cpu = (time.process_time() - cpu) / len(timings)
    timings.sort()
    print(f"texts           {len(cases)} x {args.rounds} rounds")
    print(f"cold start      {cold * 1000:.0f} ms (wall)")
    print(f"training        {training * 1000:.0f} ms of CPU (the classifier, again)")
    print(f"peak memory     {peak_mb:.0f} MB after the first message")
    print(f"CPU per text    {cpu * 1000:.2f} ms")
    print(f"mean per text   {statistics.mean(timings) * 1000:.2f} ms")
    print(f"median          {statistics.median(timings) * 1000:.2f} ms")
    print(f"p95             {timings[int(len(timings) * 0.95)] * 1000:.2f} ms")


if __name__ == "__main__":
    main()
