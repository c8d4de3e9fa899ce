"""Opening hours as the rota makes them: whether anyone works now, and when the service reopens;
and the timer that hands out the queue the moment a shift starts."""

from __future__ import annotations

from datetime import datetime

from concierge.context import DomainContext
from concierge.routing.assignment import dispatch_queue
from concierge.team.operators import active_operators
from concierge.team.rota import next_opening, next_shift_start
from concierge.timers import Timer, TimerKind, plan_service_timer


async def reopens_at(ctx: DomainContext) -> datetime | None:
    """When the service next opens, if it is closed now; None when it is open (or never opens)."""
    opening = next_opening(await active_operators(ctx.session), ctx.now(), ctx.calendar)
    return None if opening is None or opening <= ctx.now() else opening


async def plan_shift_start(ctx: DomainContext) -> Timer | None:
    """Keep a timer at the next moment any operator's shift starts."""
    due = next_shift_start(await active_operators(ctx.session), ctx.now(), ctx.calendar)
    return await plan_service_timer(ctx, TimerKind.SHIFT_START, due)


async def on_shift_start(ctx: DomainContext, timer: Timer) -> None:
    """A shift started: offer what is waiting at once, then plan the next start."""
    await dispatch_queue(ctx)
    await plan_shift_start(ctx)
