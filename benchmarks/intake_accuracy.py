"""How often intake reads a labelled set right: service, day, and kind of recurrence.

Usage: python benchmarks/intake_accuracy.py FILE [--misses]
FILE holds JSON Lines written blind: {"text", "now", "lang", "service", "when", "urgent",
"recurrence"}, or the project's first sets' {"text", "now", "lang", "category", "date"} (no
recurrence nor urgency labelled there: those count as none and not urgent). A date counts as
right when its day matches (as tests/test_understanding.py scores the project's own sets); a
recurrence when its kind does (none, daily, weekly, every_n_days, monthly). Only the figures
are printed unless --misses is given (never use it on the held-out set: its lines are not to be
read).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from concierge.intake.catalogue import DEFAULT_SERVICE_CODES
from concierge.intake.service_model import ServiceModel
from concierge.intake.understanding import understand

ROME = ZoneInfo("Europe/Rome")
# The blind writer named three services in his own words; the catalogue's codes for them.
SERVICE_ALIASES = {"bills": "bill_payment", "accompany": "accompaniment", "repairs": "home_repair"}


@dataclass
class Score:
    """Right answers out of `total`, and what was missed."""

    total: int = 0
    services: int = 0
    dates: int = 0
    recurrences: int = 0
    urgent: int = 0
    recurring_total: int = 0
    recurring_right: int = 0
    by_service: dict[str, list[int]] = field(default_factory=dict)  # code → [right, total]


def score_case(case: dict[str, Any], score: Score, model: ServiceModel | None = None) -> str | None:
    """Score one labelled line; a description of the miss, or None when all is right.
    `model`: the service classifier to read with (default: the one trained on everything)."""
    now = datetime.fromisoformat(case["now"])
    reading = understand(case["text"], now, ROME, case["lang"], model=model)
    label = case.get("service", case.get("category"))
    service = SERVICE_ALIASES.get(label, label)
    day = reading.when.day.isoformat() if reading.when else None
    labelled_when = case.get("when", case.get("date"))
    expected_day = labelled_when[:10] if labelled_when else None
    freq = reading.recurrence.freq if reading.recurrence else None
    expected_freq = (case.get("recurrence") or {}).get("freq")
    right = (reading.category == service, day == expected_day, freq == expected_freq)
    score.total += 1
    tally = score.by_service.setdefault(service, [0, 0])
    tally[0] += right[0]
    tally[1] += 1
    score.services += right[0]
    score.dates += right[1]
    score.recurrences += right[2]
    score.urgent += reading.urgent == case.get("urgent", False)
    if expected_freq is not None:
        score.recurring_total += 1
        score.recurring_right += right[2]
    if all(right):
        return None
    got = f"{reading.category}/{day}/{freq}"
    return f"{case['text'][:90]!r}: {got} want {service}/{expected_day}/{expected_freq}"


def score_file(path: Path, model: ServiceModel | None = None) -> tuple[Score, list[str]]:
    """Score every line of a labelled set (services read with `model`, if given)."""
    score = Score()
    misses = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            missed = score_case(json.loads(line), score, model)
            if missed is not None:
                misses.append(missed)
    return score, misses


def main() -> None:
    """Print the figures for one labelled set."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("file", type=Path)
    parser.add_argument("--misses", action="store_true")
    args = parser.parse_args()
    score, misses = score_file(args.file)
    total = max(score.total, 1)
    print(f"lines        {score.total}")
    for name, right in (
        ("services", score.services),
        ("dates", score.dates),
        ("recurrence", score.recurrences),
        ("urgency", score.urgent),
    ):
        print(f"{name:<12} {right}/{score.total} = {right / total:.0%}")
    recurring = max(score.recurring_total, 1)
    print(
        f"recurring    {score.recurring_right}/{score.recurring_total} = "
        f"{score.recurring_right / recurring:.0%} (of the lines labelled recurring)"
    )
    known = set(DEFAULT_SERVICE_CODES)
    for code, (right, count) in sorted(score.by_service.items()):
        print(f"  {code:<14} {right}/{count}{'' if code in known else '  (not a catalogue code)'}")
    if args.misses:
        print(*misses, sep="\n")


if __name__ == "__main__":
    main()
