"""What coordinators keep an eye on besides the queue: today's check-ins, undelivered messages."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from bot.dashboard.auth import Checked, Forbidden, Lead
from bot.dashboard.pages import flash, flash_refusal, render
from bot.runtime import Runtime
from concierge.checkins.board import MARK_STATES, history_days, today_board
from concierge.checkins.proposals import proposals
from concierge.errors import DomainError
from concierge.outbox import OutboxMessage
from concierge.requests.undelivered import send_again, undelivered
from concierge.team.users import Role


def watch_router(runtime: Runtime, on_commit: Callable[[], None]) -> APIRouter:
    """The check-ins board and the undelivered messages."""
    router = APIRouter(prefix="/dashboard")

    @router.get("/checkins", response_class=HTMLResponse)
    async def checkins(request: Request, user: Lead) -> HTMLResponse:
        scope = None if user.role == Role.ADMIN else user.cooperative_id
        async with runtime.unit() as ctx:
            board = await today_board(ctx, scope)
            days = {line.plan.id: await history_days(ctx, line.plan, ctx.now()) for line in board}
            proposed = await proposals(ctx, scope)
        return render(
            request, runtime, "checkins.html", user, board=board, days=days, legend=MARK_STATES,
            proposals=proposed,
        )  # fmt: skip

    @router.get("/deliveries", response_class=HTMLResponse)
    async def deliveries(request: Request, user: Lead) -> HTMLResponse:
        scope = None if user.role == Role.ADMIN else user.cooperative_id
        async with runtime.unit() as ctx:
            rows = await undelivered(ctx, scope)
        return render(request, runtime, "deliveries.html", user, rows=rows)

    @router.post("/deliveries/{message_id}/retry", dependencies=[Checked])
    async def retry(request: Request, message_id: int, user: Lead) -> RedirectResponse:
        try:
            async with runtime.unit() as ctx:
                row = await ctx.session.get(OutboxMessage, message_id)
                # A coordinator sends again only their cooperative's messages (none of no one's).
                if (
                    row is not None
                    and user.role != Role.ADMIN
                    and row.cooperative_id != user.cooperative_id
                ):
                    raise Forbidden
                await send_again(ctx, message_id)
        except DomainError as exc:
            flash_refusal(request, runtime, user, exc)
        else:
            flash(request, "dash.done.retry")
            on_commit()
        return RedirectResponse("/dashboard/deliveries", status_code=303)

    return router
