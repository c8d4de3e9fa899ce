"""When a series falls: its planned days (pure date arithmetic), and what the service calendar
does to each (a closed day skips a daily occurrence, moves a weekly or monthly one)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from concierge.service_calendar import ServiceCalendar

DAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MOVE_LIMIT_DAYS = 7  # a weekly occurrence moved past a whole closed week is no longer "moved"
MONTH_LIMIT = 24


class Rule(BaseModel):
    """How often a series comes back, from its first planned day (`anchor`) to `until`."""

    model_config = ConfigDict(frozen=True)

    freq: Literal["daily", "weekly", "every_n_days", "monthly"]
    days: tuple[int, ...] = ()  # weekdays, 0 = Monday
    interval: int = Field(default=1, ge=1, le=60)
    month_day: int | None = Field(default=None, ge=1, le=31)
    nth_weekday: tuple[int, int] | None = None  # "il primo lunedì del mese": (1, 0)
    anchor: date
    until: date | None = None

    @classmethod
    def from_series(cls, series: dict[str, Any], anchor: date, until: date | None) -> Rule:
        """The rule of a draft's `recurrence` (the JSON the dialogue carries)."""
        raw_days = series.get("days") or []
        days = tuple(sorted({DAY_CODES.index(code) for code in raw_days if code in DAY_CODES}))
        nth = series.get("nth_weekday")
        return cls(
            freq=series.get("freq", "daily"), days=days,
            interval=int(series.get("interval") or 1), month_day=series.get("month_day"),
            nth_weekday=tuple(nth) if nth else None, anchor=anchor, until=until,
        )  # fmt: skip

    @property
    def moves(self) -> bool:
        """Whether an occurrence on a closed day moves to the next open day (weekly, monthly)
        rather than being skipped (daily, every few days)."""
        return self.freq in ("weekly", "monthly")


def _weekly_after(rule: Rule, day: date) -> date:
    weekdays = rule.days or (rule.anchor.weekday(),)
    anchor_monday = rule.anchor - timedelta(days=rule.anchor.weekday())
    candidate = day + timedelta(days=1)
    while True:
        weeks = (candidate - anchor_monday).days // 7
        if candidate.weekday() in weekdays and weeks % rule.interval == 0:
            return candidate
        candidate += timedelta(days=1)


def _in_month(rule: Rule, year: int, month: int) -> date | None:
    if rule.nth_weekday is not None:
        nth, weekday = rule.nth_weekday
        first = date(year, month, 1)
        found = first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))
        return found if found.month == month else None
    wanted = rule.month_day or rule.anchor.day
    # "Il 31" in a month of 30 days (or February) falls on its last day, not nowhere.
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(wanted, last))


def _monthly_after(rule: Rule, day: date) -> date | None:
    year, month = day.year, day.month
    for _ in range(MONTH_LIMIT):
        found = _in_month(rule, year, month)
        if found is not None and found > day:
            return found
        month = month % 12 + 1
        year += month == 1
    return None


def planned_after(rule: Rule, day: date | None) -> date | None:
    """The first planned day strictly after `day` (None: the first of the series), ignoring
    holidays; None once the series is past `until`."""
    if day is None or day < rule.anchor:
        found: date | None = rule.anchor
    elif rule.freq == "daily":
        found = day + timedelta(days=1)
    elif rule.freq == "every_n_days":
        steps = (day - rule.anchor).days // rule.interval + 1
        found = rule.anchor + timedelta(days=steps * rule.interval)
    elif rule.freq == "weekly":
        found = _weekly_after(rule, day)
    else:
        found = _monthly_after(rule, day)
    if found is None or (rule.until is not None and found > rule.until):
        return None
    return found


@dataclass(frozen=True)
class Slot:
    """One planned day as the calendar leaves it: on its day, moved, or skipped for a holiday."""

    planned: date
    day: date | None  # None: skipped, the service is closed
    holiday: str | None = None

    @property
    def moved(self) -> bool:
        """Whether the occurrence falls on another day than planned."""
        return self.day is not None and self.day != self.planned


def resolve(rule: Rule, planned: date, calendar: ServiceCalendar) -> Slot:
    """Where a planned day's occurrence really falls, given the days the service is closed."""
    holiday = calendar.holiday(planned)
    if holiday is None:
        return Slot(planned, planned)
    if not rule.moves:
        return Slot(planned, None, holiday)
    following = planned_after(rule, planned)
    for offset in range(1, MOVE_LIMIT_DAYS + 1):
        candidate = planned + timedelta(days=offset)
        if following is not None and candidate >= following:
            break  # the series' next day comes first: one occurrence a day, so this one is skipped
        if calendar.holiday(candidate) is None:
            return Slot(planned, candidate, holiday)
    return Slot(planned, None, holiday)
