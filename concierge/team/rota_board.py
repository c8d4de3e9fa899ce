"""The rota as coordinators read it: who is on duty now, and each operator's week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from concierge.context import DomainContext
from concierge.team.operators import Operator, active_operators
from concierge.team.rota import ShiftException, working_spans


@dataclass(frozen=True)
class RotaDay:
    """One operator's local day: when they work, and what changed it."""

    day: date
    spans: list[tuple[datetime, datetime]]  # local times
    holiday: str | None
    changes: list[ShiftException]


@dataclass(frozen=True)
class RotaRow:
    """One operator's week."""

    operator: Operator
    on_duty_now: bool
    days: list[RotaDay]


def week_of(day: date) -> date:
    """The Monday of the week a day falls in."""
    return day - timedelta(days=day.weekday())


async def rota_week(ctx: DomainContext, cooperative_id: int | None, monday: date) -> list[RotaRow]:
    """Each active operator (of a cooperative, or all) over the week from `monday`, by name."""
    calendar = ctx.calendar
    now = ctx.now()
    days = [monday + timedelta(days=offset) for offset in range(7)]
    operators = [
        op
        for op in await active_operators(ctx.session)
        if cooperative_id is None or op.cooperative_id == cooperative_id
    ]
    rows = []
    for operator in sorted(operators, key=lambda op: op.person.display_name):
        week = [
            RotaDay(
                day=day,
                spans=[
                    (start.astimezone(ctx.zone), end.astimezone(ctx.zone))
                    for start, end in working_spans(operator, day, calendar)
                ],
                holiday=calendar.holiday(day),
                changes=[change for change in operator.exceptions if change.day == day],
            )
            for day in days
        ]
        rows.append(RotaRow(operator, operator.on_duty(now, calendar), week))
    return rows
