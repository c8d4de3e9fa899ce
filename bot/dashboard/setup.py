"""Mounting the dashboard on the service's app: sessions, pages, and how refusals look."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.middleware.sessions import SessionMiddleware

from bot.dashboard import (
    company_page,
    proposals_page,
    receipt_page,
    request_page,
    rota_page,
    standing_page,
    welfare_page,
)
from bot.dashboard.admin_page import router as admin_routes
from bot.dashboard.audit_page import audit_router
from bot.dashboard.auth import (
    CsrfRefused,
    Forbidden,
    LoginRequired,
    StaffOnly,
    auth_router,
    session_user,
)
from bot.dashboard.dead_letters_page import dead_letters_router
from bot.dashboard.desk_page import desk_routes, parcels_router
from bot.dashboard.live import QueueWatch
from bot.dashboard.notices_page import notices_router
from bot.dashboard.numbers_page import numbers_router
from bot.dashboard.pages import render
from bot.dashboard.people_page import people_router
from bot.dashboard.queue import queue_router
from bot.dashboard.served import when_committed
from bot.dashboard.services_page import router as services_routes
from bot.dashboard.watch_pages import watch_router
from bot.metrics import metrics_router
from bot.runtime import Runtime
from concierge.errors import NotFound

log = logging.getLogger(__name__)
SESSION_COOKIE = "concierge_session"
COMPANY_HOME = "/dashboard/company"
SCRIPT_PATHS = frozenset({"/dashboard/events", "/dashboard/queue/rows"})


def _secret(runtime: Runtime) -> str:
    if runtime.settings.session_secret:
        return runtime.settings.session_secret
    log.warning(
        "SESSION_SECRET is not set: dashboard log-ins end when the service restarts"
        " and are not shared between processes"
    )
    return secrets.token_urlsafe(32)


def install_dashboard(app: FastAPI, runtime: Runtime, on_commit: Callable[[], None]) -> QueueWatch:
    """Add the dashboard's routes and sessions to the app; the queue watcher it starts."""
    watch = QueueWatch(runtime)

    def committed() -> None:
        on_commit()
        watch.poke()

    https = (runtime.settings.public_base_url or "").startswith("https://")
    app.add_middleware(
        SessionMiddleware,
        secret_key=_secret(runtime),
        session_cookie=SESSION_COOKIE,
        max_age=int(runtime.settings.session_hours * 3600),
        same_site="lax",
        https_only=https,
    )
    app.include_router(auth_router(runtime))
    app.include_router(queue_router(runtime, watch))
    when_committed(app, committed)
    app.include_router(request_page.router)
    app.include_router(receipt_page.router)
    app.include_router(company_page.router)
    app.include_router(rota_page.router)
    app.include_router(standing_page.router)
    app.include_router(proposals_page.router)
    app.include_router(numbers_router(runtime))
    app.include_router(watch_router(runtime, committed))
    app.include_router(notices_router(runtime))
    app.include_router(services_routes)
    app.include_router(people_router(runtime))
    app.include_router(welfare_page.router)
    app.include_router(admin_routes)
    app.include_router(audit_router(runtime))
    app.include_router(dead_letters_router(runtime))
    app.include_router(desk_routes)
    app.include_router(parcels_router(runtime))
    app.include_router(metrics_router(runtime))

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, _: LoginRequired) -> Response:
        # Scripts (the live queue) and forms get a plain 401; pages go to the log-in form.
        if request.url.path in SCRIPT_PATHS or request.method != "GET":
            return Response(status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/dashboard/login?next={quote(target, safe='/')}", status_code=303)

    async def refusal(request: Request, status: int, reason: str) -> HTMLResponse:
        # The refusal keeps the reader's menu and language when they are logged in.
        try:
            user = await session_user(request)
        except LoginRequired:
            user = None
        return render(request, runtime, "refused.html", user, status, reason=reason)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, _: Forbidden) -> HTMLResponse:
        return await refusal(request, 403, "dash.error.forbidden")

    @app.exception_handler(StaffOnly)
    async def to_company(request: Request, _: StaffOnly) -> Response:
        # A company's HR opening a staff page lands on their own; anything else is refused.
        if request.method == "GET" and request.url.path not in SCRIPT_PATHS:
            return RedirectResponse(COMPANY_HOME, status_code=303)
        return await refusal(request, 403, "dash.error.forbidden")

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, _: CsrfRefused) -> HTMLResponse:
        return await refusal(request, 403, "dash.error.csrf")

    @app.exception_handler(NotFound)
    async def not_found(request: Request, _: NotFound) -> HTMLResponse:
        return await refusal(request, 404, "dash.error.not_found")

    return watch
