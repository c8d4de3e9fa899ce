"""The rota as a calendar: weekly slots, exceptions (sick day, swap, extra shift), public holidays
(the `holidays` package, plus local days such as a patron saint), and the opening hours that
follow from it. Every span is a local wall-clock time turned into UTC for that very day, so it
stays right across DST changes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Date, ForeignKey, Integer, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column

from concierge.database import Base
from concierge.local_time import at_local
from concierge.service_calendar import ServiceCalendar

# How far ahead to look for the next opening before saying "not in the next two weeks".
OPENING_HORIZON_DAYS = 14


class ExceptionKind(StrEnum):
    """A change to the weekly rota on one day."""

    OFF = "off"  # not working (all day, or from–to): sick day, leave, the giving side of a swap
    EXTRA = "extra"  # working beyond the rota: an extra shift, the taking side of a swap


class ShiftException(Base):
    """One operator's change to the rota on one local day."""

    __tablename__ = "shift_exceptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    operator_id: Mapped[int] = mapped_column(
        ForeignKey("operators.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[ExceptionKind] = mapped_column(String(10))
    starts_at: Mapped[time | None] = mapped_column(Time, nullable=True)  # None: the whole day
    ends_at: Mapped[time | None] = mapped_column(Time, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")


Span = tuple[datetime, datetime]


class Slot(Protocol):
    """A weekly rota slot as the calendar reads it (a Shift, or a kept copy of one)."""

    @property
    def weekday(self) -> int: ...
    @property
    def starts_at(self) -> time: ...
    @property
    def ends_at(self) -> time: ...


class Change(Protocol):
    """A change to the rota on one day as the calendar reads it (a ShiftException, or a copy)."""

    @property
    def day(self) -> date: ...
    @property
    def kind(self) -> str: ...
    @property
    def starts_at(self) -> time | None: ...
    @property
    def ends_at(self) -> time | None: ...


class Rostered(Protocol):
    """Whoever has a rota: an Operator, or the kept copy of one (concierge.team.rota_cache)."""

    @property
    def shifts(self) -> Sequence[Slot]: ...
    @property
    def exceptions(self) -> Sequence[Change]: ...


def _span(day: date, start: time, end: time, zone: ZoneInfo) -> Span:
    return at_local(day, start, zone), at_local(day, end, zone)


def _without(spans: list[Span], cut: Span) -> list[Span]:
    kept = []
    for start, end in spans:
        if cut[1] <= start or end <= cut[0]:
            kept.append((start, end))
            continue
        if start < cut[0]:
            kept.append((start, cut[0]))
        if cut[1] < end:
            kept.append((cut[1], end))
    return kept


def working_spans(operator: Rostered, day: date, calendar: ServiceCalendar) -> list[Span]:
    """When an operator works on a local day (UTC spans): the rota, less holidays and time off,
    plus extra shifts."""
    spans: list[Span] = []
    if calendar.holiday(day) is None:
        spans = [
            _span(day, shift.starts_at, shift.ends_at, calendar.zone)
            for shift in operator.shifts
            if shift.weekday == day.weekday()
        ]
    changes = sorted(
        (change for change in operator.exceptions if change.day == day),
        key=lambda change: change.kind != ExceptionKind.OFF,  # time off first, then extras
    )
    for change in changes:
        if change.starts_at is None or change.ends_at is None:
            if change.kind == ExceptionKind.OFF:
                spans = []  # the whole day off
            continue
        span = _span(day, change.starts_at, change.ends_at, calendar.zone)
        spans = _without(spans, span) if change.kind == ExceptionKind.OFF else [*spans, span]
    return sorted(spans)


def on_rota(operator: Rostered, moment: datetime, calendar: ServiceCalendar) -> bool:
    """Whether the operator's rota (with its exceptions) covers `moment`."""
    day = moment.astimezone(calendar.zone).date()
    return any(start <= moment < end for start, end in working_spans(operator, day, calendar))


def covers(operator: Rostered, due: datetime, calendar: ServiceCalendar, *, exact: bool) -> bool:
    """Whether a shift of the operator on the day of `due` has begun by then (and, when `exact`,
    not yet ended): the shift a request due then belongs to."""
    day = due.astimezone(calendar.zone).date()
    return any(
        start <= due and (due < end or not exact)
        for start, end in working_spans(operator, day, calendar)
    )


def covers_from_now(
    operator: Rostered, now: datetime, due: datetime, calendar: ServiceCalendar
) -> bool:
    """Whether the shift the operator is in now is also the one an hour `due` falls in."""
    day = now.astimezone(calendar.zone).date()
    return any(
        start <= now < end and start <= due < end
        for start, end in working_spans(operator, day, calendar)
    )


def next_opening(
    operators: Sequence[Rostered], after: datetime, calendar: ServiceCalendar
) -> datetime | None:
    """`after` if someone works then, else the next moment a shift starts; None if none soon."""
    if any(on_rota(operator, after, calendar) for operator in operators):
        return after
    return next_shift_start(operators, after, calendar)


def next_shift_start(
    operators: Sequence[Rostered], after: datetime, calendar: ServiceCalendar
) -> datetime | None:
    """The next moment after `after` when any operator's shift starts."""
    first_day = after.astimezone(calendar.zone).date()
    for offset in range(OPENING_HORIZON_DAYS + 1):
        day = first_day + timedelta(days=offset)
        starts = [
            start
            for operator in operators
            for start, _ in working_spans(operator, day, calendar)
            if start > after
        ]
        if starts:
            return min(starts)
    return None
