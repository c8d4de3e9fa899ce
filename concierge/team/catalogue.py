"""A catalogue each cooperative owns: which services it offers, under which names, recognised by
which extra words, at which hours. A cooperative with no entries offers every active service of
the shared catalogue under its default names; its entries retire, rename, add words or hours,
or are its own services. Requesters read the catalogue of the cooperative serving their zone;
without a zone (or nobody working there) they read the shared one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    and_,
    event,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, Session, mapped_column

from concierge.database import Base
from concierge.errors import NotFound
from concierge.intake.catalogue import Service, get_service
from concierge.people.person import Person
from concierge.team.offered_hours import OfferedHours
from concierge.team.operators import Cooperative, Operator, zone_cooperative


class CooperativeService(Base):
    """How one cooperative offers one service; a missing field means the shared default."""

    __tablename__ = "cooperative_services"
    __table_args__ = (UniqueConstraint("cooperative_id", "service_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    service_code: Mapped[str] = mapped_column(ForeignKey("services.code"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    name_it: Mapped[str | None] = mapped_column(String(80), nullable=True, default=None)
    name_en: Mapped[str | None] = mapped_column(String(80), nullable=True, default=None)
    description_it: Mapped[str | None] = mapped_column(Text, nullable=True, default=None)
    description_en: Mapped[str | None] = mapped_column(Text, nullable=True, default=None)
    # Words that recognise the service besides the shared lexicon's, as lexicon entries are
    # written ("pacc*" for a stem).
    words_it: Mapped[list[str]] = mapped_column(JSON, default=list)
    words_en: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Offered hours; no days: whenever the rota has someone on duty.
    days: Mapped[list[int] | None] = mapped_column(JSON, nullable=True, default=None)
    starts_at: Mapped[time | None] = mapped_column(Time, nullable=True, default=None)
    ends_at: Mapped[time | None] = mapped_column(Time, nullable=True, default=None)

    def hours(self) -> OfferedHours | None:
        """The offered hours, when the cooperative set some."""
        if not self.days or self.starts_at is None or self.ends_at is None:
            return None
        return OfferedHours(days=tuple(self.days), starts_at=self.starts_at, ends_at=self.ends_at)


@dataclass(frozen=True)
class OfferedService:
    """One service as a cooperative offers it (or as the shared catalogue does)."""

    code: str
    active: bool
    own: bool  # the cooperative's own service, not one of the shared catalogue
    name_it: str
    name_en: str
    description_it: str
    description_en: str
    words_it: tuple[str, ...] = ()
    words_en: tuple[str, ...] = ()
    hours: OfferedHours | None = None
    customised: bool = False  # the cooperative changed something of the shared default

    def name(self, language: str) -> str:
        """The name people read, in their language."""
        return self.name_en if language == "en" else self.name_it

    def description(self, language: str) -> str:
        """The one-line description, in the person's language."""
        return self.description_en if language == "en" else self.description_it


def _offered(service: Service, entry: CooperativeService | None) -> OfferedService:
    if entry is None:
        return OfferedService(
            code=service.code, active=service.active, own=False,
            name_it=service.name_it, name_en=service.name_en,
            description_it=service.description_it, description_en=service.description_en,
        )  # fmt: skip
    return OfferedService(
        code=service.code,
        active=service.active and entry.active,
        own=service.owner_cooperative_id is not None,
        name_it=entry.name_it or service.name_it,
        name_en=entry.name_en or service.name_en,
        description_it=entry.description_it or service.description_it,
        description_en=entry.description_en or service.description_en,
        words_it=tuple(entry.words_it or ()),
        words_en=tuple(entry.words_en or ()),
        hours=entry.hours(),
        customised=True,
    )


