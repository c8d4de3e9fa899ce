"""Times of day in the service's time zone: quiet hours, daily moments and whole local days."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def at_local(day: date, moment: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local wall-clock time on a local day (DST-correct)."""
    # Going through UTC normalises wall times that a DST jump skips (02:30 on the spring day).
    return datetime.combine(day, moment, tzinfo=zone).astimezone(UTC)


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC start and end of a local calendar day (23 or 25 hours long on DST days)."""
    return at_local(day, time(0), zone), at_local(day + timedelta(days=1), time(0), zone)


def next_daily(moment: time, after: datetime, zone: ZoneInfo) -> datetime:
    """The first local `moment` of a day strictly after `after`."""
    day = after.astimezone(zone).date()
    candidate = at_local(day, moment, zone)
    while candidate <= after:
        day += timedelta(days=1)
        candidate = at_local(day, moment, zone)
    return candidate


def _in_span(moment: time, start: time, end: time) -> bool:
    if start <= end:
        return start <= moment < end
    return moment >= start or moment < end  # a span over midnight, such as 21:00-08:00


def outside_quiet_hours(
    when: datetime, quiet: tuple[time, time] | None, zone: ZoneInfo
) -> datetime:
    """`when`, or the end of the quiet hours it falls in: nobody is texted at night."""
    if quiet is None:
        return when
    start, end = quiet
    local = when.astimezone(zone)
    if not _in_span(local.time(), start, end):
        return when
    return next_daily(end, when, zone)
