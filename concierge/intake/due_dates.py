"""When a request is for, read from free text: dateparser finds the dates, and a thin, tested
layer around it handles what it gets wrong in Italian (bare day numbers such as "entro il 30",
ranges, "dopodomani", far-future years). Hours and parts of the day: intake/times_of_day.py."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateparser.search import search_dates

from concierge.intake.times_of_day import (
    END_OF_SERVICE_DAY,
    PART_SPAN,
    PART_WORDS,
    clock_time,
)

# PartOfDay stays importable from here, where callers found it before the split.
from concierge.intake.times_of_day import PartOfDay as PartOfDay
from concierge.intake.words import WEEKDAY_NAMES, WEEKDAY_PATTERN, fold

# Relative days dateparser misreads in Italian ("dopodomani") or in English ("day after
# tomorrow" comes back as tomorrow), and the weekend, which it does not know.
_RELATIVE_DAYS: tuple[tuple[re.Pattern[str], int | str], ...] = (
    (re.compile(r"\bdopo\s*domani\b|\bday after tomorrow\b"), 2),
    (re.compile(r"\b(?:domani|tomorrow)\b"), 1),
    (re.compile(r"\b(?:oggi|today|in giornata)\b"), 0),
    (re.compile(r"\b(?:questo |this |nel |al |the )?(?:week-?end|fine settimana)\b"), "saturday"),
    (
        re.compile(
            r"\b(?:la )?(?:prossima settimana|settimana\.? (?:prossima|prox)|prox\.? settimana|"
            r"next week)\b"
        ),
        "monday",
    ),
    (re.compile(r"\b(?:tra|fra) (?:una|1) settimana\b|\bin (?:a|one) week\b"), 7),
    # Past days, read so that the dialogue can say they are past instead of ignoring them;
    # a day to come said anywhere else wins ("yesterday's party… clean today").
    (re.compile(r"\b(?:l')?altro\s*ieri\b|\bday before yesterday\b"), -2),
    (re.compile(r"\bieri\b|\byesterday\b"), -1),
)
# Answers that mean "no particular time" when the bot asks when.
AS_SOON_AS_POSSIBLE = re.compile(
    r"^\W*(?:appena possibile|prima possibile|al piu presto|quando potete|subito|asap|"
    r"as soon as possible|whenever|any time|anytime|quando volete|non importa)\W*$"
)
# Ages and lengths of time ("88 anni", "3 ore") that dateparser would take for dates.
# Floors ("3rd floor", "piano 2") and rates ("10 hours a week", "due volte a settimana") too.
_DURATION = re.compile(
    r"\b(?:\d+\s*)?(?:ore|hours?|volte|times|pomeriggi|afternoons|mattine|mornings|days|giorni)"
    r"\s+(?:a|per|alla|al|each|every|ogni|the)\s+(?:week|settimana|month|mese)\b"
    r"|\b\d+\s*(?:anni|anno|ore|ora|minuti|mesi|years?|hours?|minutes?|months?|h)\b"
    r"|\b\d+(?:st|nd|rd|th)?\s+(?:floor|piano)\b|\b(?:al |the )?(?:piano|floor)\s+\d+\b"
)
_ABBREVIATIONS = (
    (re.compile(r"\bdomatt?ina\b"), "domani mattina"),
    (re.compile(r"\b(?:dmn|dom1|domani\?)\b"), "domani"),
    (re.compile(r"\b(?:tmrw|tmr|tmrow|2moro|2morrow)\b"), "tomorrow"),
    (re.compile(r"\b(?:cmq|qnd|xo|pls|plz|tvb)\b"), " "),  # "comunque", "quando"…: no date
    # "Adesso", "right now": as soon as possible (urgency says it), not a day to keep to.
    (re.compile(r"\b(?:adesso|in questo momento|right now|now)\b"), " "),
    (re.compile(r"\bx\b"), "per"),  # "x domani", "x le 10"
    (re.compile(r"\bpome\b|\bpom\b"), "pomeriggio"),
    (re.compile(r"\bsett\b"), "settimana"),
    (re.compile(r"\bgg\b"), "giorni"),
    # Days as written in dialect by the elderly (Milanese, Venetian, Sicilian, Neapolitan,
    # Sardinian: "dumàn", "incoeu", "doman", "dimane"), and the week to come ("che vien").
    (re.compile(r"\b(?:dopo\s*duman|dopo\s*doman|passdoman|dopudumani)\b"), "dopodomani"),
    (re.compile(r"\b(?:duman|dumani|dumane|doman|dimane|crai)\b"), "domani"),
    (re.compile(r"\b(?:incoeu|ancoeu|ancuo|ancuoi|ogge|oje)\b"), "oggi"),
    (re.compile(r"\b(?:la )?set+imana che (?:vien|ven|vene)\b"), "la prossima settimana"),
    (re.compile(r"\bmatina\b"), "mattina"),
)
_RECURRING = re.compile(r"\b(?:ogni|tutte le|tutti i|every)\s*$")
_DEADLINE = re.compile(r"\b(?:entro|non oltre|prima di|by|before|no later than|within)\b")
_MONTHS = (
    "gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|novembre|"
    "dicembre|january|february|march|april|may|june|july|august|september|october|november|"
    "december|gen|feb|mar|apr|mag|giu|lug|ago|set|ott|nov|dic|jan|jun|jul|aug|sep|oct|dec"
)
_NOT_A_DAY_AFTER = rf"(?!\s*(?:/|\.\d|-\d|:|(?:di )?(?:{_MONTHS})\b|am\b|pm\b|euro|€|%))"
_BARE_DAYS = (
    re.compile(  # "entro il 30", "per l'8", "on the 5th", "by the 30th", "il 12"
        r"\b(?:(?:entro il|entro|per il|prima del|il|on the|by the|on|around the|about the|"
        r"verso il|intorno al|attorno al|tipo il|circa il|sul)\s+|"
        r"(?:entro |per |verso |intorno al|attorno al)?l')"
        r"(?P<d>[12]?\d|3[01])(?:st|nd|rd|th)?\b" + _NOT_A_DAY_AFTER
    ),
    re.compile(r"\bthe\s+(?P<d>[12]?\d|3[01])(?:st|nd|rd|th)\b" + _NOT_A_DAY_AFTER),
)
# Words that make a text worth handing to dateparser; without any, it is not called at all.
_DATE_HINT = re.compile(
    r"\d|\b(?:oggi|domani|ieri|"
    + WEEKDAY_PATTERN
    + r"|settimana|giorni|giorno|mese|today|tomorrow|week|days|month|tonight|now|"
    + _MONTHS
    + r")\b"
)
# A dateparser match must hold one of these: "giu" (down) alone is not June, nor "ago" August.
_STRONG_DATE = re.compile(
    r"\d|\b(?:oggi|domani|today|tomorrow|tonight|now|settimana|week|giorni|days|"
    r"gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|novembre|"
    r"dicembre|january|february|march|april|may|june|july|august|september|october|november|"
    r"december)\b"
)
_WEEKDAYS = WEEKDAY_NAMES
_WEEKDAY = re.compile(
    r"\b(?P<every>ogni |tutti i |tutte le |every |il |on )?(?:(?:questo|prossimo|this|next) )?"
    r"(?P<name>" + WEEKDAY_PATTERN + r")\b(?!\s*\d)"
)
_MONTH_NUMBERS = {
    name: number
    for number, names in enumerate(
        (
            ("gennaio", "january", "gen", "jan"),
            ("febbraio", "february", "feb"),
            ("marzo", "march", "mar"),
            ("aprile", "april", "apr"),
            ("maggio", "may", "mag"),
            ("giugno", "june", "giu", "jun"),
            ("luglio", "july", "lug", "jul"),
            ("agosto", "august", "ago", "aug"),
            ("settembre", "september", "set", "sep", "sept"),
            ("ottobre", "october", "ott", "oct"),
            ("novembre", "november", "nov"),
            ("dicembre", "december", "dic", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = "(?:" + "|".join(sorted(_MONTH_NUMBERS, key=len, reverse=True)) + ")"
_TH = r"(?:st|nd|rd|th)?"
# "dal 4 al 16 agosto", "from the 4th to the 16th of August", "4-16 agosto", "tra il 4 e il 16"
_DAY_RANGE = re.compile(
    rf"\b(?:dal|da|dall'|tra il|fra il|from the|from|between the|between)\s*"
    rf"(?P<d1>[12]?\d|3[01]){_TH}(?:\s+(?:of\s+)?(?P<m1>{_MONTH}))?\s*"
    rf"(?:al|all'|a|e il|fino al|to the|to|till the|till|until the|until|and the|and|-)\s*"
    rf"(?P<d2>[12]?\d|3[01]){_TH}(?:\s+(?:of\s+)?(?P<m2>{_MONTH}))?\b(?!\s*(?:piano|floor))"
    rf"|\b(?:del\s+|the\s+)?(?P<d3>[12]?\d|3[01])\s*-\s*(?P<d4>[12]?\d|3[01])(?:\s+(?P<m3>{_MONTH})\b|(?=\W))"
    rf"|\b(?:from|dal|da)\s+(?P<m5>{_MONTH})\s+(?P<d5>[12]?\d|3[01]){_TH}\s*(?:to|till|until|-|al|a)"
    rf"\s*(?P<m6>{_MONTH})?\s*(?P<d6>[12]?\d|3[01]){_TH}\b"
)
# Without a month, only "dal 4 al 16" or "the 4th to the 16th" are days ("10 to 12" are hours).
_ORDINAL_OR_THE = re.compile(r"^(?:dal|dall'|del)|\d(?:st|nd|rd|th)\b|\bthe\b")
_WEEKDAY_RANGE = re.compile(
    rf"\b(?:da|dal|from)\s+(?P<a>{WEEKDAY_PATTERN})\s+(?:a|al|to|till|until)\s+"
    rf"(?P<b>{WEEKDAY_PATTERN})\b"
)
_NUMBER_WORDS = {
    "un": 1, "una": 1, "uno": 1, "a": 1, "one": 1, "due": 2, "two": 2, "tre": 3, "three": 3,
    "quattro": 4, "four": 4, "cinque": 5, "five": 5, "sei": 6, "six": 6, "dieci": 10, "ten": 10,
    "couple of": 2, "paio di": 2, "few": 3, "qualche": 3,
}  # fmt: skip
_IN_SOME = re.compile(
    r"\b(?:tra|fra|in|entro)\s+(?:(?:un|a)\s+)?(?P<n>\d{1,2}|un|una|uno|a|one|due|two|tre|three|"
    r"quattro|four|cinque|five|sei|six|dieci|ten|couple of|paio di|few|qualche)\s+"
    r"(?P<unit>giorni|giorno|settimane|settimana|mesi|mese|days|day|weeks|week|months|month)"
    r"(?:'s time| time)?\b"
)
_END_OF_MONTH = re.compile(
    r"\b(?:(?:entro |per |a |alla |verso )?(?:la )?fine (?:del |di questo )?mese|"
    r"(?:by |before |at |towards )?(?:the )?end of (?:the |this )?month)\b"
)
_DAY_MONTH = (
    re.compile(
        rf"\b(?:(?:il )?giorno |the )?(?P<d>[12]?\d|3[01]){_TH}\s+(?:di\s+|of\s+)?(?P<m>{_MONTH})\b"
    ),
    re.compile(rf"\b(?P<m>{_MONTH})\s+(?:the\s+)?(?P<d>[12]?\d|3[01]){_TH}\b(?![:.]\d)"),
    re.compile(  # "venerdì 13", "Thu the 4th"
        rf"\b{WEEKDAY_PATTERN}\s+(?:the\s+)?(?P<d>[12]?\d|3[01]){_TH}\b(?![:.]\d)"
    ),
)
_END_OF_YEAR = re.compile(
    r"\b(?:(?:entro |per |a |alla |verso )?(?:la )?fine (?:dell'|di quest')?anno|"
    r"(?:by |before |at )?(?:the )?end of (?:the |this )?year)\b"
)
# A month named without a day: from its first day ("da dicembre", "for the whole of January",
# "a partire da ottobre"), or its last when its end is meant ("entro fine novembre", "by the
# end of October"). Full names only: "set", "mar" are words too, and "may" a verb.
_FULL_MONTH = (
    "gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|novembre|"
    "dicembre|january|february|march|april|june|july|august|september|october|november|december"
)
_MONTH_END = re.compile(
    rf"\b(?:(?:entro|per|a|alla|verso|prima della|by|before|at|towards|till|until)\s+)?"
    rf"(?:la\s+|the\s+)?(?:fine|end of)\s+(?:di\s+|del mese di\s+|of\s+)?(?P<m>{_FULL_MONTH})\b"
)
_MONTH_ALONE = re.compile(rf"(?<![\d\w])(?P<m>{_FULL_MONTH})\b(?!\s*\d)")
# A month further than this is the story's past ("è morta a settembre"), not the errand's.
_FARTHEST_MONTH = timedelta(days=240)
_NEXT_MONTH = re.compile(r"\b(?:il )?(?:mese prossimo|prossimo mese|next month)\b")
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
    """What `extract_when` read, and the pieces of text it read it from; `until` ends a range
    ("dal 4 al 16 agosto": the 4th is `when`, the 16th `until`)."""

    when: When
    spans: tuple[str, ...]
    until: date | None = None
    dated: bool = True  # False: only an hour or a part of the day was said, the day is implied


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
        self.rest = " " + fold(text).replace("°", "").replace("º", "") + " "
        for pattern, spelled_out in _ABBREVIATIONS:
            self.rest = pattern.sub(spelled_out, self.rest)
        self.rest = _DURATION.sub(" ", self.rest)
        self.spans: list[str] = []

    def take(self, phrase: str) -> None:
        self.spans.append(phrase.strip())
        self.rest = self.rest.replace(phrase, " ", 1)


def _part_of_day(reading: _Reading, today: date) -> tuple[PartOfDay | None, date | None]:
    for word, (part, implied_day) in PART_WORDS.items():
        match = re.search(rf"\b{word}\b", reading.rest)
        if match is None:
            continue
        if _RECURRING.search(reading.rest[: match.start()]):
            return None, None  # "ogni mattina", "every evening": a habit, not a day
        reading.take(match.group(0))
        return part, (today + timedelta(days=implied_day) if implied_day is not None else None)
    return None, None


def _relative_day(reading: _Reading, today: date) -> date | None:
    """ "domani", "next week", "ieri"…: the first said of the days to come, else a past one
    ("domani e dopodomani" starts tomorrow)."""
    found = [
        (match.start() + (1000_000 if isinstance(shift, int) and shift < 0 else 0), match, shift)
        for pattern, shift in _RELATIVE_DAYS
        for match in (pattern.search(reading.rest),)
        if match is not None
    ]
    if not found:
        return None
    _, match, shift = min(found, key=lambda item: item[0])
    reading.take(match.group(0))
    if shift == "saturday":  # on a Saturday, "this weekend" is today
        return today + timedelta(days=(5 - today.weekday()) % 7)
    if shift == "monday":  # "next week" with no day: from its Monday
        return today + timedelta(days=7 - today.weekday())
    assert isinstance(shift, int)
    return today + timedelta(days=shift)


def _weekday(reading: _Reading, today: date) -> date | None:
    """The next such weekday ("giovedì", "by Thursday"; today's name means a week on)."""
    match = _WEEKDAY.search(reading.rest)
    if match is None or (match["every"] or "").strip() in ("ogni", "tutti i", "tutte le", "every"):
        return None
    reading.take(match.group(0))
    return today + timedelta(days=(_WEEKDAYS[match["name"]] - today.weekday()) % 7 or 7)


def _month_day(day_number: int, month: int | None, today: date) -> date | None:
    if month is None:
        return _next_day_of_month(day_number, today)
    for year in (today.year, today.year + 1):
        try:
            found = date(year, month, day_number)
        except ValueError:
            return None
        if found >= today - timedelta(days=1):
            return found
    return None


def _day_range(reading: _Reading, today: date) -> tuple[date, date] | None:
    """A span of days: its first and last day ("dal 4 al 16 agosto", "da lunedì a venerdì")."""
    match = _DAY_RANGE.search(reading.rest)
    if match is not None:
        d1 = int(match["d1"] or match["d3"] or match["d5"])
        d2 = int(match["d2"] or match["d4"] or match["d6"])
        m2 = _MONTH_NUMBERS.get(match["m2"] or match["m3"] or match["m6"] or match["m5"] or "")
        m1 = _MONTH_NUMBERS.get(match["m1"] or match["m5"] or "") or m2
        if m1 == m2 and m2 is not None and d1 > d2:
            m1 = m2 - 1 or 12  # "dal 28 al 3 marzo": the 28th of February
        end = _month_day(d2, m2, today)
        start = _month_day(d1, m1, today)
        if start is not None and end is not None and start > end and m1 is None:
            start = _month_day(d1, None, start.replace(day=1) - timedelta(days=1))
        said_days = bool(m2 or _ORDINAL_OR_THE.search(match.group(0)))
        if start is not None and end is not None and start <= end and said_days:
            reading.take(match.group(0))
            return start, end
    weekdays = _WEEKDAY_RANGE.search(reading.rest)
    if weekdays is not None:
        reading.take(weekdays.group(0))
        start = today + timedelta(days=(_WEEKDAYS[weekdays["a"]] - today.weekday()) % 7)
        return start, start + timedelta(days=(_WEEKDAYS[weekdays["b"]] - start.weekday()) % 7)
    return None


def _day_and_month(reading: _Reading, today: date) -> date | None:
    """ "22 ottobre", "il giorno 5 dicembre", "Dec 20th", "sabato 12" (a weekday and a day)."""
    for pattern in _DAY_MONTH:
        match = pattern.search(reading.rest)
        if match is None:
            continue
        month = _MONTH_NUMBERS.get(match.groupdict().get("m") or "")
        found = _month_day(int(match["d"]), month, today)
        if found is not None:
            reading.take(match.group(0))
            return found
    return None


def _in_some_time(reading: _Reading, today: date) -> date | None:
    """ "tra due settimane", "in 3 days", "entro fine mese", "next month"."""
    match = _IN_SOME.search(reading.rest)
    if match is not None:
        raw = match["n"]
        count = int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]
        unit = match["unit"]
        reading.take(match.group(0))
        if unit.startswith(("mes", "month")):
            return _add_months(today, count)
        if unit.startswith(("settiman", "week")):
            return today + timedelta(weeks=count)
        return today + timedelta(days=count)
    match = _END_OF_MONTH.search(reading.rest)
    if match is not None:
        reading.take(match.group(0))
        return _add_months(today.replace(day=1), 1) - timedelta(days=1)
    match = _END_OF_YEAR.search(reading.rest)
    if match is not None:
        reading.take(match.group(0))
        return date(today.year, 12, 31)
    match = _NEXT_MONTH.search(reading.rest)
    if match is not None:
        reading.take(match.group(0))
        return _add_months(today.replace(day=1), 1)
    return None


