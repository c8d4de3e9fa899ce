"""What coordinators read about check-ins: today's board and a resident's last 30 days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select

from concierge.checkins.plans import CheckinPlan, CheckinRound, RoundStatus
from concierge.context import DomainContext

HISTORY_DAYS = 30
# One mark a day, read at a glance: well, asked for help, escalated, not asked (off or paused).
DAY_MARKS = {RoundStatus.WELL: "✓", RoundStatus.HELP: "!", RoundStatus.ESCALATED: "✗"}
PENDING_MARK, NO_ROUND_MARK = "?", "·"


@dataclass(frozen=True)
class BoardLine:
    """One resident on today's board."""

    plan: CheckinPlan
    state: str  # a RoundStatus, or "due" (later today), "paused", "off" (not a planned day)
    attempts: int
    request_id: int | None


async def today_board(ctx: DomainContext, cooperative_id: int | None = None) -> list[BoardLine]:
    """Every active plan today (of one cooperative, and those of none; or all): who answered,
    who is pending, who was escalated, who is due."""
    today = ctx.now().astimezone(ctx.zone).date()
    query = select(CheckinPlan).where(CheckinPlan.active.is_(True))
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
    lines = []
    for plan in sorted(plans, key=lambda p: (p.at_time, p.id)):
        found = rounds.get(plan.id)
        if found is not None:
            lines.append(BoardLine(plan, found.status, found.attempts, found.request_id))
        elif plan.paused_on(today):
            lines.append(BoardLine(plan, "paused", 0, None))
        else:
            state = "due" if today.weekday() in plan.weekdays else "off"
            lines.append(BoardLine(plan, state, 0, None))
    return lines


async def history_marks(ctx: DomainContext, plan: CheckinPlan, until: datetime) -> str:
    """The last 30 days of a plan, oldest first, one mark a day (✓ ! ✗ ? ·)."""
    last = until.astimezone(ctx.zone).date()
    first = last - timedelta(days=HISTORY_DAYS - 1)
    rows = await ctx.session.scalars(
        select(CheckinRound).where(
            CheckinRound.plan_id == plan.id, CheckinRound.day >= first, CheckinRound.day <= last
        )
    )
    by_day: dict[date, CheckinRound] = {r.day: r for r in rows.unique().all()}
    marks = []
    for offset in range(HISTORY_DAYS):
        found = by_day.get(first + timedelta(days=offset))
        if found is None:
            marks.append(NO_ROUND_MARK)
        else:
            marks.append(DAY_MARKS.get(RoundStatus(found.status), PENDING_MARK))
    return "".join(marks)
