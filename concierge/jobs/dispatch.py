"""Firing a due timer: the one entry point the scheduler calls, for every kind of timer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from concierge.checkins.rounds import retry_or_escalate, start_checkin
from concierge.context import DomainContext
from concierge.noticeboard.bulletin import send_bulletin
from concierge.numbers.digest import send_digest
from concierge.parcels.shelf import remind_collection
from concierge.privacy.retention import run_retention
from concierge.requests.reminders import alert_overdue, remind_operator
from concierge.requests.satisfaction import ask_satisfaction, close_satisfaction
from concierge.routing.assignment import expire_offer
from concierge.routing.opening_hours import on_shift_start
from concierge.standing.occurrences import make_occurrence
from concierge.timers import Timer, TimerKind, TimerStatus
from concierge.welfare.expiry import credit_round

ACTIONS: dict[TimerKind, Callable[[DomainContext, Timer], Awaitable[None]]] = {
    TimerKind.OFFER_TIMEOUT: expire_offer,
    TimerKind.REMINDER: remind_operator,
    TimerKind.OVERDUE: alert_overdue,
    TimerKind.FOLLOW_UP: ask_satisfaction,
    TimerKind.FOLLOW_UP_CLOSE: close_satisfaction,
    TimerKind.DAILY_DIGEST: send_digest,
    TimerKind.SHIFT_START: on_shift_start,
    TimerKind.CHECKIN: start_checkin,
    TimerKind.CHECKIN_RETRY: retry_or_escalate,
    TimerKind.BULLETIN: send_bulletin,
    TimerKind.PARCEL_REMINDER: remind_collection,
    TimerKind.CREDIT_ROUND: credit_round,
    TimerKind.RETENTION: run_retention,
    TimerKind.STANDING_ORDER: make_occurrence,
}

# A scheduler whose clock runs a little ahead of the database's must not be refused.
EARLY_TOLERANCE = timedelta(seconds=2)


async def fire_timer(ctx: DomainContext, timer_id: int) -> bool:
    """Do what a due timer promised, once; False if it fired before, was called off or is early."""
    timer = await ctx.session.get(Timer, timer_id, with_for_update=True)
    if timer is None or timer.status != TimerStatus.PENDING:
        return False
    if timer.due_at > ctx.now() + EARLY_TOLERANCE:
        return False
    timer.status = TimerStatus.FIRED
    timer.fired_at = ctx.now()
    await ctx.session.flush()
    await ACTIONS[TimerKind(timer.kind)](ctx, timer)
    return True
