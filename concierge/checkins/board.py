"""What coordinators read about check-ins: today's board and a resident's last 30 days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from sqlalchemy import or_, select

from concierge.checkins.plans import CheckinPlan, CheckinRound, PlanStatus, RoundStatus
from concierge.context import DomainContext
from concierge.local_time import at_local
from concierge.timers import Timer, TimerKind, TimerStatus

HISTORY_DAYS = 30
# One mark a day, read at a glance: well, asked for help, escalated, not asked (off or paused).
DAY_MARKS = {RoundStatus.WELL: "✓", RoundStatus.HELP: "!", RoundStatus.ESCALATED: "✗"}
PENDING_MARK, NO_ROUND_MARK = "?", "·"
# The legend, in the order it is read: each mark and the state it stands for.
MARK_STATES = (
    *((mark, status.value) for status, mark in DAY_MARKS.items()),
    (PENDING_MARK, RoundStatus.PENDING.value),
    (NO_ROUND_MARK, "none"),
)


class DayState(StrEnum):
    """Where a plan stands today when no round was made (beside the RoundStatus values)."""

    DUE = "due"  # its time today is still ahead
    LATE = "late"  # its time has passed, its timer is still waiting: the scheduler is behind
    ENROLLED_AFTER = "enrolled_after"  # the plan began after today's time: tomorrow is the first
    MISSED = "missed"  # its time has passed and nobody was asked (the plan was resumed or edited)
    PAUSED = "paused"
    OFF = "off"  # not one of the plan's days


@dataclass(frozen=True)
class BoardLine:
    """One resident on today's board: what really happened today, and when they are next asked."""

    plan: CheckinPlan
    state: str  # a RoundStatus when today's round was made, else a DayState
    attempts: int
    request_id: int | None
    next_run: datetime | None = None  # None: not planned again (an open-ended pause)
    planned_today: datetime | None = None  # today's time, when today is one of the plan's days


def _planned_today(plan: CheckinPlan, today: date, ctx: DomainContext) -> datetime | None:
    if today.weekday() not in plan.weekdays:
        return None
    hour, minute = (int(part) for part in plan.at_time.split(":"))
    return at_local(today, time(hour, minute), ctx.zone)


def _without_round(
    plan: CheckinPlan, today: date, planned: datetime | None, timer: Timer | None, now: datetime
) -> DayState:
    """Why no round was made today: not yet, not a day of the plan, or why it did not run."""
    if plan.paused_on(today):
        return DayState.PAUSED
    if plan.starts_on is not None and today < plan.starts_on:
        return DayState.ENROLLED_AFTER  # confirmed today: its first round is on `starts_on`
    if planned is None:
        return DayState.OFF
    if timer is not None and timer.due_at <= now:
        return DayState.LATE
    if now < planned or (
        timer is not None and timer.due_at.astimezone(planned.tzinfo).date() == today
    ):
        return DayState.DUE
    if plan.created_at >= planned:  # the next time was already tomorrow when it began
        return DayState.ENROLLED_AFTER
    return DayState.MISSED


async def _pending_checkins(ctx: DomainContext) -> dict[int, Timer]:
    timers = await ctx.session.scalars(
        select(Timer).where(Timer.kind == TimerKind.CHECKIN, Timer.status == TimerStatus.PENDING)
    )
    return {timer.subject_id: timer for timer in timers.all() if timer.subject_id is not None}


def _next_run(plan: CheckinPlan, timer: Timer | None, ctx: DomainContext) -> datetime | None:
    # The plan's timer is what will really happen; without one (not planned yet), its next time.
    if timer is not None and timer.due_at > ctx.now():
        return timer.due_at
    return plan.next_time(ctx.now(), ctx) if plan.runs else None


async def today_board(ctx: DomainContext, cooperative_id: int | None = None) -> list[BoardLine]:
    """Every active plan today (of one cooperative, and those of none; or all): who answered,
    who is pending, who was escalated, who is still to be asked today, whose check-in did not
    happen today and why; with each plan's next run."""
    now = ctx.now()
    today = now.astimezone(ctx.zone).date()
    query = select(CheckinPlan).where(
        CheckinPlan.active.is_(True), CheckinPlan.status == PlanStatus.ACTIVE
    )
    if cooperative_id is not None:
        query = query.where(
            or_(CheckinPlan.cooperative_id == cooperative_id, CheckinPlan.cooperative_id.is_(None))
        )
    plans = (await ctx.session.scalars(query)).unique().all()
    rounds = {
        r.plan_id: r
        for r in (await ctx.session.scalars(select(CheckinRound).where(CheckinRound.day == today)))
        .unique()
        .all()
    }
    timers = await _pending_checkins(ctx)
    lines = []
    for plan in sorted(plans, key=lambda p: (p.at_time, p.id)):
        found, timer = rounds.get(plan.id), timers.get(plan.id)
        planned = _planned_today(plan, today, ctx)
        next_run = _next_run(plan, timer, ctx)
        if found is not None:
            line = BoardLine(
                plan, found.status, found.attempts, found.request_id, next_run, planned
            )
        else:
            state = _without_round(plan, today, planned, timer, now)
            line = BoardLine(plan, state, 0, None, next_run, planned)
        lines.append(line)
    return lines


@dataclass(frozen=True)
class HistoryDay:
    """One day of a plan's history: its date, its mark, and what the mark means."""

    day: date
    mark: str
    state: str  # a RoundStatus, or "none" (nobody was asked that day)


async def history_days(ctx: DomainContext, plan: CheckinPlan, until: datetime) -> list[HistoryDay]:
    """The last 30 days of a plan, oldest first, each with its date and mark."""
    last = until.astimezone(ctx.zone).date()
    first = last - timedelta(days=HISTORY_DAYS - 1)
    rows = await ctx.session.scalars(
        select(CheckinRound).where(
            CheckinRound.plan_id == plan.id, CheckinRound.day >= first, CheckinRound.day <= last
        )
    )
    by_day: dict[date, CheckinRound] = {r.day: r for r in rows.unique().all()}
    days = []
    for offset in range(HISTORY_DAYS):
        day = first + timedelta(days=offset)
        found = by_day.get(day)
        if found is None:
            days.append(HistoryDay(day, NO_ROUND_MARK, "none"))
        else:
            status = RoundStatus(found.status)
            days.append(HistoryDay(day, DAY_MARKS.get(status, PENDING_MARK), status.value))
    return days


async def history_marks(ctx: DomainContext, plan: CheckinPlan, until: datetime) -> str:
    """The last 30 days of a plan, oldest first, one mark a day (✓ ! ✗ ? ·)."""
    return "".join(day.mark for day in await history_days(ctx, plan, until))
