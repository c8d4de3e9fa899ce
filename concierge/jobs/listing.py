"""Pending timers described for the people who run the service (`concierge jobs`)."""

from __future__ import annotations

from concierge.checkins.plans import CheckinPlan, CheckinRound
from concierge.context import DomainContext
from concierge.i18n import t
from concierge.requests.request import ServiceRequest
from concierge.standing.orders import StandingOrder
from concierge.team.operators import Operator
from concierge.timers import Timer, TimerKind, pending_timers

# Whom a timer without a person of its own is for.
GROUPS = {
    TimerKind.OVERDUE: "coordinators",
    TimerKind.DAILY_DIGEST: "coordinators",
    TimerKind.SHIFT_START: "operators_starting",
}


async def _subject(ctx: DomainContext, timer: Timer, request: ServiceRequest | None) -> str | None:
    """The person a timer is about, by what its subject is for its kind: an offer's operator,
    a check-in plan's or round's resident, a follow-up's requester."""
    if timer.kind == TimerKind.OFFER_TIMEOUT and timer.subject_id is not None:
        operator = await ctx.session.get(Operator, timer.subject_id)
        return operator.person.display_name if operator else None
    if timer.kind == TimerKind.CHECKIN and timer.subject_id is not None:
        plan = await ctx.session.get(CheckinPlan, timer.subject_id)
        return plan.person.display_name if plan else None
    if timer.kind == TimerKind.CHECKIN_RETRY and timer.subject_id is not None:
        round_ = await ctx.session.get(CheckinRound, timer.subject_id)
        return round_.plan.person.display_name if round_ else None
    if timer.kind == TimerKind.STANDING_ORDER and timer.subject_id is not None:
        order = await ctx.session.get(StandingOrder, timer.subject_id)
        return order.requester.display_name if order else None
    if request is not None and timer.kind in (TimerKind.FOLLOW_UP, TimerKind.FOLLOW_UP_CLOSE):
        return request.requester.display_name
    if request is not None and request.operator is not None:  # a reminder: the task's operator
        return request.operator.person.display_name
    return None


async def describe_pending(ctx: DomainContext, lang: str) -> list[dict[str, str]]:
    """Pending timers, soonest first: when (local time), what, which request, for whom (in
    `lang`)."""
    rows = []
    for timer in await pending_timers(ctx):
        request = (
            await ctx.session.get(ServiceRequest, timer.request_id)
            if timer.request_id is not None
            else None
        )
        whom = await _subject(ctx, timer, request)
        if whom is None:
            group = GROUPS.get(timer.kind)
            whom = t(lang, f"jobs.for.{group}") if group else "-"
        rows.append(
            {
                "when": timer.due_at.astimezone(ctx.zone).strftime("%Y-%m-%d %H:%M"),
                "what": t(lang, f"jobs.kind.{timer.kind}"),
                "request": f"#{request.id} {request.service_code}" if request else "-",
                "for": whom,
            }
        )
    return rows
