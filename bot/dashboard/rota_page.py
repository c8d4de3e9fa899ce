"""The rota page: who is on duty now and this week, and editing slots, time off and extras."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from bot.dashboard.auth import Checked, Forbidden, Lead, SignedIn
from bot.dashboard.pages import flash, flash_refusal, render
from bot.dashboard.served import OnCommit, Served
from bot.runtime import Runtime
from concierge.context import DomainContext
from concierge.errors import DomainError
from concierge.team.editing import (
    add_day_change,
    add_weekly_slot,
    remove_day_change,
    remove_weekly_slot,
)
from concierge.team.operators import Operator
from concierge.team.rota import ExceptionKind
from concierge.team.rota_board import rota_week, week_of
from concierge.team.users import Role, User

Change = Callable[[DomainContext, Operator], Awaitable[object]]


def _week(value: str | None, today: date) -> date:
    try:
        return week_of(date.fromisoformat(value)) if value else week_of(today)
    except (ValueError, OverflowError):  # not a date, or a week before year 1
        return week_of(today)


def _scope(user: User) -> int | None:
    return None if user.role == Role.ADMIN else user.cooperative_id


router = APIRouter(prefix="/dashboard/rota")


@router.get("", response_class=HTMLResponse)
async def rota_page(
    request: Request, user: SignedIn, runtime: Served, week: str | None = None
) -> HTMLResponse:
    """Who is on duty now and the week's rota (an operator sees their own row)."""
    today = runtime.clock.now().astimezone(runtime.settings.zone).date()
    monday = _week(week, today)
    async with runtime.unit() as ctx:
        rows = await rota_week(ctx, _scope(user), monday)
    if user.role == Role.OPERATOR:
        rows = [row for row in rows if row.operator.id == user.operator_id]
    return render(
        request, runtime, "rota.html", user,
        rows=rows, monday=monday, today=today,
        days=[monday + timedelta(days=n) for n in range(7)],
        previous=monday - timedelta(days=7), following=monday + timedelta(days=7),
        on_duty=[row.operator for row in rows if row.on_duty_now],
        edit=user.role != Role.OPERATOR, kinds=list(ExceptionKind),
    )  # fmt: skip


@dataclass(frozen=True)
class Editing:
    """A coordinator's or an admin's edit of the rota, and how it is reported."""

    request: Request
    runtime: Runtime
    user: User
    on_commit: Callable[[], None]

    async def change(self, operator_id: int, work: Change, week: str) -> RedirectResponse:
        """Change one operator's rota (of the editor's cooperative) and come back to the week."""
        request, runtime, user = self.request, self.runtime, self.user
        try:
            async with runtime.unit() as ctx:
                operator = await ctx.session.get(Operator, operator_id)
                if operator is None or (
                    user.role != Role.ADMIN and operator.cooperative_id != user.cooperative_id
                ):
                    raise Forbidden
                await work(ctx, operator)
        except DomainError as exc:
            flash_refusal(request, runtime, user, exc)
        except ValueError:
            flash(request, "dash.error.bad_value", "error")
        else:
            flash(request, "dash.done.rota")
            self.on_commit()
        return RedirectResponse(f"/dashboard/rota?week={week}", status_code=303)


async def editing(request: Request, user: Lead, runtime: Served, on_commit: OnCommit) -> Editing:
    """The edit about to be made (a dependency of every rota form)."""
    return Editing(request, runtime, user, on_commit)


Edit = Annotated[Editing, Depends(editing)]


@router.post("/slots", dependencies=[Checked])
async def add_slot(
    edit: Edit,
    operator: Annotated[int, Form()],
    weekday: Annotated[int, Form(ge=0, le=6)],
    starts: Annotated[time, Form()],
    ends: Annotated[time, Form()],
    week: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """A weekly slot for an operator."""

    async def work(ctx: DomainContext, who: Operator) -> object:
        return await add_weekly_slot(ctx, who, weekday, starts, ends)

    return await edit.change(operator, work, week)


@router.post("/slots/{slot_id}/delete", dependencies=[Checked])
async def delete_slot(
    edit: Edit, slot_id: int, operator: Annotated[int, Form()], week: Annotated[str, Form()] = ""
) -> RedirectResponse:
    """Remove a weekly slot."""

    async def work(ctx: DomainContext, who: Operator) -> object:
        await remove_weekly_slot(ctx, who, slot_id)
        return None

    return await edit.change(operator, work, week)


@router.post("/changes", dependencies=[Checked])
async def add_change(
    edit: Edit,
    operator: Annotated[int, Form()],
    day: Annotated[date, Form()],
    kind: Annotated[ExceptionKind, Form()],
    starts: Annotated[str, Form()] = "",
    ends: Annotated[str, Form()] = "",
    note: Annotated[str, Form(max_length=200)] = "",
    week: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Time off (a whole day or some hours) or an extra shift on one day."""

    async def work(ctx: DomainContext, who: Operator) -> object:
        if bool(starts) != bool(ends):
            raise ValueError("time off for part of a day needs both hours")
        span = (time.fromisoformat(starts), time.fromisoformat(ends)) if starts else None
        return await add_day_change(ctx, who, day, kind, span, note.strip())

    return await edit.change(operator, work, week)


@router.post("/changes/{change_id}/delete", dependencies=[Checked])
async def delete_change(
    edit: Edit,
    change_id: int,
    operator: Annotated[int, Form()],
    week: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Remove a day's change."""

    async def work(ctx: DomainContext, who: Operator) -> object:
        await remove_day_change(ctx, who, change_id)
        return None

    return await edit.change(operator, work, week)
