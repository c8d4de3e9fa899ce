"""A recurring ask or a span of days read back in words, so the requester can check it:
"ogni martedì e venerdì alle 09:00, fino a giovedì 31 dicembre"."""

from __future__ import annotations

from datetime import date

from babel.dates import get_day_names

from concierge.i18n import format_day, t
from concierge.intake.recurrence import DAY_CODES


def _day_names(codes: list[str], language: str) -> str:
    names = get_day_names("wide", locale=language)
    spelled = [str(names[DAY_CODES.index(code)]) for code in codes if code in DAY_CODES]
    if len(spelled) < 2:
        return "".join(spelled)
    return t(language, "repeat.and", first=", ".join(spelled[:-1]), last=spelled[-1])


def _how_often(series: dict[str, object], language: str) -> str:
    freq, interval = str(series.get("freq")), int(str(series.get("interval") or 1))
    raw_days = series.get("days")
    days = (
        [code for code in raw_days if isinstance(code, str)] if isinstance(raw_days, list) else []
    )
    if freq == "weekly" and days:
        key = "repeat.weekly_days" if interval == 1 else "repeat.weekly_days_n"
        return t(language, key, days=_day_names(days, language), n=interval)
    if freq == "weekly":
        return t(language, "repeat.weekly" if interval == 1 else "repeat.weekly_n", n=interval)
    if freq == "every_n_days":
        return t(language, "repeat.every_n_days", n=interval)
    return t(language, "repeat.monthly" if freq == "monthly" else "repeat.daily")


def describe_series(
    series: dict[str, object] | None, first: str, until: date | None, language: str
) -> str:
    """How often, from when (`first`, already in words) and to when; a plain span of days
    ("dal … al …") when there is no series but a last day; `first` alone otherwise."""
    if series is None:
        if until is None:
            return first
        return t(language, "repeat.span", first=first, last=format_day(until, language))
    words = _how_often(series, language)
    if series.get("time"):
        words += t(language, "repeat.at", time=series["time"])
    words = t(language, "repeat.starting", series=words, first=first)
    if until is not None:
        words += t(language, "repeat.until", last=format_day(until, language))
    return words
