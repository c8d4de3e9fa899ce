"""The standing orders page: a cooperative's series, where each stands and its next
occurrence, with pause, resume, skip the next one and stop. Coordinators see and touch only
their cooperative's series (another's is a 403); admins every series."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from bot.dashboard.auth import Checked, Forbidden, Lead
from bot.dashboard.pages import flash, flash_refusal, reader_language, render
from bot.dashboard.served import OnCommit, Served
from concierge.errors import DomainError
from concierge.standing.changes import pause_order, resume_order, skip_next, stop_order, upcoming
from concierge.standing.orders import get_order, history_of, orders_of_cooperative
from concierge.standing.telling import series_words
from concierge.team.users import Role, User

PAGE = "/dashboard/standing"
Action = Literal["pause", "resume", "skip", "stop"]
router = APIRouter(prefix=PAGE)


def _scope(user: User) -> int | None:
    return None if user.role == Role.ADMIN else user.cooperative_id


@router.get("", response_class=HTMLResponse)
async def standing_page(request: Request, user: Lead, runtime: Served) -> HTMLResponse:
    """Every series of the reader's cooperative, newest first, with its next occurrence."""
    lang = reader_language(request, user, runtime)
    async with runtime.unit() as ctx:
        orders = await orders_of_cooperative(ctx, _scope(user))
        rows = [
            {
                "order": order,
                "words": series_words(order, lang),
                "next": (await upcoming(ctx, order, 1)) if order.status == "active" else [],
                "history": await history_of(ctx, order.id),
            }
            for order in orders
        ]
    return render(request, runtime, "standing.html", user, rows=rows)


@router.post("/{order_id}/{action}", dependencies=[Checked])
async def change(
    request: Request, order_id: int, action: Action, user: Lead, runtime: Served,
    on_commit: OnCommit,
) -> RedirectResponse:  # fmt: skip
    """Pause, resume, skip the next occurrence of, or stop one series of the cooperative."""
    actor = f"user:{user.id}"
    try:
        async with runtime.unit() as ctx:
            order = await get_order(ctx, order_id)
            scope = _scope(user)
            if scope is not None and order.cooperative_id != scope:
                raise Forbidden
            if action == "pause":
                await pause_order(ctx, order, actor)
            elif action == "resume":
                await resume_order(ctx, order, actor)
            elif action == "skip":
                await skip_next(ctx, order, actor)
            else:
                await stop_order(ctx, order, actor)
    except DomainError as exc:
        flash_refusal(request, runtime, user, exc)
    else:
        flash(request, f"dash.standing.done.{action}", id=order_id)
        on_commit()
    return RedirectResponse(PAGE, status_code=303)
