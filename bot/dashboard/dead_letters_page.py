"""The messages set aside after failing every time, as they arrived (for the admin: they belong
to no cooperative yet, nobody read them)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from bot.dashboard.auth import Admin
from bot.dashboard.pages import render
from bot.runtime import Runtime
from concierge.dead_letters import recent_dead_letters


def dead_letters_router(runtime: Runtime) -> APIRouter:
    """GET /dashboard/dead-letters: the latest messages set aside, newest first."""
    router = APIRouter(prefix="/dashboard")

    @router.get("/dead-letters", response_class=HTMLResponse)
    async def dead_letters(request: Request, user: Admin) -> HTMLResponse:
        async with runtime.sessions() as session:
            letters = await recent_dead_letters(session)
        return render(request, runtime, "dead_letters.html", user, letters=letters)

    return router
