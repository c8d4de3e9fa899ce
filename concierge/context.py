"""What every domain function needs: a session (one transaction), a clock and the settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from concierge.clock import Clock
from concierge.service_calendar import ServiceCalendar, calendar_of
from concierge.settings import Language, Settings


@dataclass(frozen=True)
class DomainContext:
    """One unit of work: every change made through it commits or rolls back together."""

    session: AsyncSession
    clock: Clock
    settings: Settings

    def now(self) -> datetime:
        """The current time (aware UTC) according to the context's clock."""
        return self.clock.now()

    @property
    def zone(self) -> ZoneInfo:
        """The service's time zone."""
        return self.settings.zone

    @property
    def calendar(self) -> ServiceCalendar:
        """The rota's calendar: time zone and public holidays."""
        return calendar_of(self.settings)

    @property
    def default_language(self) -> Language:
        """The language used when a person has none."""
        return self.settings.default_language
