"""Asks that come back ("tutti i venerdì", "ogni 2 giorni", "every other Monday", "il primo del
mese"): how often, on which days, until when. Only read here; no series of requests is made.

Habits that are no schedule ("ogni tanto", "ogni volta che", "every door") are not recurrence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, time, timedelta
from typing import Literal

from concierge.intake.times_of_day import PartOfDay
from concierge.intake.words import WEEKDAY_NAMES, WEEKDAY_PATTERN

Frequency = Literal["daily", "weekly", "every_n_days", "monthly"]
DAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_DAY_NAMES = WEEKDAY_NAMES
_DAY = WEEKDAY_PATTERN
_NUMBER_WORDS = {
    "due": 2, "tre": 3, "quattro": 4, "cinque": 5, "sei": 6, "sette": 7, "dieci": 10,
    "quindici": 15, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "ten": 10, "fifteen": 15, "other": 2, "altro": 2, "altra": 2,
}  # fmt: skip
_N = r"(?P<n>\d{1,2}|" + "|".join(_NUMBER_WORDS) + ")"
_ORDINAL_DAYS = {
    "primo": 1, "first": 1, "1st": 1, "1": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3,
}  # fmt: skip

# Phrases that look like a schedule and are none: "ogni tanto", "ogni volta che", "every door".
_NOT_RECURRENCE = re.compile(
    r"\b(?:ogni tanto|ogni volta|ogni cosa|ogni porta|ogni stanza|ogni caso|ogni modo|"
    r"every time|every door|every room|every now and then|every so often|everyone|"
    r"everything|every single one)\b"
)
_EVERY = r"(?:ogni|tutti i|tutte le|every|each|di|on|il|la)"
_WEEKLY_DAYS = re.compile(
    rf"\b(?:{_EVERY}\s+)?(?:(?P<other>other|altro|altra|second[oa]?)\s+)?"
    rf"(?P<first>{_DAY})(?P<more>(?:(?:\s*(?:,|e|and|&|o|or|\+|/)\s*|\.?\s+)(?:(?:il|la|on)\s+)?"
    rf"{_DAY})*)\b"
)
_EVERY_N_DAYS = re.compile(
    rf"\b(?:ogni|every)\s+{_N}\s+(?:giorni|gg|days)\b|\b(?:a giorni alterni|un giorno si e uno no|"
    r"every other day|every second day|on alternate days)\b"
)
_EVERY_N_WEEKS = re.compile(
    rf"\b(?:ogni|every)\s+{_N}\s+(?:settimane|sett|weeks)\b|\bfortnightly\b|\bbiweekly\b|"
    r"\bogni quindici giorni\b|\bogni 15 (?:giorni|gg)\b|\bquindicinale\b|\ba settimane alterne\b"
)
_DAILY = re.compile(
    r"\b(?:ogni|tutti i|tutte le|every|each)\s+(?:giorno|giorni|gg|mattina|mattine|sera|sere|"
    r"pomeriggio|pomeriggi|day|morning|evening|afternoon|night)\b|"
    r"\b(?:daily|quotidianamente|giornalmente|tutti i santi giorni|once a day|"
    r"volta al (?:giorno|gg)|each day|every single day)\b"
)
_WEEKLY_PLAIN = re.compile(
    r"\b(?:ogni settimana|tutte le settimane|every week|each week|weekly|once a week|"
    r"una volta (?:a|alla|per) settimana|settimanalmente|twice a week|due volte a settimana)\b"
)
_MONTHLY = re.compile(
    r"\b(?:ogni mese|tutti i mesi|every month|each month|monthly|mensilmente|once a month|"
    r"una volta al mese|(?:il|the)\s+(?:primo|first|1st|1)\s+(?:del|di ogni|of (?:the|every|each))"
    r"\s+(?:mese|month)|(?:ogni|every)\s+(?:primo|first|1st)\s+(?:del mese|of the month))\b"
)
_NTH_WEEKDAY = re.compile(
    rf"\b(?:ogni|il|la|every|the|on the)\s+(?P<nth>primo|prima|secondo|seconda|terzo|terza|"
    rf"first|second|third|1st|2nd|3rd)\s+(?P<first>{_DAY})\s+(?:del|di ogni|of (?:the|every|each))"
    r"\s+(?:mese|month)\b"
)
_NTH = {"prim": 1, "first": 1, "1st": 1, "second": 2, "2nd": 2, "terz": 3, "third": 3, "3rd": 3}
_MONTH_DAY = re.compile(
    r"\b(?:il|the|on the|every|ogni)\s+(?P<d>primo|first|1st|2nd|3rd|\d{1,2})(?:st|nd|rd|th)?\s+"
    r"(?:del|di ogni|of (?:the|every|each))\s+(?:mese|month)\b"
)
# Bare Italian plural weekdays ("il lunedì" is ambiguous; "i lunedì", "di lunedì" less so).
_PLURAL_HABIT = re.compile(rf"\b(?:i|di|on)\s+(?P<first>{_DAY})\b")
# "Monday to Friday", "dal lunedì al venerdì", "lun.-sab.": the working week, each week. A
# stretch that starts on another day is an absence ("da venerdì a domenica sono via").
_WORKING_WEEK = re.compile(
    r"\b(?:(?:da|dal|from)\s+)?(?:lunedi|lun|monday|mon)\.?\s*(?:-|al|a|to|through|thru|till)\s*"
    r"(?P<b>venerdi|ven|friday|fri|sabato|sab|saturday|sat)\b"
)
_DAY_PAIR = re.compile(rf"\b(?P<a>{_DAY})\s+(?:e|and|&)\s+(?P<b>{_DAY})\b")
_PART_STEMS = (
    ("mattin", PartOfDay.MORNING),
    ("morning", PartOfDay.MORNING),
    ("pomerigg", PartOfDay.AFTERNOON),
    ("afternoon", PartOfDay.AFTERNOON),
    ("ser", PartOfDay.EVENING),
    ("evening", PartOfDay.EVENING),
    ("night", PartOfDay.EVENING),
)
# "until 19:00", "till 6pm", "until late" end the visit, not the series.
_UNTIL_MARK = re.compile(
    r"\b(?:finche|fino a quando|fino al|fino alla|fino a|until|till|through|thru|up to)\b"
    r"(?!\s*(?:\d{1,2}[:.]\d{2}|\d{1,2}\s*(?:am|pm)\b|late\b|lunch|dinner|noon|midday|evening))"
)


@dataclass(frozen=True)
class Recurrence:
    """How often an ask comes back; `when` (elsewhere) is its first occurrence."""

    freq: Frequency
    days: tuple[str, ...] = ()
    interval: int = 1
    at: time | None = None
    until: date | None = None
    month_day: int | None = None
    nth_weekday: tuple[int, int] | None = None  # "il primo lunedì del mese": (1, 0)
    pair_days: tuple[int, int] | None = None  # "sabato e domenica": both, then no more

    def as_json(self) -> dict[str, object]:
        """The JSON shape `concierge parse` prints."""
        return {
            "freq": self.freq,
            "days": list(self.days),
            "interval": self.interval,
            "time": self.at.strftime("%H:%M") if self.at else None,
            "until": self.until.isoformat() if self.until else None,
        }

    def with_time(self, at: time | None, until: date | None) -> Recurrence:
        """The same schedule at an hour of the day and to a last day, when the text gave them."""
        return replace(self, at=at or self.at, until=until or self.until)

    def from_first(self, first: date) -> Recurrence:
        """The schedule once its first day is known: "sabato e domenica" ends the day after."""
        if self.pair_days is None or self.until is not None:
            return self
        return replace(self, until=first + timedelta(days=1))

    @property
    def pinned(self) -> bool:
        """Whether the schedule names its days ("il venerdì", "il primo del mese"), so that its
        first occurrence can be told without a date ("ogni giorno" names none)."""
        named = (self.month_day, self.nth_weekday, self.pair_days)
        return bool(self.days) or any(value is not None for value in named)

    def first_day(self, today: date) -> date:
        """The first day on or after `today` this schedule falls on."""
        if self.days:
            numbers = [DAY_CODES.index(code) for code in self.days]
            return min(today + timedelta(days=(n - today.weekday()) % 7) for n in numbers)
        if self.nth_weekday is not None:
            return _nth_weekday_from(today, *self.nth_weekday)
        if self.pair_days is not None:
            return today + timedelta(days=(self.pair_days[0] - today.weekday()) % 7)
        if self.freq == "monthly" and self.month_day is not None:
            year, month = today.year, today.month
            for _ in range(13):
                try:
                    candidate = date(year, month, self.month_day)
                except ValueError:
                    candidate = None
                if candidate is not None and candidate >= today:
                    return candidate
                month = month % 12 + 1
                year += month == 1
        return today


def _nth_weekday_from(today: date, nth: int, weekday: int) -> date:
    """The first "nth such weekday of a month" on or after `today`."""
    first_of_month = today.replace(day=1)
    for _ in range(3):
        first = first_of_month + timedelta(days=(weekday - first_of_month.weekday()) % 7)
        candidate = first + timedelta(weeks=nth - 1)
        if candidate >= today:
            return candidate
        first_of_month = (first_of_month + timedelta(days=32)).replace(day=1)
    return today


@dataclass(frozen=True)
class FoundRecurrence:
    """A recurrence and the words it was read from."""

    recurrence: Recurrence
    span: str

    @property
    def part(self) -> PartOfDay | None:
        """The part of the day the schedule names ("ogni mattina", "every evening")."""
        for stem, part in _PART_STEMS:
            if stem in self.span:
                return part
        return None


def _number(raw: str | None) -> int:
    if raw is None:
        return 2
    return int(raw) if raw.isdigit() else _NUMBER_WORDS.get(raw, 2)


def _weekly_days(match: re.Match[str]) -> tuple[str, ...]:
    names = re.findall(_DAY, match.group(0))
    numbers = sorted({_DAY_NAMES[name] for name in names})
    return tuple(DAY_CODES[number] for number in numbers)


def _weekly(text: str) -> FoundRecurrence | None:
    for match in _WEEKLY_DAYS.finditer(text):
        lead = match.group(0).split()[0]
        plural = match["first"].endswith("ays") or match["first"] in ("sabati", "domeniche")
        # "il martedì e il giovedì"; three days or more are a week's plan whatever leads them
        # ("lun merc e ven pomeriggio": never once a one-off in the blind sets).
        count = len(_weekly_days(match))
        several = (lead in ("il", "la") and count > 1) or (count > 2 and not _DAILY.search(text))
        if lead in ("ogni", "tutti", "tutte", "every", "each") or plural or several:
            interval = 2 if match["other"] else 1
            return FoundRecurrence(
                Recurrence("weekly", _weekly_days(match), interval), match.group(0)
            )
    stretch = _WORKING_WEEK.search(text)
    if stretch is not None:
        codes = DAY_CODES[: _DAY_NAMES[stretch["b"]] + 1]
        return FoundRecurrence(Recurrence("weekly", codes), stretch.group(0))
    pair = _DAY_PAIR.search(text)
    if pair is not None:
        first, second = _DAY_NAMES[pair["a"]], _DAY_NAMES[pair["b"]]
        if second == (first + 1) % 7:  # "sabato e domenica": each of two days running
            return FoundRecurrence(Recurrence("daily", pair_days=(first, second)), pair.group(0))
    for match in _PLURAL_HABIT.finditer(text):
        if match.group(0).startswith(("i ", "di ")) and re.search(
            r"\b(?:sempre|di solito|abitualmente|settimana)\b", text
        ):
            code = DAY_CODES[_DAY_NAMES[match["first"]]]
            return FoundRecurrence(Recurrence("weekly", (code,)), match.group(0))
    return None


def _plain(text: str) -> FoundRecurrence | None:
    match = _EVERY_N_DAYS.search(text)
    if match:
        interval = _number(match["n"]) if match["n"] else 2
        if interval == 7:
            return FoundRecurrence(Recurrence("weekly"), match.group(0))
        return FoundRecurrence(Recurrence("every_n_days", interval=interval), match.group(0))
    match = _EVERY_N_WEEKS.search(text)
    if match:
        interval = _number(match["n"]) if match["n"] else 2
        return FoundRecurrence(Recurrence("weekly", interval=interval), match.group(0))
    match = _NTH_WEEKDAY.search(text)
    if match:
        nth = next(n for stem, n in _NTH.items() if match["nth"].startswith(stem))
        weekday = _DAY_NAMES[match["first"]]
        return FoundRecurrence(Recurrence("monthly", nth_weekday=(nth, weekday)), match.group(0))
    match = _MONTH_DAY.search(text)
    if match:
        raw = match["d"]
        day = _ORDINAL_DAYS.get(raw) or int(re.sub(r"\D", "", raw) or 1)
        return FoundRecurrence(Recurrence("monthly", month_day=day), match.group(0))
    for pattern, freq in ((_DAILY, "daily"), (_MONTHLY, "monthly"), (_WEEKLY_PLAIN, "weekly")):
        match = pattern.search(text)
        if match:
            return FoundRecurrence(Recurrence(freq), match.group(0))  # type: ignore[arg-type]
    return None


def extract_recurrence(folded: str) -> FoundRecurrence | None:
    """The schedule an accent-free, lower-case text asks for, or None for a one-off."""
    text = _NOT_RECURRENCE.sub(" ", folded)
    return _weekly(text) or _plain(text)


def until_split(folded: str) -> tuple[str, str, str]:
    """The text before the end of a series is named ("fino al 20", "until the 5th",
    "finché…"), the mark itself, and the words after it ("" when none)."""
    match = _UNTIL_MARK.search(folded)
    if match is None:
        return folded, "", ""
    return folded[: match.start()], match.group(0), folded[match.end() :]