@dataclass(frozen=True)
class Catalogue:
    """Every service a cooperative knows (None: the shared catalogue), in menu order."""

    cooperative_id: int | None
    entries: tuple[OfferedService, ...]

    @property
    def services(self) -> tuple[OfferedService, ...]:
        """What requesters may ask for: the menu."""
        return tuple(entry for entry in self.entries if entry.active)

    def get(self, code: str) -> OfferedService | None:
        """The service with this code, offered or retired; None when the cooperative has none."""
        return next((entry for entry in self.entries if entry.code == code), None)

    def offers(self, code: str) -> bool:
        """Whether requesters may ask for this service."""
        entry = self.get(code)
        return entry is not None and entry.active

    def extra_words(self) -> dict[str, dict[str, list[str]]]:
        """The cooperative's own recognition words of the services it offers, as the lexicon
        file holds them: code → language → entries."""
        return {
            entry.code: {"it": list(entry.words_it), "en": list(entry.words_en)}
            for entry in self.services
            if entry.words_it or entry.words_en
        }


async def cooperative_catalogue(session: AsyncSession, cooperative_id: int | None) -> Catalogue:
    """A cooperative's catalogue in one query; None: the shared catalogue."""
    if cooperative_id is None:
        rows = await session.scalars(
            select(Service)
            .where(Service.owner_cooperative_id.is_(None))
            .order_by(Service.position, Service.code)
        )
        return Catalogue(None, tuple(_offered(service, None) for service in rows.all()))
    joined = await session.execute(
        select(Service, CooperativeService)
        .outerjoin(
            CooperativeService,
            and_(
                CooperativeService.service_code == Service.code,
                CooperativeService.cooperative_id == cooperative_id,
            ),
        )
        .where(
            or_(
                Service.owner_cooperative_id.is_(None),
                Service.owner_cooperative_id == cooperative_id,
            )
        )
        .order_by(Service.position, Service.code)
    )
    return Catalogue(
        cooperative_id, tuple(_offered(service, entry) for service, entry in joined.all())
    )


async def service_as_offered(
    session: AsyncSession, code: str, cooperative_id: int | None
) -> tuple[Service, CooperativeService | None]:
    """A service and the cooperative's entry for it, in one query; NotFound without one."""
    if cooperative_id is None:
        return await get_service(session, code), None
    row = (
        await session.execute(
            select(Service, CooperativeService)
            .outerjoin(
                CooperativeService,
                and_(
                    CooperativeService.service_code == Service.code,
                    CooperativeService.cooperative_id == cooperative_id,
                ),
            )
            .where(Service.code == code)
        )
    ).first()
    if row is None:
        raise NotFound(f"no service with code {code!r}", why="why.no_service", what=code)
    return row[0], row[1]


_CATALOGUES = "concierge.catalogues"  # the unit of work's copies by zone, in session.info
_CATALOGUE_TYPES = (Service, CooperativeService, Operator, Cooperative)


def _catalogue_changed(session: Session | AsyncSession) -> bool:
    """Whether the unit of work holds unsaved changes to services, entries or who works where."""
    return any(
        isinstance(instance, _CATALOGUE_TYPES)
        for changed in (session.new, session.dirty, session.deleted)
        for instance in changed
    )


async def catalogue_for(session: AsyncSession, requester: Person) -> Catalogue:
    """The catalogue a requester reads: that of the cooperative serving their zone.

    Loaded once per unit of work and zone (a turn reads it for the menu, the reading of a text
    and the confirmation): dropped by any flush that wrote a service, an entry or an operator."""
    cached: dict[str | None, Catalogue] = session.info.setdefault(_CATALOGUES, {})
    if _catalogue_changed(session):
        cached.clear()
    found = cached.get(requester.zone)
    if found is None:
        cooperative_id = await zone_cooperative(session, requester.zone)
        found = await cooperative_catalogue(session, cooperative_id)
        cached[requester.zone] = found
    return found


@event.listens_for(Session, "after_flush")
def _forget_catalogues(session: Session, _context: object) -> None:
    """A flush that wrote services, entries or operators makes the unit's copies stale."""
    if session.info.get(_CATALOGUES) and _catalogue_changed(session):
        session.info[_CATALOGUES].clear()
