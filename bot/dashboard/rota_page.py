"""The rota page: who is on duty now and this week, and editing slots, time off and extras."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from bot.dashboard.auth import Checked, Forbidden, Lead, SignedIn
from bot.dashboard.pages import flash, flash_refusal, render
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


def rota_router(runtime: Runtime, on_commit: Callable[[], None]) -> APIRouter:
    """The rota page and its edits (coordinators and admins edit; operators read their own)."""
    router = APIRouter(prefix="/dashboard/rota")

    @router.get("", response_class=HTMLResponse)
    async def rota_page(request: Request, user: SignedIn, week: str | None = None) -> HTMLResponse:
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

    async def change(
        request: Request, user: User, operator_id: int, work: Change, week: str
    ) -> RedirectResponse:
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
            on_commit()
        return RedirectResponse(f"/dashboard/rota?week={week}", status_code=303)

    @router.post("/slots", dependencies=[Checked])
    async def add_slot(
        request: Request,
        user: Lead,
        operator: Annotated[int, Form()],
        weekday: Annotated[int, Form(ge=0, le=6)],
        starts: Annotated[time, Form()],
        ends: Annotated[time, Form()],
        week: Annotated[str, Form()] = "",
    ) -> RedirectResponse:
        async def work(ctx: DomainContext, who: Operator) -> object:
            return await add_weekly_slot(ctx, who, weekday, starts, ends)

        return await change(request, user, operator, work, week)

    @router.post("/slots/{slot_id}/delete", dependencies=[Checked])
    async def delete_slot(
        request: Request,
        slot_id: int,
        user: Lead,
        operator: Annotated[int, Form()],
        week: Annotated[str, Form()] = "",
    ) -> RedirectResponse:
        async def work(ctx: DomainContext, who: Operator) -> object:
            await remove_weekly_slot(ctx, who, slot_id)
            return None

        return await change(request, user, operator, work, week)

    @router.post("/changes", dependencies=[Checked])
    async def add_change(
        request: Request,
        user: Lead,
        operator: Annotated[int, Form()],
        day: Annotated[date, Form()],
        kind: Annotated[ExceptionKind, Form()],
        starts: Annotated[str, Form()] = "",
        ends: Annotated[str, Form()] = "",
        note: Annotated[str, Form(max_length=200)] = "",
        week: Annotated[str, Form()] = "",
    ) -> RedirectResponse:
        async def work(ctx: DomainContext, who: Operator) -> object:
            if bool(starts) != bool(ends):
                raise ValueError("time off for part of a day needs both hours")
            span = (time.fromisoformat(starts), time.fromisoformat(ends)) if starts else None
            return await add_day_change(ctx, who, day, kind, span, note.strip())

        return await change(request, user, operator, work, week)

    @router.post("/changes/{change_id}/delete", dependencies=[Checked])
    async def delete_change(
        request: Request,
        change_id: int,
        user: Lead,
        operator: Annotated[int, Form()],
        week: Annotated[str, Form()] = "",
    ) -> RedirectResponse:
        async def work(ctx: DomainContext, who: Operator) -> object:
            await remove_day_change(ctx, who, change_id)
            return None

        return await change(request, user, operator, work, week)

    return router
