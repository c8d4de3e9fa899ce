"""*Fatto* on a task: for a service priced by the hour the operator first says how many hours it
took (a short step with choices); the request is then finished and charged to whoever pays."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from concierge.context import DomainContext
from concierge.i18n import format_number
from concierge.messages import Choice, Reply
from concierge.requests.notifications import request_summary
from concierge.requests.request import ServiceRequest, finish_request, get_request
from concierge.routing.assignment import dispatch_queue
from concierge.team.operators import Operator
from concierge.welfare.at_done import charge_finished, needs_hours
from handlers.turn import Outcome, Turn, number_in

# The answers offered for the time worked, in minutes: half an hour to four hours.
HOUR_CHOICES = (30, 60, 90, 120, 180, 240)


class HoursAsked(BaseModel):
    """The operator pressed *Fatto* on an hourly service and was asked the hours worked."""

    step: Literal["hours"]
    request_id: int


def hours_in(choice: str) -> tuple[int, int] | None:
    """The request and minutes in an `hours:REQUEST:MINUTES` choice, if it is one."""
    action, _, rest = choice.partition(":")
    raw_id, _, raw_minutes = rest.partition(":")
    request_id, minutes = number_in(raw_id), number_in(raw_minutes)
    if action != "hours" or request_id is None or minutes not in HOUR_CHOICES:
        return None
    return request_id, minutes


async def hours_question(turn: Turn, operator: Operator, request_id: int) -> Outcome | None:
    """*Fatto* on one's own hourly task: the hours worked, as choices; None when no hours are
    needed (or the task is not theirs: finishing it will say so)."""
    request = await get_request(turn.ctx, request_id)
    if request.operator_id != operator.id or not await needs_hours(turn.ctx, request):
        return None
    choices = tuple(
        Choice(
            label=turn.text("choice.hours", hours=format_number(minutes / 60, turn.language)),
            payload=f"hours:{request_id}:{minutes}",
        )
        for minutes in HOUR_CHOICES
    )
    summary = request_summary(turn.ctx, request, turn.language)
    state = HoursAsked(step="hours", request_id=request_id).model_dump()
    return state, [Reply(text=turn.text("operator.hours_ask", summary=summary), choices=choices)]


async def finish_task(
    ctx: DomainContext, operator: Operator, request_id: int, minutes: int | None
) -> ServiceRequest:
    """Finish a task and charge it to whoever pays (the minutes worked, if hourly): by chat
    and from the dashboard alike."""
    request = await finish_request(ctx, operator, request_id)
    await charge_finished(ctx, request, minutes, by=f"operator:{operator.id}")
    await dispatch_queue(ctx)  # a place freed up: what waits may go out now
    return request
