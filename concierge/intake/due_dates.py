"""When a request is for, read from free text: dateparser finds the dates, and a thin, tested
layer around it handles what it gets wrong in Italian (times of day, "alle 10", bare day numbers
such as "entro il 30", "dopodomani", far-future years)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from dateparser.search import search_dates

from concierge.intake.words import fold


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

_PART_WORDS: dict[str, tuple[PartOfDay, int | None]] = {
    # word → part of the day, and the day it implies (0 = today) when it says so itself;
    # "this afternoon" before "afternoon", so that no "this" is left in the details
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
# Relative days dateparser misreads in Italian ("dopodomani") or in English ("day after
# tomorrow" comes back as tomorrow), and the weekend, which it does not know.
_RELATIVE_DAYS: tuple[tuple[re.Pattern[str], int | str], ...] = (
    (re.compile(r"\bdopo\s*domani\b|\bday after tomorrow\b"), 2),
    # Past days, read so that the dialogue can say they are past instead of ignoring them.
    (re.compile(r"\b(?:l')?altro\s*ieri\b|\bday before yesterday\b"), -2),
    (re.compile(r"\bieri\b|\byesterday\b"), -1),
    (re.compile(r"\b(?:questo |this |nel |al |the )?(?:week-?end|fine settimana)\b"), "saturday"),
    (re.compile(r"\b(?:la )?(?:prossima settimana|settimana prossima|next week)\b"), 7),
    (re.compile(r"\b(?:tra|fra) (?:una|1) settimana\b|\bin (?:a|one) week\b"), 7),
)
# Answers that mean "no particular time" when the bot asks when.
AS_SOON_AS_POSSIBLE = re.compile(
    r"^\W*(?:appena possibile|prima possibile|al piu presto|quando potete|subito|asap|"
    r"as soon as possible|whenever|any time|anytime|quando volete|non importa)\W*$"
)
# Ages and lengths of time ("88 anni", "3 ore") that dateparser would take for dates.
_DURATION = re.compile(
    r"\b\d+\s*(?:anni|anno|ore|ora|minuti|mesi|years?|hours?|minutes?|months?|h)\b"
)
_ABBREVIATIONS = (
    (re.compile(r"\bdomatina\b"), "domani mattina"),
    (re.compile(r"\bdmn\b"), "domani"),
)
_RECURRING = re.compile(r"\b(?:ogni|tutte le|tutti i|every)\s*$")
_DEADLINE = re.compile(r"\b(?:entro|non oltre|prima di|by|before|no later than|within)\b")
_CLOCK_TIME = re.compile(
    r"(?:\b(?P<prefix>alle|ore|all'|verso le|dalle|entro le|per le|at|around|by|before)\s*)?"
    r"(?<![\d.,])(?P<h>[01]?\d|2[0-3])(?:[:.](?P<m>[0-5]\d))?\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)?"
    r"(?![\d.,]\d|\s*(?:euro|eur|€|%))(?=\W|$)"  # "45.50 euro" is an amount, not 45:50
)
# "Alle 5" in a working day is five in the afternoon: bare hours up to 7 are read as p.m.
LAST_MORNING_HOUR_READ_AS_PM = 7
_MONTHS = (
    "gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|novembre|"
    "dicembre|january|february|march|april|may|june|july|august|september|october|november|"
    "december|gen|feb|mar|apr|mag|giu|lug|ago|set|ott|nov|dic|jan|jun|jul|aug|sep|oct|dec"
)
_NOT_A_DAY_AFTER = rf"(?!\s*(?:/|\.\d|-\d|:|(?:di )?(?:{_MONTHS})\b|am\b|pm\b|euro|€|%))"
_BARE_DAYS = (
    re.compile(  # "entro il 30", "per l'8", "on the 5th", "by the 30th", "il 12"
        r"\b(?:(?:entro il|entro|per il|il|on the|by the|on)\s+|(?:entro |per )?l')"
        r"(?P<d>[12]?\d|3[01])(?:st|nd|rd|th)?\b" + _NOT_A_DAY_AFTER
    ),
    re.compile(r"\bthe\s+(?P<d>[12]?\d|3[01])(?:st|nd|rd|th)\b" + _NOT_A_DAY_AFTER),
)
# Words that make a text worth handing to dateparser; without any, it is not called at all.
_DATE_HINT = re.compile(
    r"\d|\b(?:oggi|domani|ieri|lunedi|martedi|mercoledi|giovedi|venerdi|sabato|domenica|"
    r"settimana|giorni|giorno|mese|today|tomorrow|monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday|week|days|month|tonight|now|" + _MONTHS + r")\b"
)
# A dateparser match must hold one of these: "giu" (down) alone is not June, nor "ago" August.
_STRONG_DATE = re.compile(
    r"\d|\b(?:oggi|domani|today|tomorrow|tonight|now|settimana|week|giorni|days|"
    r"gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|novembre|"
    r"dicembre|january|february|march|april|may|june|july|august|september|october|november|"
    r"december)\b"
)
_WEEKDAYS = {
    name: number
    for number, names in enumerate(
        (
            ("lunedi", "monday", "mon"),
            ("martedi", "tuesday", "tue"),
            ("mercoledi", "wednesday", "wed"),
            ("giovedi", "thursday", "thu"),
            ("venerdi", "friday", "fri"),
            ("sabato", "saturday", "sat"),
            ("domenica", "sunday", "sun"),
        )
    )
    for name in names
}
_WEEKDAY = re.compile(
    r"\b(?P<every>ogni |tutti i |tutte le |every |il |on )?(?:(?:questo|prossimo|this|next) )?"
    r"(?P<name>" + "|".join(_WEEKDAYS) + r")\b(?!\s*\d)"
)
_SETTINGS_BASE = {
    "PREFER_DATES_FROM": "future",
    "DATE_ORDER": "DMY",
    "RETURN_AS_TIMEZONE_AWARE": False,
}


@dataclass(frozen=True)
class When:
    """The day a request is for, with an hour or a part of the day when the text gave one."""

    day: date
    at: time | None = None
    part: PartOfDay | None = None
    deadline: bool = False  # "entro", "by": the day is a limit, not an appointment

    @property
    def kind(self) -> str:
        """How the requester put it: 'time', 'morning'…, 'day' or 'deadline' (see format_due)."""
        if self.at is not None:
            return "time"
        if self.deadline:
            return "deadline"
        return self.part.value if self.part is not None else "day"

    def moment(self, zone: ZoneInfo) -> datetime | None:
        """The local moment meant: the hour, or the start of the part of the day; else None."""
        start = self.at or (PART_SPAN[self.part][0] if self.part else None)
        return datetime.combine(self.day, start, tzinfo=zone) if start else None

    def due(self, zone: ZoneInfo) -> datetime:
        """When the errand is late: the hour, the end of the part of day, or of the service day."""
        end = self.at or (PART_SPAN[self.part][1] if self.part else END_OF_SERVICE_DAY)
        return datetime.combine(self.day, end, tzinfo=zone)

    def iso(self, zone: ZoneInfo) -> str:
        """ISO-8601: a date-time when an hour or part of day is known, else a date."""
        moment = self.moment(zone)
        return moment.isoformat() if moment else self.day.isoformat()


@dataclass(frozen=True)
class FoundWhen:
    """What `extract_when` read, and the pieces of text it read it from."""

    when: When
    spans: tuple[str, ...]


def _hour(match: re.Match[str]) -> time:
    hour, minute, ampm = int(match["h"]), int(match["m"] or 0), (match["ampm"] or "")
    afternoon = ampm.startswith("p") or (not ampm and hour <= LAST_MORNING_HOUR_READ_AS_PM)
    if afternoon and 1 <= hour < 12:
        hour += 12
    elif ampm.startswith("a") and hour == 12:
        hour = 0
    return time(hour, minute)


def _clock_time(text: str) -> tuple[time, str] | None:
    """An hour the text names ("alle 10", "17:30", "at 5pm") and the words that name it."""
    for match in _CLOCK_TIME.finditer(text):
        if match["prefix"] or match["m"] is not None or match["ampm"]:
            return _hour(match), match.group(0)
    return None


def _next_day_of_month(day_number: int, today: date) -> date | None:
    year, month = today.year, today.month
    for _ in range(13):
        try:
            candidate = date(year, month, day_number)
        except ValueError:
            candidate = None
        if candidate is not None and candidate >= today:
            return candidate
        month = month % 12 + 1
        year += month == 1
    return None


def _sane_year(found: date, today: date) -> date:
    """dateparser may put a day in 2110; people mean its next occurrence from today."""
    if today - timedelta(days=1) <= found <= today + timedelta(days=366):
        return found
    for year in (today.year, today.year + 1):
        try:
            candidate = found.replace(year=year)
        except ValueError:  # 29 February
            continue
        if candidate >= today:
            return candidate
    return found


def _dateparser_day(text: str, language: str, now: datetime) -> tuple[date, str] | None:
    if not _DATE_HINT.search(text):
        return None
    settings = {**_SETTINGS_BASE, "RELATIVE_BASE": now.replace(tzinfo=None)}
    found = search_dates(text, languages=[language], settings=settings)
    for phrase, moment in found or ():
        if phrase.strip().isdigit() or not _STRONG_DATE.search(phrase):
            continue  # a lone number ("5 camicie"), or a word that only looks like a month
        return _sane_year(moment.date(), now.date()), phrase
    return None


class _Reading:
    """The text still to read, and the pieces already read from it."""

    def __init__(self, text: str) -> None:
        self.rest = " " + fold(text) + " "
        for pattern, spelled_out in _ABBREVIATIONS:
            self.rest = pattern.sub(spelled_out, self.rest)
        self.rest = _DURATION.sub(" ", self.rest)
        self.spans: list[str] = []

    def take(self, phrase: str) -> None:
        self.spans.append(phrase.strip())
        self.rest = self.rest.replace(phrase, " ", 1)


def _part_of_day(reading: _Reading, today: date) -> tuple[PartOfDay | None, date | None]:
    for word, (part, implied_day) in _PART_WORDS.items():
        match = re.search(rf"\b{word}\b", reading.rest)
        if match is None:
            continue
        if _RECURRING.search(reading.rest[: match.start()]):
            return None, None  # "ogni mattina", "every evening": a habit, not a day
        reading.take(match.group(0))
        return part, (today + timedelta(days=implied_day) if implied_day is not None else None)
    return None, None


def _relative_day(reading: _Reading, today: date) -> date | None:
    for pattern, shift in _RELATIVE_DAYS:
        match = pattern.search(reading.rest)
        if match:
            reading.take(match.group(0))
            if shift == "saturday":  # on a Saturday, "this weekend" is today
                return today + timedelta(days=(5 - today.weekday()) % 7)
            assert isinstance(shift, int)
            return today + timedelta(days=shift)
    return None


def _weekday(reading: _Reading, today: date) -> date | None:
    """The next such weekday ("giovedì", "by Thursday"; today's name means a week on)."""
    match = _WEEKDAY.search(reading.rest)
    if match is None or (match["every"] or "").strip() in ("ogni", "tutti i", "tutte le", "every"):
        return None
    reading.take(match.group(0))
    return today + timedelta(days=(_WEEKDAYS[match["name"]] - today.weekday()) % 7 or 7)


def _bare_day(reading: _Reading, today: date) -> date | None:
    for pattern in _BARE_DAYS:
        match = pattern.search(reading.rest)
        if match:
            reading.take(match.group(0))
            return _next_day_of_month(int(match["d"]), today)
    return None


def extract_when(text: str, now: datetime, zone: ZoneInfo, language: str) -> FoundWhen | None:
    """The day (and hour or part of day) a text asks for, relative to `now`; None if none."""
    local_now = now.astimezone(zone)
    today = local_now.date()
    reading = _Reading(text)
    deadline = bool(_DEADLINE.search(reading.rest))
    part, day = _part_of_day(reading, today)
    at: time | None = None
    clock = _clock_time(reading.rest)
    if clock is not None:
        at = clock[0]
        reading.take(clock[1])
    day = (
        day
        or _relative_day(reading, today)
        or _bare_day(reading, today)
        or _weekday(reading, today)
    )
    if day is None:
        parsed = _dateparser_day(reading.rest, language, local_now)
        if parsed is not None:
            day = parsed[0]
            reading.take(parsed[1])
    if day is None and (at is not None or part is not None):
        # Only an hour or a part of the day: today if it is still ahead, else tomorrow.
        start = at if at is not None else PART_SPAN[part][0] if part is not None else time(0)
        ahead = datetime.combine(today, start, tzinfo=zone) > local_now
        day = today if ahead else today + timedelta(days=1)
    if day is None:
        return None
    when = When(day=day, at=at, part=None if at else part, deadline=deadline)
    return FoundWhen(when, tuple(span for span in reading.spans if span))
