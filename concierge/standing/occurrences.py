"""A series' next occurrence kept on a durable timer, and what its firing does: one request,
routed as usual, made once per planned day however often the timer fires."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache

from sqlalchemy import select

from concierge.context import DomainContext
from concierge.i18n import format_day, t
from concierge.local_time import at_local
from concierge.requests.request import create_request
from concierge.routing.assignment import offer_next
from concierge.standing.orders import (
    OrderStatus,
    StandingEvent,
    StandingOccurrence,
    StandingOrder,
    record,
)
from concierge.standing.schedule import Slot, planned_after, resolve
from concierge.standing.telling import order_language, tell_requester
from concierge.timers import Timer, TimerKind, keep_timer, pending_timer

# An occurrence becomes a request early on its day, before the rota opens, so that an operator
# can take it in time; one due earlier than that is made an hour before its hour.
MADE_AT = time(7, 0)
LEAD = timedelta(hours=1)
LOOK_AHEAD = 800  # planned days examined at most (a daily series skipped for two years)
CATCH_UP = timedelta(days=8)  # how far back a resumed series looks for a moved occurrence


def made_at(ctx: DomainContext, order: StandingOrder, day: date) -> datetime:
    """When the occurrence of `day` becomes a request."""
    usual = at_local(day, MADE_AT, ctx.zone)
    if order.at_time is None:
        return usual
    hour = at_local(day, time.fromisoformat(order.at_time), ctx.zone)
    return min(usual, hour - LEAD)


async def _made(ctx: DomainContext, order_id: int) -> set[date]:
    rows = await ctx.session.scalars(
        select(StandingOccurrence.planned).where(StandingOccurrence.order_id == order_id)
    )
    return set(rows.all())


@cache
def _national_names(country: str, year: int, language: str) -> dict[date, str]:
    import holidays  # on the first holiday named, as the service calendar does (~4 MB idle)

    locale = {"it": "it_IT", "en": "en_US"}.get(language)
    try:
        calendar = holidays.country_holidays(country, years=year, language=locale)
    except NotImplementedError:  # a country without that language: its own names
        calendar = holidays.country_holidays(country, years=year)
    return {day: str(name) for day, name in calendar.items()}


def holiday_name(ctx: DomainContext, day: date, language: str) -> str:
    """The holiday on `day` as the reader names it (a local day keeps the calendar's name)."""
    named = _national_names(ctx.settings.holiday_country, day.year, language).get(day)
    return named or ctx.calendar.holiday(day) or ""


async def _tell_holiday(ctx: DomainContext, order: StandingOrder, slot: Slot) -> None:
    """The requester hears which occurrence a holiday skips or moves, and where to."""
    told = await ctx.session.scalar(
        select(StandingEvent.id).where(
            StandingEvent.order_id == order.id,
            StandingEvent.action.in_(("moved", "holiday_skipped")),
            StandingEvent.detail.startswith(slot.planned.isoformat()),
        )
    )
    if told is not None:  # planned again (a resume, a skip): said once is enough
        return
    lang = order_language(ctx, order)
    name = holiday_name(ctx, slot.planned, lang)
    planned = format_day(slot.planned, lang)
    prefix = f"standing:{order.id}:holiday:{slot.planned.isoformat()}"
    if slot.day is None:
        record(ctx, order, "system", "holiday_skipped", slot.planned.isoformat())
        await tell_requester(
            ctx, order, "standing.holiday_skipped", prefix, day=planned, holiday=name
        )
        return
    record(ctx, order, "system", "moved", f"{slot.planned.isoformat()} -> {slot.day.isoformat()}")
    await tell_requester(
        ctx, order, "standing.holiday_moved", prefix,
        day=planned, holiday=name, moved=format_day(slot.day, lang),
    )  # fmt: skip


async def _next_slot(ctx: DomainContext, order: StandingOrder, after: date | None) -> Slot | None:
    """The first occurrence after `after` that is to be made: not skipped, not made already,
    not in the past, not closed for a holiday (each holiday met is told)."""
    rule, made = order.schedule, await _made(ctx, order.id)
    today = ctx.now().astimezone(ctx.zone).date()
    planned = planned_after(rule, after)
    for _ in range(LOOK_AHEAD):
        if planned is None:
            return None
        if not order.skips(planned) and planned not in made:
            slot = resolve(rule, planned, ctx.calendar)
            if slot.day is not None and slot.day >= today:
                if slot.moved:
                    await _tell_holiday(ctx, order, slot)
                return slot
            if slot.day is None and planned >= today:
                await _tell_holiday(ctx, order, slot)
        planned = planned_after(rule, planned)
    return None


async def plan_next(ctx: DomainContext, order: StandingOrder, after: date | None) -> Slot | None:
    """Set the series' next occurrence after the planned day `after` and its timer; a series
    with none left is finished (and its requester told)."""
    slot = await _next_slot(ctx, order, after) if order.status == OrderStatus.ACTIVE else None
    pending = await pending_timer(ctx, TimerKind.STANDING_ORDER, order.id)
    if slot is None or slot.day is None:
        order.next_planned = order.next_day = None
        await keep_timer(ctx, TimerKind.STANDING_ORDER, None, pending, order.id)
        if order.status == OrderStatus.ACTIVE:
            order.status = OrderStatus.FINISHED
            record(ctx, order, "system", "finished")
            await tell_requester(ctx, order, "standing.finished", f"standing:{order.id}:finished")
        return None
    order.next_planned, order.next_day = slot.planned, slot.day
    due = max(made_at(ctx, order, slot.day), ctx.now())
    if pending is not None and pending.due_at != due:
        await keep_timer(ctx, TimerKind.STANDING_ORDER, None, pending, order.id)
        pending = None
    await keep_timer(ctx, TimerKind.STANDING_ORDER, due, pending, order.id)
    return slot


async def replan(ctx: DomainContext, order: StandingOrder) -> Slot | None:
    """The next occurrence from today on (a series resumed, a day skipped)."""
    today = ctx.now().astimezone(ctx.zone).date()
    return await plan_next(ctx, order, today - CATCH_UP)


async def make_occurrence(ctx: DomainContext, timer: Timer) -> None:
    """The timer's occurrence becomes a request, routed as usual; then the next is planned.
    A planned day already made (the timer fired twice) makes nothing."""
    order = await ctx.session.get(StandingOrder, timer.subject_id)
    if order is None or order.status != OrderStatus.ACTIVE or order.next_planned is None:
        return
    planned, day = order.next_planned, order.next_day or order.next_planned
    if planned in await _made(ctx, order.id):
        return
    lang = order_language(ctx, order)
    details = t(lang, "standing.request_details", details=order.details, id=order.id).strip(" —")
    when = order.when_on(day)
    request = await create_request(
        ctx, order.requester, order.service_code, details, order.channel,
        urgent=order.urgent, due_at=when.due(ctx.zone), due_kind=when.kind,
    )  # fmt: skip
    occurrence = StandingOccurrence(
        order_id=order.id, planned=planned, day=day, request_id=request.id, created_at=ctx.now()
    )
    ctx.session.add(occurrence)
    record(ctx, order, "system", "made", f"{planned.isoformat()} request {request.id}")
    await ctx.session.flush()
    await offer_next(ctx, request)
    await plan_next(ctx, order, planned)
