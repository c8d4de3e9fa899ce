"""Making a series and changing it: pause, resume, skip one occurrence, stop. The requester
does it by message, coordinators from the dashboard; each change is recorded with who made it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from concierge.context import DomainContext
from concierge.errors import InvalidValue
from concierge.intake.due_dates import When
from concierge.messages import Channel
from concierge.people.person import Person
from concierge.requests.lifecycle import OPEN_STATUSES
from concierge.requests.request import ServiceRequest
from concierge.standing.occurrences import plan_next, replan
from concierge.standing.orders import (
    LIVE_STATUSES,
    OrderStatus,
    StandingOccurrence,
    StandingOrder,
    record,
)
from concierge.standing.schedule import Rule, Slot, planned_after, resolve
from concierge.team.operators import serving_cooperative
from concierge.timers import TimerKind, keep_timer, pending_timer

SKIP_SEARCH = 60  # planned days looked through for the one to skip


async def create_order(
    ctx: DomainContext,
    person: Person,
    service_code: str,
    details: str,
    channel: Channel,
    series: dict[str, Any],
    first: When,
    urgent: bool = False,
) -> tuple[StandingOrder, Slot | None]:
    """A confirmed recurring request: the series, and its first occurrence on a timer."""
    rule = Rule.from_series(series, first.day, _until(series))
    now = ctx.now()
    order = StandingOrder(
        requester_id=person.id, service_code=service_code, details=details.strip(),
        urgent=urgent, channel=channel, rule=rule.model_dump(mode="json"),
        cooperative_id=await serving_cooperative(ctx.session, person, service_code),
        at_time=first.at.strftime("%H:%M") if first.at else None,
        part=first.part.value if first.part else None, status=OrderStatus.ACTIVE,
        skipped=[], created_at=now, updated_at=now,
    )  # fmt: skip
    ctx.session.add(order)
    await ctx.session.flush()
    await ctx.session.refresh(order, ["requester", "service"])
    record(ctx, order, f"person:{person.id}", "created")
    return order, await plan_next(ctx, order, None)


def _until(series: dict[str, Any]) -> date | None:
    raw = series.get("until")
    return date.fromisoformat(raw) if isinstance(raw, str) else None


def _require_live(order: StandingOrder) -> None:
    if order.status not in LIVE_STATUSES:
        raise InvalidValue(
            f"standing order {order.id} is {order.status}",
            why="why.order_status",
            id=order.id,
            status=str(order.status),
        )


async def _halt(
    ctx: DomainContext, order: StandingOrder, status: OrderStatus, actor: str, what: str
) -> None:
    """No next occurrence: its timer called off, the series marked `status`, the change kept."""
    _require_live(order)
    order.status = status
    pending = await pending_timer(ctx, TimerKind.STANDING_ORDER, order.id)
    await keep_timer(ctx, TimerKind.STANDING_ORDER, None, pending, order.id)
    order.next_planned = order.next_day = None
    record(ctx, order, actor, what)


async def pause_order(ctx: DomainContext, order: StandingOrder, actor: str) -> None:
    """No more occurrences until resumed."""
    await _halt(ctx, order, OrderStatus.PAUSED, actor, "paused")


async def resume_order(ctx: DomainContext, order: StandingOrder, actor: str) -> Slot | None:
    """Occurrences again, from today on (those missed while paused are not made up)."""
    _require_live(order)
    order.status = OrderStatus.ACTIVE
    record(ctx, order, actor, "resumed")
    return await replan(ctx, order)


async def stop_order(ctx: DomainContext, order: StandingOrder, actor: str) -> None:
    """The series ends: no more occurrences (requests already made stay as they are)."""
    await _halt(ctx, order, OrderStatus.STOPPED, actor, "stopped")


async def upcoming(ctx: DomainContext, order: StandingOrder, count: int) -> list[Slot]:
    """The next `count` occurrences still to be made, from the next one on (holidays applied)."""
    rule, slots = order.schedule, list[Slot]()
    today = ctx.now().astimezone(ctx.zone).date()
    planned = order.next_planned or planned_after(rule, today - timedelta(days=8))
    for _ in range(SKIP_SEARCH):
        if planned is None or len(slots) >= count:
            break
        slot = resolve(rule, planned, ctx.calendar)
        if not order.skips(planned) and slot.day is not None and slot.day >= today:
            slots.append(slot)
        planned = planned_after(rule, planned)
    return slots


async def skip_next(
    ctx: DomainContext, order: StandingOrder, actor: str, weekday: int | None = None
) -> Slot:
    """Skip the next occurrence (on `weekday`, when given); the series goes on after it."""
    _require_live(order)
    for slot in await upcoming(ctx, order, SKIP_SEARCH):
        assert slot.day is not None
        if weekday is None or weekday in (slot.planned.weekday(), slot.day.weekday()):
            order.skipped = [*order.skipped, slot.planned.isoformat()]
            record(ctx, order, actor, "skipped", slot.planned.isoformat())
            if order.status == OrderStatus.ACTIVE and slot.planned == order.next_planned:
                await plan_next(ctx, order, slot.planned)
            return slot
    raise InvalidValue(
        f"standing order {order.id} has no occurrence to skip", why="why.order_skip", id=order.id
    )


async def made_today(ctx: DomainContext, order: StandingOrder) -> StandingOccurrence | None:
    """The series' occurrence falling today whose request is already made and still open, if
    any: it is no longer the series' to skip (its request is cancelled like any other); one
    already cancelled or done has nothing left to cancel."""
    today = ctx.now().astimezone(ctx.zone).date()
    return await ctx.session.scalar(
        select(StandingOccurrence)
        .join(ServiceRequest, ServiceRequest.id == StandingOccurrence.request_id)
        .where(
            StandingOccurrence.order_id == order.id,
            StandingOccurrence.day == today,
            ServiceRequest.status.in_(OPEN_STATUSES),
        )
    )


async def forget_orders(ctx: DomainContext, person: Person, erased: str) -> int:
    """A person erased: their series stop and their words go; returns how many there were."""
    query = select(StandingOrder).where(StandingOrder.requester_id == person.id)
    orders = list((await ctx.session.scalars(query)).unique().all())
    for order in orders:
        if order.status in LIVE_STATUSES:
            await stop_order(ctx, order, "system")
        order.details = erased
    return len(orders)
