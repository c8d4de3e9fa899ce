"""Reminders to the assigned operator before a request is due, and overdue alerts."""

from __future__ import annotations

from concierge.context import DomainContext
from concierge.i18n import t
from concierge.messages import Reply
from concierge.requests.lifecycle import OPEN_STATUSES, RequestStatus
from concierge.requests.notifications import (
    language_of,
    request_summary,
    tell_operator,
    tell_person,
)
from concierge.requests.request import ServiceRequest
from concierge.team.coordinators import coordinators_of
from concierge.timers import Timer


async def remind_operator(ctx: DomainContext, timer: Timer) -> None:
    """Remind the assigned operator that a request they took on is due soon."""
    request = await ctx.session.get(ServiceRequest, timer.request_id)
    if request is None or request.status not in (RequestStatus.ACCEPTED, RequestStatus.IN_PROGRESS):
        return
    operator = request.operator
    if operator is None or request.due_at is None:
        return
    await tell_operator(ctx, operator, "reminder.operator", request, f"timer:{timer.id}:operator")


async def alert_overdue(ctx: DomainContext, timer: Timer) -> None:
    """Tell the coordinators of its cooperative that a request passed its due time while still
    open."""
    request = await ctx.session.get(ServiceRequest, timer.request_id)
    if request is None or request.status not in OPEN_STATUSES:
        return
    for coordinator in await coordinators_of(ctx, request.cooperative_id):
        lang = language_of(ctx, coordinator.person)
        who = request.operator.first_name if request.operator else t(lang, "overdue.nobody")
        text = t(
            lang,
            "overdue.coordinator",
            summary=request_summary(ctx, request, lang),
            status=t(lang, f"status.{request.status}"),
            operator=who,
        )
        await tell_person(
            ctx, coordinator.person, coordinator.contact_channel, Reply(text=text),
            f"timer:{timer.id}:coordinator:{coordinator.id}", request.id,
            cooperative_id=request.cooperative_id,
        )  # fmt: skip
