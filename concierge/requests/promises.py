"""What a request's changes promise about its future: the timers each lifecycle change sets and
calls off (offer time-out, reminder, overdue alarm, follow-up), in the change's transaction."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from concierge.context import DomainContext
from concierge.local_time import outside_quiet_hours
from concierge.requests.lifecycle import OPEN_STATUSES, RequestStatus
from concierge.timers import TimerKind, cancel_timers, set_timer

if TYPE_CHECKING:
    from concierge.requests.request import RequestEvent, ServiceRequest


def follow_up_due(ctx: DomainContext) -> datetime:
    """When to ask how a request done now went: after the delay, never in the quiet hours."""
    due = ctx.now() + timedelta(minutes=ctx.settings.follow_up_delay_minutes)
    return outside_quiet_hours(due, ctx.settings.quiet_span, ctx.zone)


async def plan_timers(ctx: DomainContext, request: ServiceRequest, event: RequestEvent) -> None:
    """Set and call off a request's timers after a lifecycle change (same transaction)."""
    target = RequestStatus(event.to_status)
    settings = ctx.settings
    if event.from_status == RequestStatus.OFFERED:
        await cancel_timers(ctx, request.id, [TimerKind.OFFER_TIMEOUT])
    if target is RequestStatus.QUEUED:  # taken away from its operator: no reminder for them
        await cancel_timers(ctx, request.id, [TimerKind.REMINDER])
    if target not in OPEN_STATUSES:
        await cancel_timers(ctx, request.id)
        if target is RequestStatus.DONE:
            await set_timer(ctx, TimerKind.FOLLOW_UP, follow_up_due(ctx), request.id)
        return
    if target is RequestStatus.OFFERED:
        seconds = (
            settings.offer_timeout_urgent_seconds
            if request.urgent
            else settings.offer_timeout_seconds
        )
        due = ctx.now() + timedelta(seconds=seconds)
        await set_timer(ctx, TimerKind.OFFER_TIMEOUT, due, request.id, request.operator_id)
    if request.due_at is None:
        return
    if target is RequestStatus.QUEUED and event.from_status == RequestStatus.NEW:
        await set_timer(ctx, TimerKind.OVERDUE, request.due_at, request.id)
    if target is RequestStatus.ACCEPTED:
        remind_at = request.due_at - timedelta(minutes=settings.reminder_lead_minutes)
        await set_timer(
            ctx, TimerKind.REMINDER, max(remind_at, ctx.now()), request.id, request.operator_id
        )


async def replan_due(ctx: DomainContext, request: ServiceRequest) -> None:
    """A request's due time changed: its overdue alarm and its operator's reminder follow it."""
    await cancel_timers(ctx, request.id, [TimerKind.OVERDUE, TimerKind.REMINDER])
    if request.due_at is None or request.status not in OPEN_STATUSES:
        return
    await set_timer(ctx, TimerKind.OVERDUE, request.due_at, request.id)
    if request.status in (RequestStatus.ACCEPTED, RequestStatus.IN_PROGRESS):
        remind_at = request.due_at - timedelta(minutes=ctx.settings.reminder_lead_minutes)
        await set_timer(
            ctx, TimerKind.REMINDER, max(remind_at, ctx.now()), request.id, request.operator_id
        )
