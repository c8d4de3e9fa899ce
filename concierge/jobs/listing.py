"""Pending timers described for the people who run the service (`concierge jobs`)."""

from __future__ import annotations

from concierge.context import DomainContext
from concierge.requests.request import ServiceRequest
from concierge.team.operators import Operator
from concierge.timers import TimerKind, pending_timers


async def describe_pending(ctx: DomainContext) -> list[dict[str, str]]:
    """Pending timers, soonest first: when (local time), what, which request, for whom."""
    rows = []
    for timer in await pending_timers(ctx):
        request = await ctx.session.get(ServiceRequest, timer.request_id)
        operator = await ctx.session.get(Operator, timer.subject_id) if timer.subject_id else None
        if operator is not None:
            whom = operator.person.display_name
        elif timer.kind in (TimerKind.OVERDUE, TimerKind.DAILY_DIGEST):
            whom = "coordinators"
        elif timer.kind == TimerKind.SHIFT_START:
            whom = "operators starting"
        elif timer.kind == TimerKind.FOLLOW_UP and request is not None:
            whom = request.requester.display_name
        else:
            whom = "-"
        rows.append(
            {
                "when": timer.due_at.astimezone(ctx.zone).strftime("%Y-%m-%d %H:%M"),
                "what": str(timer.kind),
                "request": f"#{request.id} {request.service_code}" if request else "-",
                "for": whom,
            }
        )
    return rows
