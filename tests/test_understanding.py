"""Free text read as a request: the service (typos forgiven), unsure readings, urgency,
language and the details left once the date is taken out; and the evaluation set."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from concierge.intake.understanding import understand
from tests.conftest import ROME

MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=ROME)
DATA = Path(__file__).parent / "data"
# intake_eval: 100 requests written for the intake issue. intake_holdout: 60 more, written later
# by someone who saw neither the code nor the first set (first measured at 88% services and 95%
# dates; general fixes for weekday names and words like "giu" then brought it up).
EVALUATION_SETS = [DATA / "intake_eval.jsonl", DATA / "intake_holdout.jsonl"]


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("pacco", "parcel"),
        ("ricetta dotore", "prescription"),
        ("stirare 5 camicie", "ironing"),
        ("bolleta della luce", "bill_payment"),
        ("accompagnare papà a una visita dal medico", "accompaniment"),
        ("comprare le medicine in farmacia", "prescription"),
        ("walk the dog on Saturday", "home_watch"),
        ("the kitchen tap is leaking", "home_repair"),
    ],
)
def test_the_service_is_recognised(text: str, category: str) -> None:
    reading = understand(text, MONDAY_9, ROME)
    assert (reading.category, reading.sure) == (category, True)


def test_unsure_readings_say_so() -> None:
    vague = understand("devo ritirare una cosa", MONDAY_9, ROME)
    assert (vague.sure, vague.candidates) == (False, ("parcel",))
    nothing = understand("prenotare un ristorante", MONDAY_9, ROME)
    assert (nothing.category, nothing.sure, nothing.candidates) == ("other", False, ())


def test_urgency_language_and_details() -> None:
    reading = understand("URGENTE: domani mattina ritirare il pacco Amazon", MONDAY_9, ROME)
    assert reading.urgent and reading.language == "it"
    assert reading.details == "URGENTE: ritirare il pacco Amazon"
    assert reading.summary(ROME) == {
        "category": "parcel",
        "when": "2026-11-24T09:00:00+01:00",
        "urgent": True,
        "sure": True,
        "candidates": ["parcel"],
        "deadline": False,
        "language": "it",
        "details": "URGENTE: ritirare il pacco Amazon",
        "recurrence": None,
        "until": None,
    }
    english = understand("could you pick up my prescription by Thursday?", MONDAY_9, ROME)
    assert (english.language, english.urgent, english.when is not None) == ("en", False, True)
    assert english.details == "could you pick up my prescription"


@pytest.mark.parametrize("path", EVALUATION_SETS, ids=lambda path: path.stem)
def test_the_evaluation_sets(path: Path) -> None:
    """At least 90% of the codes and 85% of the dates of realistic requests are right."""
    cases = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(cases) >= 60
    assert {case["lang"] for case in cases} == {"it", "en"}
    codes = dates = 0
    misses = []
    for case in cases:
        reading = understand(case["text"], datetime.fromisoformat(case["now"]), ROME, case["lang"])
        day = reading.when.day.isoformat() if reading.when else None
        codes += reading.category == case["category"]
        dates += day == case["date"]
        if (reading.category, day) != (case["category"], case["date"]):
            misses.append(f"{case['text']!r}: {reading.category}/{day}")
    print(f"codes {codes}/{len(cases)}, dates {dates}/{len(cases)}", *misses, sep="\n")
    assert codes >= 0.90 * len(cases), misses
    assert dates >= 0.85 * len(cases), misses
