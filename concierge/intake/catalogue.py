"""The service catalogue: what the cooperative offers, by code, in Italian and English."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from concierge.database import Base
from concierge.errors import NotFound
from concierge.i18n import t


class Service(Base):
    """One kind of errand the service accepts, e.g. `parcel`."""

    __tablename__ = "services"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    name_it: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    description_it: Mapped[str] = mapped_column(Text)
    description_en: Mapped[str] = mapped_column(Text)
    # A cooperative's own service (`concierge services add`): offered by it alone, never part
    # of the shared catalogue. None: a service every cooperative offers unless it retires it.
    owner_cooperative_id: Mapped[int | None] = mapped_column(
        ForeignKey("cooperatives.id"), nullable=True, default=None
    )

    def name(self, language: str) -> str:
        """The name people read, in their language."""
        return self.name_en if language == "en" else self.name_it

    def description(self, language: str) -> str:
        """The one-line description, in the person's language."""
        return self.description_en if language == "en" else self.description_it


DEFAULT_SERVICE_CODES: tuple[str, ...] = (
    "parcel",
    "prescription",
    "shopping",
    "bill_payment",
    "ironing",
    "cleaning",
    "home_repair",
    "home_watch",
    "elder_checkin",
    "accompaniment",
    "childcare",
    "carer_search",
    "home_care",
    "clearing",
    "information",
    "other",
)


def default_services() -> list[Service]:
    """The default catalogue, names and descriptions taken from the i18n catalogues."""
    return [
        Service(
            code=code,
            position=index,
            active=True,
            name_it=t("it", f"service.{code}.name"),
            name_en=t("en", f"service.{code}.name"),
            description_it=t("it", f"service.{code}.description"),
            description_en=t("en", f"service.{code}.description"),
        )
        for index, code in enumerate(DEFAULT_SERVICE_CODES)
    ]


async def ensure_default_services(session: AsyncSession) -> int:
    """Add the default services that are missing; returns how many were added."""
    existing = set((await session.scalars(select(Service.code))).all())
    added = [service for service in default_services() if service.code not in existing]
    session.add_all(added)
    await session.flush()
    return len(added)


async def active_services(session: AsyncSession) -> list[Service]:
    """The services people can ask for (cooperatives' own ones included), in menu order."""
    rows = await session.scalars(
        select(Service).where(Service.active.is_(True)).order_by(Service.position, Service.code)
    )
    return list(rows.all())


async def get_service(session: AsyncSession, code: str) -> Service:
    """The service with this code; NotFound if there is none."""
    service = await session.get(Service, code)
    if service is None:
        raise NotFound(f"no service with code {code!r}", why="why.no_service", what=code)
    return service
