"""The noticeboard page: a cooperative's notices current and coming, posting one, retiring one.
Coordinators see and touch only their cooperative's board; admins every board."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy import func, select

from bot.dashboard.auth import Checked, Lead
from bot.dashboard.pages import flash, flash_refusal, render
from bot.runtime import Runtime
from concierge.errors import DomainError
from concierge.noticeboard.notices import (
    NoticeInput,
    NoticeKind,
    board_of,
    post_notice,
    retire_notice,
)
from concierge.team.operators import Cooperative
from concierge.team.users import Role, User

PAGE = "/dashboard/notices"


def _scope(user: User) -> int | None:
    return None if user.role == Role.ADMIN else user.cooperative_id


def notices_router(runtime: Runtime) -> APIRouter:
    """The noticeboard page and its two actions."""
    router = APIRouter(prefix=PAGE)

    @router.get("", response_class=HTMLResponse)
    async def notices_page(request: Request, user: Lead) -> HTMLResponse:
        async with runtime.unit() as ctx:
            notices = await board_of(ctx, _scope(user))
        today = runtime.clock.now().astimezone(runtime.settings.zone).date()
        return render(
            request, runtime, "notices.html", user,
            notices=notices, kinds=list(NoticeKind), today=today,
        )  # fmt: skip

    @router.post("", dependencies=[Checked])
    async def post(
        request: Request,
        user: Lead,
        kind: Annotated[str, Form()],
        valid_from: Annotated[str, Form()],
        valid_until: Annotated[str, Form()] = "",
        text_it: Annotated[str, Form()] = "",
        text_en: Annotated[str, Form()] = "",
    ) -> RedirectResponse:
        try:
            first = date.fromisoformat(valid_from)
            given = NoticeInput(
                kind=kind, text_it=text_it, text_en=text_en, valid_from=first,
                valid_until=date.fromisoformat(valid_until) if valid_until else first,
            )  # fmt: skip
        except (ValueError, ValidationError):
            flash(request, "dash.error.bad_value", "error")
            return RedirectResponse(PAGE, status_code=303)
        async with runtime.unit() as ctx:
            # An admin belongs to no cooperative: theirs is the first board.
            cooperative = _scope(user) or await ctx.session.scalar(select(func.min(Cooperative.id)))
            if cooperative is None:
                flash(request, "dash.error.bad_value", "error")
                return RedirectResponse(PAGE, status_code=303)
            await post_notice(ctx, cooperative, given)
        flash(request, "dash.done.notice_added")
        return RedirectResponse(PAGE, status_code=303)

    @router.post("/{notice_id}/retire", dependencies=[Checked])
    async def retire(request: Request, notice_id: int, user: Lead) -> RedirectResponse:
        try:
            async with runtime.unit() as ctx:
                await retire_notice(ctx, notice_id, _scope(user))
        except DomainError as exc:  # not on this coordinator's board: as if it did not exist
            flash_refusal(request, runtime, user, exc)
        else:
            flash(request, "dash.done.notice_retired")
        return RedirectResponse(PAGE, status_code=303)

    return router
