"""Timers: promises about the future (offer time-outs, reminders, overdue alerts), stored as rows
in the same transaction as the change that made them, fired at most once by the scheduler."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Mapped

from concierge.context import DomainContext
from concierge.database import Base
from concierge.timer_table import TIMERS
from concierge.timer_table import TimerKind as TimerKind  # imported from here by the domain
from concierge.timer_table import TimerStatus as TimerStatus


class Timer(Base):
    """One thing to do at one moment for one request (columns: concierge.timer_table)."""

    __table__ = TIMERS

    id: Mapped[int]
    kind: Mapped[TimerKind]
    request_id: Mapped[int | None]
    subject_id: Mapped[int | None]
    due_at: Mapped[datetime]
    status: Mapped[TimerStatus]
    created_at: Mapped[datetime]
    fired_at: Mapped[datetime | None]


# A request made in this unit of work has no pending timer but those set here, so calling off
# its timers needs no query (issue 20: two statements off the turn that confirms a request).
_NEW_REQUESTS = "concierge.timers.new_requests"  # in session.info: made here, timers set here


def note_new_request(ctx: DomainContext, request_id: int) -> None:
    """Tell the timers that this unit of work made the request (it has none yet)."""
    ctx.session.info.setdefault(_NEW_REQUESTS, {})[request_id] = False


async def set_timer(
    ctx: DomainContext,
    kind: TimerKind,
    due_at: datetime,
    request_id: int | None = None,
    subject_id: int | None = None,
) -> Timer:
    """Promise to do `kind` at `due_at`; replaces a pending timer of the same kind and request."""
    await cancel_timers(ctx, request_id, [kind])
    new_requests: dict[int, bool] = ctx.session.info.get(_NEW_REQUESTS, {})
    if request_id in new_requests:
        new_requests[request_id] = True  # it has a timer now: the next call-off looks
    timer = Timer(
        kind=kind,
        request_id=request_id,
        subject_id=subject_id,
        due_at=due_at,
        status=TimerStatus.PENDING,
        created_at=ctx.now(),
    )
    ctx.session.add(timer)
    await ctx.session.flush()
    return timer


async def cancel_timers(
    ctx: DomainContext, request_id: int | None, kinds: list[TimerKind] | None = None
) -> int:
    """Call off a request's pending timers (of some kinds, or all); returns how many."""
    if ctx.session.info.get(_NEW_REQUESTS, {}).get(request_id, True) is False:
        return 0
    query = select(Timer).where(Timer.request_id == request_id, Timer.status == TimerStatus.PENDING)
    if kinds is not None:
        query = query.where(Timer.kind.in_(kinds))
    timers = (await ctx.session.scalars(query)).all()
    for timer in timers:
        timer.status = TimerStatus.CANCELLED
    await ctx.session.flush()
    return len(timers)


async def pending_timers(ctx: DomainContext) -> list[Timer]:
    """Every timer still to fire, soonest first."""
    rows = await ctx.session.scalars(
        select(Timer).where(Timer.status == TimerStatus.PENDING).order_by(Timer.due_at, Timer.id)
    )
    return list(rows.all())


async def timers_due_by(ctx: DomainContext, until: datetime, limit: int) -> list[Timer]:
    """The pending timers due by `until`, soonest first, at most `limit`: the scheduler's
    window, so it never holds every promise months ahead at once."""
    rows = await ctx.session.scalars(
        select(Timer)
        .where(Timer.status == TimerStatus.PENDING, Timer.due_at <= until)
        .order_by(Timer.due_at, Timer.id)
        .limit(limit)
    )
    return list(rows.all())


async def pending_timer(
    ctx: DomainContext, kind: TimerKind, subject_id: int | None = None
) -> Timer | None:
    """The pending timer of a kind that belongs to no request: service-wide (no subject), or
    of one subject (a check-in plan, a check-in round)."""
    subject = Timer.subject_id.is_(None) if subject_id is None else Timer.subject_id == subject_id
    found: Timer | None = await ctx.session.scalar(
        select(Timer).where(
            Timer.kind == kind,
            Timer.request_id.is_(None),
            subject,
            Timer.status == TimerStatus.PENDING,
        )
    )
    return found


async def keep_timer(
    ctx: DomainContext,
    kind: TimerKind,
    due: datetime | None,
    pending: Timer | None,
    subject_id: int | None = None,
) -> Timer | None:
    """Keep one pending timer of `kind` (for `subject_id`) due at `due`, given the one pending
    now; None calls it off.

    A timer that fell due while the service was down is kept, so it fires once on start-up;
    the next one then follows `due`.
    """
    if (
        pending is not None
        and due is not None
        and (pending.due_at <= ctx.now() or pending.due_at == due)
    ):
        return pending
    if pending is not None:
        pending.status = TimerStatus.CANCELLED
    if due is None:
        await ctx.session.flush()
        return None
    timer = Timer(
        kind=kind, subject_id=subject_id, due_at=due, status=TimerStatus.PENDING,
        created_at=ctx.now(),
    )  # fmt: skip
    ctx.session.add(timer)
    await ctx.session.flush()
    return timer


async def plan_service_timer(
    ctx: DomainContext, kind: TimerKind, due: datetime | None
) -> Timer | None:
    """Keep one pending timer of a service-wide kind due at `due`; None cancels it."""
    return await keep_timer(ctx, kind, due, await pending_timer(ctx, kind))
