"""The service's calendar: its time zone and the days it is closed for everyone (public holidays
from the `holidays` package, plus local days such as a patron saint)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from zoneinfo import ZoneInfo

from concierge.settings import Settings


@dataclass(frozen=True)
class ServiceCalendar:
    """The time zone and the days the service is closed for everyone."""

    zone: ZoneInfo
    country: str
    local_days: tuple[tuple[int, int], ...]  # (month, day) closed every year

    def holiday(self, day: date) -> str | None:
        """The name of the holiday on a local day, or None."""
        if (day.month, day.day) in self.local_days:
            return "festa locale"
        return _national_holidays(self.country, day.year).get(day)


@cache
def _national_holidays(country: str, year: int) -> dict[date, str]:
    import holidays  # on the first day asked: most commands never ask

    calendar = holidays.country_holidays(country, years=year)
    return {day: str(name) for day, name in calendar.items()}


def calendar_of(settings: Settings) -> ServiceCalendar:
    """The calendar the settings describe (HOLIDAY_COUNTRY, LOCAL_HOLIDAYS, TIME_ZONE)."""
    return ServiceCalendar(settings.zone, settings.holiday_country, settings.local_holiday_days)
