"""Cooperatives, their operators, the skills they have and the rota that puts them on duty."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    String,
    Time,
    event,
    false,
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from concierge.database import Base, UTCDateTime
from concierge.messages import Channel, identity_kind
from concierge.people.person import Person
from concierge.reference import watch
from concierge.service_calendar import ServiceCalendar
from concierge.team.rota import Rostered, ShiftException, on_rota


def zone_covered(zones: Sequence[str], zone: str | None) -> bool:
    """Whether a list of zones covers a requester's zone (an empty list covers every zone)."""
    return not zones or zone is None or zone in zones


def is_on_duty(
    active: bool,
    available_until: datetime | None,
    rostered: Rostered,
    moment: datetime,
    calendar: ServiceCalendar,
) -> bool:
    """On a rota shift (with its exceptions and holidays), or on duty by hand until later."""
    if not active:
        return False
    if available_until is not None and moment < available_until:
        return True
    return on_rota(rostered, moment, calendar)


class Cooperative(Base):
    """A social cooperative whose operators run the errands."""

    __tablename__ = "cooperatives"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # The partita IVA printed on the receipts of the services it gives.
    vat_number: Mapped[str] = mapped_column(String(20), default="", server_default="")

    operators: Mapped[list[Operator]] = relationship(back_populates="cooperative")


class Operator(Base):
    """A concierge operator: a person of a cooperative with skills (service codes)."""

    __tablename__ = "operators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), unique=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    contact_channel: Mapped[Channel] = mapped_column(String(20), default=Channel.WEBCHAT)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Set when the operator goes on duty by hand outside the rota (an extra shift).
    available_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    paused: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    capacity: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    zones: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")

    person: Mapped[Person] = relationship(lazy="joined")
    cooperative: Mapped[Cooperative] = relationship(back_populates="operators", lazy="joined")
    shifts: Mapped[list[Shift]] = relationship(
        back_populates="operator", lazy="selectin", cascade="all, delete-orphan"
    )
    exceptions: Mapped[list[ShiftException]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="ShiftException.id"
    )

    @property
    def first_name(self) -> str:
        """What residents are told the operator is called."""
        return self.person.first_name or self.person.display_name

    def contact_address(self) -> str | None:
        """Where the operator's notifications go on their contact channel."""
        return self.person.address_for(identity_kind(self.contact_channel))

    def can_do(self, service_code: str) -> bool:
        """Whether the operator has the skill for this service."""
        return service_code in self.skills

    def covers_zone(self, zone: str | None) -> bool:
        """Whether the operator works where the requester lives (no zones: everywhere)."""
        return zone_covered(self.zones, zone)

    def on_duty(self, moment: datetime, calendar: ServiceCalendar) -> bool:
        """On a rota shift (with its exceptions and holidays), or on duty by hand until later."""
        return is_on_duty(self.active, self.available_until, self, moment, calendar)

    def available(self, moment: datetime, calendar: ServiceCalendar) -> bool:
        """On duty and not paused: can be offered work now."""
        return not self.paused and self.on_duty(moment, calendar)


