"""The hours a cooperative offers one of its services: some days of the week, from one local
time to another ("lun-ven 09:00-13:00"). Without them a service is offered whenever the rota
has someone on duty, as every service was before cooperatives had their own catalogue."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import get_day_names
from pydantic import BaseModel, ConfigDict, model_validator

from concierge.errors import refusal

# Weekday names a command line or a form may use, 0 = Monday, in both languages.
_DAY_WORDS: dict[str, int] = {
    **{name: day for day, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
    **{name: day for day, name in enumerate(("lun", "mar", "mer", "gio", "ven", "sab", "dom"))},
}
WEEK = 7


class OfferedHours(BaseModel):
    """Days of the week (0 = Monday) and the local hours of those days a service is offered."""

    model_config = ConfigDict(frozen=True)

    days: tuple[int, ...]
    starts_at: time
    ends_at: time

    @model_validator(mode="after")
    def _sensible(self) -> OfferedHours:
        if not self.days or any(day not in range(WEEK) for day in self.days):
            raise refusal("why.hours_days", "days: at least one weekday, 0 (Monday) to 6 (Sunday)")
        if self.starts_at >= self.ends_at:
            raise refusal("why.hours_order", "the hours must end after they start")
        return self

    def covers(self, local: datetime) -> bool:
        """Whether a local moment falls in the offered hours."""
        moment = local.time().replace(tzinfo=None)
        return local.weekday() in self.days and self.starts_at <= moment < self.ends_at

    def covers_day(self, day: date) -> bool:
        """Whether the service is offered at some hour of this day."""
        return day.weekday() in self.days

    def next_start(self, after: datetime, zone: ZoneInfo) -> datetime:
        """The first moment at or after `after` when the service is offered (local time)."""
        local = after.astimezone(zone)
        if self.covers(local):
            return local
        for offset in range(WEEK + 1):
            day = local.date() + timedelta(days=offset)
            start = datetime.combine(day, self.starts_at, tzinfo=zone)
            if day.weekday() in self.days and start >= local:
                return start
        raise AssertionError("a week always holds one of the offered days")  # pragma: no cover

    def spelled(self) -> str:
        """The days as a command line or a form takes them back, e.g. 'mon-fri,sun'."""
        codes = list(_DAY_WORDS)[:WEEK]
        return ",".join(
            f"{codes[run[0]]}-{codes[run[-1]]}" if len(run) > 1 else codes[run[0]]
            for run in _runs(self.days)
        )

    def describe(self, language: str) -> str:
        """The hours as people read them: 'lun–ven, 09:00–13:00', 'Mon, Wed, 15:00–18:00'."""
        names = get_day_names("abbreviated", locale=language)
        said = [
            f"{names[run[0]]}–{names[run[-1]]}"
            if len(run) > 2
            else ", ".join(names[day] for day in run)
            for run in _runs(self.days)
        ]
        hours = f"{self.starts_at:%H:%M}–{self.ends_at:%H:%M}"
        return f"{', '.join(said)}, {hours}"


def _runs(days: tuple[int, ...]) -> list[list[int]]:
    """Weekdays in runs of consecutive days: (0, 1, 2, 4) → [[0, 1, 2], [4]]."""
    runs: list[list[int]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


def parse_days(text: str) -> tuple[int, ...]:
    """Weekdays written as 'mon-fri', 'sat,sun', 'lun-ven', 'mon,wed-fri' (0 = Monday)."""
    found: list[int] = []
    for part in text.lower().replace(" ", "").split(","):
        first, _, last = part.partition("-")
        if first not in _DAY_WORDS or (last and last not in _DAY_WORDS):
            raise refusal(
                "why.days_names",
                "days: expected names such as mon-fri or lun-ven, got {given}",
                given=repr(text),
            )
        start, end = _DAY_WORDS[first], _DAY_WORDS[last or first]
        found.extend(day % WEEK for day in range(start, end + 1 if end >= start else end + 8))
    return tuple(sorted(set(found)))


def parse_time(text: str) -> time:
    """A local time written as 09:00 or 9:00."""
    try:
        hour, _, minute = text.strip().partition(":")
        return time(int(hour), int(minute or 0))
    except ValueError as exc:
        raise refusal(
            "why.time", "expected a time such as 09:00, got {given}", given=repr(text)
        ) from exc