def _named_month(reading: _Reading, today: date) -> date | None:
    """ "fine novembre": its last day; "da dicembre": its first (today in the month itself)."""
    match = _MONTH_END.search(reading.rest)
    if match is not None:
        first = _month_day(1, _MONTH_NUMBERS[match["m"]], today.replace(day=1))
        if first is not None:
            reading.take(match.group(0))
            return _add_months(first, 1) - timedelta(days=1)
    for match in _MONTH_ALONE.finditer(reading.rest):
        first = _month_day(1, _MONTH_NUMBERS[match["m"]], today.replace(day=1))
        if first is not None and first - today <= _FARTHEST_MONTH:
            reading.take(match.group(0))
            return max(first, today)
    # Months past are not left for dateparser to read as next year's.
    reading.rest = _MONTH_ALONE.sub(" ", reading.rest)
    return None


def _add_months(day: date, count: int) -> date:
    month = day.month - 1 + count
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


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
    deadline = bool(_DEADLINE.search(reading.rest) or _END_OF_MONTH.search(reading.rest))
    span = _day_range(reading, today)
    part, day = _part_of_day(reading, today)
    if span is not None:
        day = span[0]
    at: time | None = None
    clock = clock_time(reading.rest)
    if clock is not None:
        at = clock[0]
        reading.take(clock[1])
    day = (
        day
        or _day_and_month(reading, today)
        or _in_some_time(reading, today)
        or _relative_day(reading, today)
        or _bare_day(reading, today)
        or _weekday(reading, today)
        or _named_month(reading, today)
    )
    if day is None:
        parsed = _dateparser_day(reading.rest, language, local_now)
        if parsed is not None:
            day = parsed[0]
            reading.take(parsed[1])
    dated = day is not None
    if day is None and (at is not None or part is not None):
        # Only an hour or a part of the day: today if it is still ahead, else tomorrow.
        start = at if at is not None else PART_SPAN[part][0] if part is not None else time(0)
        ahead = datetime.combine(today, start, tzinfo=zone) > local_now
        day = today if ahead else today + timedelta(days=1)
    if day is None:
        return None
    when = When(day=day, at=at, part=None if at else part, deadline=deadline and span is None)
    until = span[1] if span is not None else None
    return FoundWhen(when, tuple(piece for piece in reading.spans if piece), until, dated)