class Shift(Base):
    """One weekly rota slot: a weekday (0 = Monday) from a local start time to an end time."""

    __tablename__ = "shifts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    operator_id: Mapped[int] = mapped_column(
        ForeignKey("operators.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[time] = mapped_column(Time)
    ends_at: Mapped[time] = mapped_column(Time)

    operator: Mapped[Operator] = relationship(back_populates="shifts")

    def covers(self, weekday: int, local_time: time) -> bool:
        """Whether this slot includes a local weekday and wall-clock time."""
        return weekday == self.weekday and self.starts_at <= local_time < self.ends_at


# Operators and their rota are reference data: a change to them gives the reference data a new
# version, so every process's kept copy of the rota (concierge.team.rota_cache) is read again.
watch(Operator, Shift, ShiftException, Cooperative)


async def operator_for_person(session: AsyncSession, person_id: int) -> Operator | None:
    """The active operator record of a person, if they are one."""
    return await session.scalar(
        select(Operator).where(Operator.person_id == person_id, Operator.active.is_(True))
    )


_ACTIVE_OPERATORS = "concierge.active_operators"  # the unit of work's copy, in session.info
_ROTA_TYPES = (Operator, Shift, ShiftException, Cooperative)


def _rota_changed(session: Session | AsyncSession) -> bool:
    """Whether the unit of work holds unsaved changes to operators or their rota."""
    return any(
        isinstance(instance, _ROTA_TYPES)
        for changed in (session.new, session.dirty, session.deleted)
        for instance in changed
    )


async def active_operators(session: AsyncSession) -> list[Operator]:
    """Every active operator, by id.

    Loaded once per unit of work (a turn decides with the rota three to five times): the copy
    is kept while the unit holds no unsaved change to operators, shifts or exceptions, and is
    dropped by any flush that wrote one (see `_forget_rota`)."""
    cached: list[Operator] | None = session.info.get(_ACTIVE_OPERATORS)
    if cached is not None and not _rota_changed(session):
        return list(cached)
    rows = await session.scalars(
        select(Operator).where(Operator.active.is_(True)).order_by(Operator.id)
    )
    found = list(rows.unique().all())
    session.info[_ACTIVE_OPERATORS] = found
    return list(found)


def session_holds_rota(session: AsyncSession) -> bool:
    """Whether this unit of work already loaded every active operator (and it is current)."""
    return _ACTIVE_OPERATORS in session.info and not _rota_changed(session)


@event.listens_for(Session, "after_flush")
def _forget_rota(session: Session, _context: object) -> None:
    """A flush that wrote operators or their rota makes the unit's copy stale."""
    if _ACTIVE_OPERATORS in session.info and _rota_changed(session):
        del session.info[_ACTIVE_OPERATORS]


async def operators_on_duty(
    session: AsyncSession,
    moment: datetime,
    calendar: ServiceCalendar,
    service_code: str | None = None,
) -> list[Operator]:
    """Active operators on duty at `moment`, optionally only those with a skill, by id."""
    return [
        op
        for op in await active_operators(session)
        if op.on_duty(moment, calendar) and (service_code is None or op.can_do(service_code))
    ]


async def serving_cooperative(
    session: AsyncSession, requester: Person, service_code: str
) -> int | None:
    """The cooperative a new request belongs to: the first with an active operator skilled for
    it in the requester's zone, else the first cooperative there is (None when there is none)."""
    # Three columns, not whole operators with their rota: this runs inside the turn that holds
    # SQLite's write lock, and every query there keeps other turns waiting.
    rows = await session.execute(
        select(Operator.cooperative_id, Operator.skills, Operator.zones).where(
            Operator.active.is_(True)
        )
    )
    covering = [
        (cooperative_id, service_code in skills)
        for cooperative_id, skills, zones in rows.all()
        if zone_covered(zones, requester.zone)
    ]
    serving = [cooperative_id for cooperative_id, skilled in covering if skilled]
    if serving:
        return min(serving)
    if requester.zone is not None and covering:
        # Nobody skilled yet (a cooperative's new service of its own): the zone's cooperative,
        # whose coordinators hear that nobody can take it, rather than the first one.
        return min(cooperative_id for cooperative_id, _ in covering)
    return await session.scalar(select(func.min(Cooperative.id)))


async def zone_cooperative(session: AsyncSession, zone: str | None) -> int | None:
    """The cooperative serving a zone, whatever is asked: the first with an active operator
    working there (as `serving_cooperative` picks among the skilled ones); None without a zone
    or when nobody works there."""
    if zone is None:
        return None
    cached: list[Operator] | None = session.info.get(_ACTIVE_OPERATORS)
    if cached is not None and not _rota_changed(session):  # the rota, when the unit read it
        pairs = [(op.cooperative_id, op.zones) for op in cached]
    else:
        rows = await session.execute(
            select(Operator.cooperative_id, Operator.zones).where(Operator.active.is_(True))
        )
        pairs = [(cooperative_id, zones) for cooperative_id, zones in rows.all()]
    serving = [cooperative_id for cooperative_id, zones in pairs if zone_covered(zones, zone)]
    return min(serving, default=None)


def go_on_duty(operator: Operator, now: datetime, hours: float) -> datetime:
    """Put the operator on duty by hand for `hours`; returns until when."""
    operator.available_until = now + timedelta(hours=hours)
    return operator.available_until


def go_off_duty(operator: Operator, now: datetime) -> None:
    """End a by-hand duty period (the rota still applies)."""
    operator.available_until = now
