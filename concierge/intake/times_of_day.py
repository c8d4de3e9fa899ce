"""Times of day in free text: an hour ("alle 10", "17:30", "at 5pm") or a part of the day
("mattina", "dopo pranzo", "this evening"), and when each starts and ends."""

from __future__ import annotations

import re
from datetime import time
from enum import StrEnum


class PartOfDay(StrEnum):
    """A stretch of the day people name instead of an hour."""

    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"


# Where a part of the day starts (what the bot reads it as) and ends (when the errand is late).
PART_SPAN: dict[PartOfDay, tuple[time, time]] = {
    PartOfDay.MORNING: (time(9), time(12)),
    PartOfDay.AFTERNOON: (time(15), time(18)),
    PartOfDay.EVENING: (time(19), time(21)),
}
END_OF_SERVICE_DAY = time(18)

PART_WORDS: dict[str, tuple[PartOfDay, int | None]] = {
    # word → part of the day, and the day it implies (0 = today) when it says so itself;
    # "this afternoon" before "afternoon", so that no "this" is left in the details
    # meals people time errands by ("dopo pranzo", "after lunch")
    "prima di pranzo": (PartOfDay.MORNING, None),
    "before lunch": (PartOfDay.MORNING, None),
    "dopo colazione": (PartOfDay.MORNING, None),
    "after breakfast": (PartOfDay.MORNING, None),
    "dopo pranzo": (PartOfDay.AFTERNOON, None),
    "dopopranzo": (PartOfDay.AFTERNOON, None),
    "after lunch": (PartOfDay.AFTERNOON, None),
    "prima di cena": (PartOfDay.AFTERNOON, None),
    "before dinner": (PartOfDay.AFTERNOON, None),
    "dopo cena": (PartOfDay.EVENING, None),
    "after dinner": (PartOfDay.EVENING, None),
    "ora di pranzo": (PartOfDay.MORNING, None),
    "lunchtime": (PartOfDay.MORNING, None),
    "this morning": (PartOfDay.MORNING, 0),
    "this afternoon": (PartOfDay.AFTERNOON, 0),
    "this evening": (PartOfDay.EVENING, 0),
    "questa mattina": (PartOfDay.MORNING, 0),
    "questo pomeriggio": (PartOfDay.AFTERNOON, 0),
    "questa sera": (PartOfDay.EVENING, 0),
    "stamattina": (PartOfDay.MORNING, 0),
    "stamani": (PartOfDay.MORNING, 0),
    "mattina": (PartOfDay.MORNING, None),
    "mattino": (PartOfDay.MORNING, None),
    "mattinata": (PartOfDay.MORNING, None),
    "morning": (PartOfDay.MORNING, None),
    "pomeriggio": (PartOfDay.AFTERNOON, None),
    "afternoon": (PartOfDay.AFTERNOON, None),
    "stasera": (PartOfDay.EVENING, 0),
    "sera": (PartOfDay.EVENING, None),
    "serata": (PartOfDay.EVENING, None),
    "evening": (PartOfDay.EVENING, None),
    "tonight": (PartOfDay.EVENING, 0),
}
_CLOCK_TIME = re.compile(
    r"(?:\b(?P<prefix>alle|ore|all'|verso le|dalle|entro le|per le|at|around|by|before)\s*)?"
    r"(?<![\d.,])(?P<h>[01]?\d|2[0-3])(?:[:.](?P<m>[0-5]\d))?\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)?"
    r"(?![\d.,]\d|\s*(?:euro|eur|€|%))(?=\W|$)"  # "45.50 euro" is an amount, not 45:50
)
# "Alle 5" in a working day is five in the afternoon: bare hours up to 7 are read as p.m.
LAST_MORNING_HOUR_READ_AS_PM = 7


def _hour(match: re.Match[str]) -> time:
    hour, minute, ampm = int(match["h"]), int(match["m"] or 0), (match["ampm"] or "")
    afternoon = ampm.startswith("p") or (not ampm and hour <= LAST_MORNING_HOUR_READ_AS_PM)
    if afternoon and 1 <= hour < 12:
        hour += 12
    elif ampm.startswith("a") and hour == 12:
        hour = 0
    return time(hour, minute)


def clock_time(text: str) -> tuple[time, str] | None:
    """An hour the text names ("alle 10", "17:30", "at 5pm") and the words that name it."""
    for match in _CLOCK_TIME.finditer(text):
        if match["prefix"] or match["m"] is not None or match["ampm"]:
            return _hour(match), match.group(0)
    return None
