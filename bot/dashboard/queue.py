"""The live queue: open requests with filters, refreshed in place when the queue changes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from pydantic import ValidationError

from bot.dashboard.auth import SignedIn
from bot.dashboard.live import QueueWatch
from bot.dashboard.pages import render
from bot.runtime import Runtime
from concierge.context import DomainContext
from concierge.intake.catalogue import active_services
from concierge.requests.lifecycle import OPEN_STATUSES, RequestStatus
from concierge.requests.queue_board import QueueFilter, queue_lines, queue_signature
from concierge.team.operators import Operator, active_operators
from concierge.team.users import Role, User


def queue_filter(
    status: str | None = None,
    service: str | None = None,
    operator: str | None = None,
    overdue: str | None = None,
) -> QueueFilter:
    """The filter in the address bar (a dependency): anything unknown is simply not applied."""
    try:
        return QueueFilter(
            status=status or None,
            service=service or None,
            operator_id=int(operator) if operator and operator.isdigit() else None,
            overdue=overdue in ("1", "on", "true"),
        )
    except ValidationError:
        return QueueFilter()


Wanted = Annotated[QueueFilter, Depends(queue_filter)]


def team_of(operators: list[Operator], user: User) -> list[Operator]:
    """The operators a user may pick: their cooperative's (all, for an admin)."""
    if user.role == Role.ADMIN:
        return operators
    return [op for op in operators if op.cooperative_id == user.cooperative_id]


async def _board(ctx: DomainContext, user: User, wanted: QueueFilter) -> dict[str, Any]:
    lines = await queue_lines(ctx, user, wanted)
    return {
        "lines": lines,
        "filter": wanted,
        "signature": await queue_signature(ctx),
        "waiting": sum(1 for line in lines if line.waiting),
        "overdue": sum(1 for line in lines if line.overdue),
    }


def queue_router(runtime: Runtime, watch: QueueWatch) -> APIRouter:
    """The queue page, its rows alone (for refreshing), and its event stream."""
    router = APIRouter(prefix="/dashboard")

    @router.get("", response_class=HTMLResponse)
    async def queue_page(request: Request, user: SignedIn, wanted: Wanted) -> HTMLResponse:
        async with runtime.unit() as ctx:
            board = await _board(ctx, user, wanted)
            services = await active_services(ctx.session)
            team = team_of(await active_operators(ctx.session), user)
        return render(
            request, runtime, "queue.html", user,
            statuses=[s for s in RequestStatus if s in OPEN_STATUSES],
            services=services, team=team, **board,
        )  # fmt: skip

    @router.get("/queue/rows", response_class=HTMLResponse)
    async def queue_rows(request: Request, user: SignedIn, wanted: Wanted) -> HTMLResponse:
        async with runtime.unit() as ctx:
            board = await _board(ctx, user, wanted)
        return render(request, runtime, "_queue_rows.html", user, fragment=True, **board)

    @router.get("/events")
    async def events(
        user: SignedIn, since: Annotated[str, Query(max_length=200)] = ""
    ) -> StreamingResponse:
        return StreamingResponse(
            watch.stream(since),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    return router
