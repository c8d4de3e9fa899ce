"""Opening hours as the rota makes them: whether anyone works now, when the service reopens,
what happens to a request for an hour nobody works; and the timer that hands out the queue the
moment a shift starts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from concierge.context import DomainContext
from concierge.people.person import Person
from concierge.routing.assignment import dispatch_queue
from concierge.team.operators import Operator, active_operators, serving_cooperative
from concierge.team.rota import (
    OPENING_HORIZON_DAYS,
    next_opening,
    next_shift_start,
    on_rota,
    working_spans,
)
from concierge.timers import Timer, TimerKind, plan_service_timer


async def reopens_at(ctx: DomainContext) -> datetime | None:
    """When the service next opens, if it is closed now; None when it is open (or never opens)."""
    opening = next_opening(await active_operators(ctx.session), ctx.now(), ctx.calendar)
    return None if opening is None or opening <= ctx.now() else opening


@dataclass(frozen=True)
class OutOfHours:
    """A request asked for an hour nobody who does it works: it is seen to before then (by the
    last closing before that hour) or, when no shift is left before it, from the next opening."""

    before: datetime | None
    reopens: datetime | None


async def _staff_for(ctx: DomainContext, requester: Person, service_code: str) -> list[Operator]:
    cooperative = await serving_cooperative(ctx.session, requester, service_code)
    return [
        op
        for op in await active_operators(ctx.session)
        if op.can_do(service_code) and cooperative in (None, op.cooperative_id)
    ]


def _last_closing(staff: list[Operator], ctx: DomainContext, moment: datetime) -> datetime | None:
    """The latest end of a shift between now and `moment` (looking back a fortnight at most)."""
    now = ctx.now()
    first = now.astimezone(ctx.zone).date()
    day = moment.astimezone(ctx.zone).date()
    for _ in range(OPENING_HORIZON_DAYS + 1):
        if day < first:
            break
        ends = [
            end
            for op in staff
            for _, end in working_spans(op, day, ctx.calendar)
            if now < end <= moment
        ]
        if ends:
            return max(ends)
        day -= timedelta(days=1)
    return None


async def out_of_hours(
    ctx: DomainContext, requester: Person, service_code: str, moment: datetime
) -> OutOfHours | None:
    """What happens to a request for `moment` when nobody who does it works then; None when
    someone does (or when nobody does it at all: that is the coordinators' news, not this)."""
    staff = await _staff_for(ctx, requester, service_code)
    if moment <= ctx.now() or not staff or any(on_rota(op, moment, ctx.calendar) for op in staff):
        return None
    closing = _last_closing(staff, ctx, moment)
    if closing is not None:
        return OutOfHours(before=closing, reopens=None)
    opening = next_opening(staff, ctx.now(), ctx.calendar)
    return OutOfHours(before=None, reopens=opening) if opening is not None else None


async def plan_shift_start(ctx: DomainContext) -> Timer | None:
    """Keep a timer at the next moment any operator's shift starts."""
    due = next_shift_start(await active_operators(ctx.session), ctx.now(), ctx.calendar)
    return await plan_service_timer(ctx, TimerKind.SHIFT_START, due)


async def on_shift_start(ctx: DomainContext, timer: Timer) -> None:
    """A shift started: offer what is waiting at once, then plan the next start."""
    await dispatch_queue(ctx)
    await plan_shift_start(ctx)
