"""The active operators' rota kept in memory between units of work (concierge.reference): what
a routing decision reads to choose, without loading operators through the ORM each time.

The copies are plain frozen records shared by every unit of the process, never ORM objects;
the one chosen is loaded as an Operator by the unit that offers it work."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from concierge.reference import ReferenceCache
from concierge.service_calendar import ServiceCalendar
from concierge.team.operators import Operator, Shift, is_on_duty, zone_covered
from concierge.team.rota import ShiftException


@dataclass(frozen=True, slots=True)
class SlotCopy:
    """A weekly slot of the rota (a Shift's fields)."""

    weekday: int
    starts_at: time
    ends_at: time


@dataclass(frozen=True, slots=True)
class ChangeCopy:
    """A change to the rota on one day (a ShiftException's fields)."""

    day: date
    kind: str
    starts_at: time | None
    ends_at: time | None


@dataclass(frozen=True, slots=True)
class OperatorRota:
    """What choosing an operator needs to know of them; answers as Operator does."""

    id: int
    person_id: int
    cooperative_id: int
    skills: frozenset[str]
    zones: tuple[str, ...]
    capacity: int
    active: bool
    paused: bool
    available_until: datetime | None
    shifts: tuple[SlotCopy, ...]
    exceptions: tuple[ChangeCopy, ...]

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


@dataclass(frozen=True)
class Rota:
    """Every active operator's rota, by id, and who has each skill (a decision looks at the few
    skilled for its service, not at the whole team)."""

    operators: tuple[OperatorRota, ...]
    by_skill: Mapping[str, tuple[OperatorRota, ...]]

    @classmethod
    def of(cls, operators: tuple[OperatorRota, ...]) -> Rota:
        """The rota of these operators, indexed by skill."""
        by_skill: defaultdict[str, list[OperatorRota]] = defaultdict(list)
        for operator in operators:
            for skill in operator.skills:
                by_skill[skill].append(operator)
        return cls(operators, {skill: tuple(ops) for skill, ops in by_skill.items()})

    def skilled(self, service_code: str) -> tuple[OperatorRota, ...]:
        """The operators with the skill for this service, by id."""
        return self.by_skill.get(service_code, ())


async def _load(session: AsyncSession) -> Rota:
    """Every active operator with their rota, by id: three column reads, no ORM objects."""
    operators = await session.execute(
        select(
            Operator.id, Operator.person_id, Operator.cooperative_id, Operator.skills,
            Operator.zones, Operator.capacity, Operator.paused, Operator.available_until,
        ).where(Operator.active.is_(True)).order_by(Operator.id)
    )  # fmt: skip
    shifts: defaultdict[int, list[SlotCopy]] = defaultdict(list)
    for operator_id, weekday, starts_at, ends_at in await session.execute(
        select(Shift.operator_id, Shift.weekday, Shift.starts_at, Shift.ends_at)
        .join(Operator, Operator.id == Shift.operator_id)
        .where(Operator.active.is_(True))
        .order_by(Shift.id)
    ):
        shifts[operator_id].append(SlotCopy(weekday, starts_at, ends_at))
    changes: defaultdict[int, list[ChangeCopy]] = defaultdict(list)
    for operator_id, day, kind, off_from, off_to in await session.execute(
        select(
            ShiftException.operator_id, ShiftException.day, ShiftException.kind,
            ShiftException.starts_at, ShiftException.ends_at,
        )
        .join(Operator, Operator.id == ShiftException.operator_id)
        .where(Operator.active.is_(True))
        .order_by(ShiftException.id)
    ):  # fmt: skip
        changes[operator_id].append(ChangeCopy(day, kind, off_from, off_to))
    return Rota.of(tuple(
        OperatorRota(
            id=op_id, person_id=person_id, cooperative_id=cooperative_id,
            skills=frozenset(skills or ()), zones=tuple(zones or ()), capacity=capacity,
            active=True, paused=paused, available_until=available_until,
            shifts=tuple(shifts[op_id]), exceptions=tuple(changes[op_id]),
        )
        for op_id, person_id, cooperative_id, skills, zones, capacity, paused, available_until
        in operators
    ))  # fmt: skip


_ROTA = ReferenceCache(_load)


async def rota(session: AsyncSession) -> Rota:
    """Every active operator's rota as this unit of work must see it, by id: the process's
    kept copy while the reference version is unchanged, else read again."""
    return await _ROTA.get(session)
