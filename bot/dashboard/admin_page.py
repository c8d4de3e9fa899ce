"""The admin's page: cooperatives and the users who log in."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from bot.dashboard.auth import Admin, Checked
from bot.dashboard.pages import flash, render
from bot.dashboard.served import Served
from concierge.errors import DomainError
from concierge.team.operators import active_operators
from concierge.team.users import (
    MIN_PASSWORD_LENGTH,
    Role,
    UserInput,
    add_cooperative,
    add_user,
    all_cooperatives,
    all_users,
    set_active,
)
from concierge.welfare.companies import all_companies

_FIELD_ERRORS = {
    "username": "dash.error.user_username",
    "password": "dash.error.user_password",
}


PAGE = "/dashboard/admin"
router = APIRouter(prefix=PAGE)


@router.get("", response_class=HTMLResponse)
async def admin_page(request: Request, user: Admin, runtime: Served) -> HTMLResponse:
    """Every cooperative and user, with the forms to add and disable them."""
    async with runtime.unit() as ctx:
        cooperatives = await all_cooperatives(ctx)
        users = await all_users(ctx)
        operators = await active_operators(ctx.session)
        companies = await all_companies(ctx)
    return render(
        request, runtime, "admin.html", user,
        cooperatives=cooperatives, users=users, operators=operators, roles=list(Role),
        companies=companies,
        min_password=MIN_PASSWORD_LENGTH,
    )  # fmt: skip


@router.post("/cooperatives", dependencies=[Checked])
async def new_cooperative(
    request: Request, user: Admin, runtime: Served, name: Annotated[str, Form(max_length=120)]
) -> RedirectResponse:
    """A new cooperative, unless the name is taken."""
    try:
        async with runtime.unit() as ctx:
            await add_cooperative(ctx, name)
    except DomainError:
        flash(request, "dash.error.cooperative_taken", "error", name=name)
    else:
        flash(request, "dash.done.cooperative", name=name)
    return RedirectResponse(PAGE, status_code=303)


@router.post("/users", dependencies=[Checked])
async def new_user(
    request: Request,
    user: Admin,
    runtime: Served,
    username: Annotated[str, Form(max_length=60)],
    password: Annotated[str, Form(max_length=200)],
    role: Annotated[str, Form()],
    display_name: Annotated[str, Form(max_length=120)] = "",
    cooperative: Annotated[str, Form()] = "",
    operator: Annotated[str, Form()] = "",
    company: Annotated[str, Form()] = "",
    language: Annotated[str, Form()] = "it",
) -> RedirectResponse:
    """A new dashboard user, or the reason it was refused."""
    try:
        new = UserInput(
            username=username, display_name=display_name, password=password, role=role,
            cooperative=cooperative or None,
            operator_id=int(operator) if operator.isdigit() else None, language=language,
            company_id=int(company) if company.isdigit() else None,
        )  # fmt: skip
    except ValidationError as exc:
        field = str(exc.errors()[0]["loc"][0])
        key = _FIELD_ERRORS.get(field, "dash.error.user_refused")
        flash(request, key, "error", min=MIN_PASSWORD_LENGTH, username=username)
        return RedirectResponse(PAGE, status_code=303)
    try:
        async with runtime.unit() as ctx:
            await add_user(ctx, new)
    except DomainError:
        flash(request, "dash.error.user_refused", "error", username=new.username)
    else:
        flash(request, "dash.done.user", username=new.username)
    return RedirectResponse(PAGE, status_code=303)


@router.post("/users/{user_id}/active", dependencies=[Checked])
async def switch(
    request: Request, user_id: int, user: Admin, runtime: Served, active: Annotated[str, Form()]
) -> RedirectResponse:
    """A user enabled or disabled (never oneself)."""
    if user_id == user.id:
        flash(request, "dash.error.not_yourself", "error")
        return RedirectResponse(PAGE, status_code=303)
    async with runtime.unit() as ctx:
        changed = await set_active(ctx, user_id, active == "1")
    flash(request, "dash.done.user_active" if changed.active else "dash.done.user_disabled",
          username=changed.username)  # fmt: skip
    return RedirectResponse(PAGE, status_code=303)
