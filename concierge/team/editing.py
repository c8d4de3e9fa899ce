"""Managing the team from the command line: add operators, weekly slots and rota exceptions."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import select

from concierge.context import DomainContext
from concierge.errors import InvalidValue, NotFound
from concierge.intake.catalogue import get_service
from concierge.messages import IdentityKind
from concierge.people.person import PersonKind, find_or_register, normalise_phone
from concierge.team.operators import Cooperative, Operator, Shift, operator_for_person
from concierge.team.rota import ExceptionKind, ShiftException


async def operator_by_phone(ctx: DomainContext, phone: str) -> Operator:
    """The operator with this phone number; NotFound otherwise."""
    number = normalise_phone(phone, ctx.settings.default_region)
    person, created = await find_or_register(ctx.session, IdentityKind.PHONE, number, ctx.now())
    operator = None if created else await operator_for_person(ctx.session, person.id)
    if operator is None:
        raise NotFound(f"no operator with phone {number}", why="why.no_operator", what=number)
    return operator


async def add_operator(
    ctx: DomainContext,
    *,
    first_name: str,
    last_name: str,
    phone: str,
    skills: list[str],
    capacity: int,
    zones: list[str],
    language: str,
    cooperative: str,
) -> Operator:
    """Register a person (or take the one with this number) as an operator of a cooperative."""
    for code in skills:
        await get_service(ctx.session, code)  # NotFound names an unknown service code
    number = normalise_phone(phone, ctx.settings.default_region)
    person, _ = await find_or_register(ctx.session, IdentityKind.PHONE, number, ctx.now())
    if await operator_for_person(ctx.session, person.id) is not None:
        raise InvalidValue(
            f"{number} is already an operator", why="why.operator_exists", number=number
        )
    person.first_name, person.last_name = first_name, last_name
    person.kind, person.language = PersonKind.WORKER, language
    team = await ctx.session.scalar(select(Cooperative).where(Cooperative.name == cooperative))
    if team is None:
        team = Cooperative(name=cooperative)
        ctx.session.add(team)
        await ctx.session.flush()
    operator = Operator(
        person_id=person.id, cooperative_id=team.id, skills=skills, capacity=capacity,
        zones=zones, active=True, paused=False, shifts=[], exceptions=[],
    )  # fmt: skip
    ctx.session.add(operator)
    await ctx.session.flush()
    return operator


async def add_shift(
    ctx: DomainContext, phone: str, weekday: int, starts_at: time, ends_at: time
) -> Shift:
    """Add a weekly slot (0 = Monday) to the rota of the operator with this phone number."""
    operator = await operator_by_phone(ctx, phone)
    return await add_weekly_slot(ctx, operator, weekday, starts_at, ends_at)


async def add_weekly_slot(
    ctx: DomainContext, operator: Operator, weekday: int, starts_at: time, ends_at: time
) -> Shift:
    """Add a weekly slot (0 = Monday) to an operator's rota."""
    if not starts_at < ends_at:
        raise InvalidValue(
            f"a slot must end after it starts ({starts_at:%H:%M}-{ends_at:%H:%M})",
            why="why.slot_order",
            span=f"{starts_at:%H:%M}-{ends_at:%H:%M}",
        )
    if not 0 <= weekday <= 6:
        raise InvalidValue(
            f"no weekday {weekday} (0 = Monday … 6 = Sunday)", why="why.weekday", given=weekday
        )
    shift = Shift(weekday=weekday, starts_at=starts_at, ends_at=ends_at)
    operator.shifts.append(shift)
    await ctx.session.flush()
    return shift


async def add_exception(
    ctx: DomainContext,
    phone: str,
    day: date,
    kind: ExceptionKind,
    span: tuple[time, time] | None,
    note: str,
) -> ShiftException:
    """Record time off or an extra shift for the operator with this phone number."""
    operator = await operator_by_phone(ctx, phone)
    return await add_day_change(ctx, operator, day, kind, span, note)


async def add_day_change(
    ctx: DomainContext,
    operator: Operator,
    day: date,
    kind: ExceptionKind,
    span: tuple[time, time] | None,
    note: str,
) -> ShiftException:
    """Record time off (the whole day, or a span) or an extra shift on one day."""
    if span is not None and not span[0] < span[1]:
        raise InvalidValue(
            f"a span must end after it starts ({span[0]:%H:%M}-{span[1]:%H:%M})",
            why="why.span_order",
            span=f"{span[0]:%H:%M}-{span[1]:%H:%M}",
        )
    if kind == ExceptionKind.EXTRA and span is None:
        raise InvalidValue("an extra shift needs its hours", why="why.extra_hours")
    starts_at, ends_at = span if span is not None else (None, None)
    change = ShiftException(day=day, kind=kind, starts_at=starts_at, ends_at=ends_at, note=note)
    operator.exceptions.append(change)
    await ctx.session.flush()
    return change


async def remove_weekly_slot(ctx: DomainContext, operator: Operator, shift_id: int) -> None:
    """Take a weekly slot off an operator's rota; NotFound if it is not theirs."""
    shift = next((shift for shift in operator.shifts if shift.id == shift_id), None)
    if shift is None:
        raise NotFound(
            f"operator {operator.id} has no slot {shift_id}", why="why.no_slot", what=shift_id
        )
    operator.shifts.remove(shift)
    await ctx.session.flush()


async def remove_day_change(ctx: DomainContext, operator: Operator, change_id: int) -> None:
    """Take back a day's time off or extra shift; NotFound if it is not the operator's."""
    change = next((change for change in operator.exceptions if change.id == change_id), None)
    if change is None:
        raise NotFound(
            f"operator {operator.id} has no change {change_id}", why="why.no_change", what=change_id
        )
    operator.exceptions.remove(change)
    await ctx.session.flush()
