"""The admin's audit page: every read, export and erasure of sensitive data (who, when, what)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from bot.dashboard.auth import Admin
from bot.dashboard.pages import render
from bot.runtime import Runtime
from concierge.audit import audit_trail


def audit_router(runtime: Runtime) -> APIRouter:
    """The latest accesses to sensitive data, newest first."""
    router = APIRouter(prefix="/dashboard/audit")

    @router.get("", response_class=HTMLResponse)
    async def audit_page(request: Request, user: Admin) -> HTMLResponse:
        async with runtime.unit() as ctx:
            events = await audit_trail(ctx.session)
        return render(
            request, runtime, "audit.html", user, events=events, zone=runtime.settings.zone
        )

    return router
