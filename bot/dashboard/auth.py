"""Log-in, sessions in signed cookies, roles and CSRF protection for the dashboard."""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.dashboard.pages import CSRF_FIELD, CSRF_HEADER, csrf_token, render
from bot.runtime import Runtime
from concierge.i18n import LANGUAGES
from concierge.team.login_throttle import admit, forgive, throttle_keys
from concierge.team.users import Role, User, active_user, authenticate


class LoginRequired(Exception):
    """No valid session: the reader is sent to the log-in page."""


class Forbidden(Exception):
    """Logged in, but not allowed to see or do this."""


class StaffOnly(Forbidden):
    """A company's HR reached a page of the cooperatives' staff: they are sent to their own."""


class CsrfRefused(Exception):
    """A form came without the session's CSRF token (or with another one)."""


def runtime_of(request: Request) -> Runtime:
    """The service's runtime, kept on the app."""
    runtime: Runtime = request.app.state.runtime
    return runtime


async def session_user(request: Request) -> User:
    """The logged-in user of any role; LoginRequired without a live session."""
    user_id = request.session.get("user_id")
    if not isinstance(user_id, int):
        raise LoginRequired
    async with runtime_of(request).unit() as ctx:
        user = await active_user(ctx, user_id)
    if user is None:  # disabled since, or removed
        request.session.clear()
        raise LoginRequired
    return user


async def signed_in(request: Request) -> User:
    """The logged-in member of staff (admin, coordinator, operator); LoginRequired without a
    live session, StaffOnly for a company's HR, who never sees the cooperatives' pages."""
    user = await session_user(request)
    if user.role == Role.COMPANY:
        raise StaffOnly
    return user


async def company_hr(user: Annotated[User, Depends(session_user)]) -> User:
    """A company's HR user (linked to its company)."""
    if user.role != Role.COMPANY or user.company_id is None:
        raise Forbidden
    return user


async def lead(user: Annotated[User, Depends(signed_in)]) -> User:
    """A coordinator or an admin: someone who steers the queue."""
    if user.role not in (Role.COORDINATOR, Role.ADMIN):
        raise Forbidden
    return user


async def admin(user: Annotated[User, Depends(signed_in)]) -> User:
    """An admin."""
    if user.role != Role.ADMIN:
        raise Forbidden
    return user


async def checked_form(request: Request) -> None:
    """Refuse a state-changing request without the session's CSRF token (form field or header)."""
    expected = request.session.get("csrf")
    given = request.headers.get(CSRF_HEADER)
    if given is None:
        form = await request.form()
        field = form.get(CSRF_FIELD)
        given = field if isinstance(field, str) else None
    if not isinstance(expected, str) or not given or not secrets.compare_digest(expected, given):
        raise CsrfRefused


SignedIn = Annotated[User, Depends(signed_in)]
Lead = Annotated[User, Depends(lead)]
Admin = Annotated[User, Depends(admin)]
CompanyHr = Annotated[User, Depends(company_hr)]
Checked = Depends(checked_form)


def _safe_next(target: str | None) -> str:
    # Only a path of this site: a log-in link must not send people elsewhere.
    if not target or urlsplit(target).netloc or not target.startswith("/dashboard"):
        return "/dashboard"
    return target


def client_address(request: Request) -> str:
    """Who is asking: the socket's peer, or what a trusted proxy said (uvicorn's
    FORWARDED_ALLOW_IPS decides whom to believe; an X-Forwarded-For header is never read here)."""
    return request.client.host if request.client else "unknown"


def auth_router(runtime: Runtime) -> APIRouter:
    """Log-in, log-out and the reader's language."""
    router = APIRouter(prefix="/dashboard")

    @router.get("/login", response_class=HTMLResponse)
    async def login_page(request: Request, next: str | None = None) -> Response:
        return render(request, runtime, "login.html", None, next=_safe_next(next))

    @router.post("/login", dependencies=[Checked], response_model=None)
    async def login(
        request: Request,
        username: Annotated[str, Form(max_length=60)],
        password: Annotated[str, Form(max_length=200)],
        next: Annotated[str, Form()] = "/dashboard",
    ) -> Response:
        name = username.strip().lower()
        address = client_address(request)
        keys = throttle_keys(name, address)
        async with runtime.unit() as ctx:  # committed before the password is checked
            wait = await admit(ctx, keys)
        if wait:
            resting = render(
                request, runtime, "login.html", None, 429, next=_safe_next(next),
                error="dash.login.resting", error_params={"seconds": wait}, username=name,
            )  # fmt: skip
            resting.headers["Retry-After"] = str(wait)
            return resting
        async with runtime.unit() as ctx:
            user = await authenticate(ctx, name, password)
            if user is not None:
                await forgive(ctx, keys)
        if user is None:
            return render(
                request, runtime, "login.html", None, 401, next=_safe_next(next),
                error="dash.login.wrong", username=name,
            )  # fmt: skip
        # A new session at log-in: nothing from before it (a planted id) carries over, but the
        # language chosen on the log-in page.
        chosen = request.session.get("lang")
        request.session.clear()
        if chosen is not None:
            request.session["lang"] = chosen
        request.session["user_id"] = user.id
        csrf_token(request)
        return RedirectResponse(_safe_next(next), status_code=303)

    @router.post("/logout", dependencies=[Checked])
    async def logout(request: Request) -> RedirectResponse:
        request.session.clear()
        return RedirectResponse("/dashboard/login", status_code=303)

    @router.post("/language", dependencies=[Checked])
    async def language(
        request: Request,
        lang: Annotated[str, Form()],
        back: Annotated[str, Form()] = "/dashboard",
    ) -> RedirectResponse:
        if lang in LANGUAGES:
            request.session["lang"] = lang
        return RedirectResponse(_safe_next(back), status_code=303)

    return router
