"""Managing the team from the command line: add operators, weekly slots and rota exceptions."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import select

from concierge.catalogue import get_service
from concierge.context import DomainContext
from concierge.errors import InvalidValue, NotFound
from concierge.messages import IdentityKind
from concierge.operators import Cooperative, Operator, Shift, operator_for_person
from concierge.people import PersonKind, find_or_register, normalise_phone
from concierge.rota import ExceptionKind, ShiftException


async def operator_by_phone(ctx: DomainContext, phone: str) -> Operator:
    """The operator with this phone number; NotFound otherwise."""
    number = normalise_phone(phone, ctx.settings.default_region)
    person, created = await find_or_register(ctx.session, IdentityKind.PHONE, number, ctx.now())
    operator = None if created else await operator_for_person(ctx.session, person.id)
    if operator is None:
        raise NotFound(f"no operator with phone {number}", what=number)
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
        raise InvalidValue(f"{number} is already an operator")
    person.first_name, person.last_name = first_name, last_name
    person.kind, person.language = PersonKind.WORKER, language
    team = await ctx.session.scalar(select(Cooperative).where(Cooperative.name == cooperative))
    if team is None:
        team = Cooperative(name=cooperative)
        ctx.session.add(team)
        await ctx.session.flush()
    operator = Operator(
        person_id=person.id, cooperative_id=team.id, skills=skills, capacity=capacity,
        zones=zones, active=True, paused=False,
    )  # fmt: skip
    ctx.session.add(operator)
    await ctx.session.flush()
    return operator


async def add_shift(
    ctx: DomainContext, phone: str, weekday: int, starts_at: time, ends_at: time
) -> Shift:
    """Add a weekly slot (0 = Monday) to an operator's rota."""
    if not starts_at < ends_at:
        raise InvalidValue(f"a slot must end after it starts ({starts_at:%H:%M}-{ends_at:%H:%M})")
    operator = await operator_by_phone(ctx, phone)
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
    """Record time off (the whole day, or a span) or an extra shift on one day."""
    if span is not None and not span[0] < span[1]:
        raise InvalidValue(f"a span must end after it starts ({span[0]:%H:%M}-{span[1]:%H:%M})")
    operator = await operator_by_phone(ctx, phone)
    starts_at, ends_at = span if span is not None else (None, None)
    change = ShiftException(day=day, kind=kind, starts_at=starts_at, ends_at=ends_at, note=note)
    operator.exceptions.append(change)
    await ctx.session.flush()
    return change
