"""Local times of day across DST changes, and the quiet hours nobody is texted in."""

from __future__ import annotations

from datetime import UTC, datetime, time

from concierge.local_time import day_bounds, next_daily, outside_quiet_hours
from tests.conftest import ROME

QUIET = (time(21, 0), time(8, 0))


def test_a_daily_moment_keeps_its_wall_clock_time_across_dst() -> None:
    saturday = datetime(2027, 3, 27, 9, 0, tzinfo=ROME)
    sunday_8 = next_daily(time(8, 0), saturday, ROME)
    assert sunday_8 == datetime(2027, 3, 28, 8, 0, tzinfo=ROME)
    assert sunday_8.astimezone(UTC).hour == 6  # summer time: two hours ahead of UTC
    assert next_daily(time(8, 0), datetime(2027, 3, 26, 9, 0, tzinfo=ROME), ROME).astimezone(
        UTC
    ) == datetime(2027, 3, 27, 7, 0, tzinfo=UTC)


def test_the_moment_itself_is_not_next() -> None:
    eight = datetime(2026, 11, 24, 8, 0, tzinfo=ROME)
    assert next_daily(time(8, 0), eight, ROME) == datetime(2026, 11, 25, 8, 0, tzinfo=ROME)


def test_a_dst_day_is_23_or_25_hours_long() -> None:
    start, end = day_bounds(datetime(2027, 3, 28).date(), ROME)
    assert (end - start).total_seconds() == 23 * 3600
    start, end = day_bounds(datetime(2026, 10, 25).date(), ROME)
    assert (end - start).total_seconds() == 25 * 3600


def test_quiet_hours_push_a_message_to_the_morning() -> None:
    evening = datetime(2026, 11, 23, 22, 15, tzinfo=ROME)
    early = datetime(2026, 11, 24, 6, 40, tzinfo=ROME)
    afternoon = datetime(2026, 11, 24, 16, 0, tzinfo=ROME)
    morning = datetime(2026, 11, 24, 8, 0, tzinfo=ROME)
    assert outside_quiet_hours(evening, QUIET, ROME) == morning
    assert outside_quiet_hours(early, QUIET, ROME) == morning
    assert outside_quiet_hours(afternoon, QUIET, ROME) == afternoon
    assert outside_quiet_hours(evening, None, ROME) == evening
    assert outside_quiet_hours(afternoon, (time(13), time(15, 30)), ROME) == afternoon
    lunch = datetime(2026, 11, 24, 14, 0, tzinfo=ROME)
    after_lunch = datetime(2026, 11, 24, 15, 30, tzinfo=ROME)
    assert outside_quiet_hours(lunch, (time(13), time(15, 30)), ROME) == after_lunch
