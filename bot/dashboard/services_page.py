"""The services page: a cooperative's catalogue — retire or offer again, names and descriptions
in both languages, recognition words, offered hours — and its own services. Coordinators edit
their own cooperative's catalogue (another's is refused, 403); admins any."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from bot.dashboard.auth import Checked, Forbidden, Lead
from bot.dashboard.pages import flash, flash_refusal, render
from bot.dashboard.served import Served
from bot.runtime import Runtime
from concierge.context import DomainContext
from concierge.errors import DomainError
from concierge.team.catalogue import cooperative_catalogue
from concierge.team.catalogue_editing import (
    NewService,
    ServiceNames,
    add_own_service,
    rename,
    set_hours,
    set_offered,
    set_words,
)
from concierge.team.offered_hours import OfferedHours, parse_days, parse_time
from concierge.team.operators import Cooperative
from concierge.team.users import Role, User, all_cooperatives

PAGE = "/dashboard/services"
router = APIRouter(prefix=PAGE)
Change = Callable[[DomainContext], Awaitable[object]]


def _allowed(user: User, cooperative_id: int) -> None:
    """Coordinators keep only their own cooperative's catalogue."""
    if user.role != Role.ADMIN and user.cooperative_id != cooperative_id:
        raise Forbidden


def _words(text: str) -> list[str]:
    return [word for word in text.split(",") if word.strip()]


@router.get("", response_class=HTMLResponse)
async def services_page(
    request: Request, user: Lead, runtime: Served, cooperative: int | None = None
) -> HTMLResponse:
    """The catalogue of the reader's cooperative (an admin picks any)."""
    async with runtime.unit() as ctx:
        teams = await all_cooperatives(ctx)
        chosen = cooperative or user.cooperative_id or (teams[0].id if teams else None)
        if chosen is None:
            return render(request, runtime, "services.html", user, team=None, teams=teams)
        _allowed(user, chosen)
        team = await ctx.session.get(Cooperative, chosen)
        if team is None:
            raise Forbidden
        catalogue = await cooperative_catalogue(ctx.session, chosen)
    return render(
        request, runtime, "services.html", user,
        team=team, teams=teams if user.role == Role.ADMIN else [], entries=catalogue.entries,
    )  # fmt: skip


async def _change(
    request: Request, runtime: Runtime, user: User, cooperative_id: int, work: Change
) -> RedirectResponse:
    """One change to a cooperative's catalogue, and back to its page with how it went."""
    _allowed(user, cooperative_id)
    try:
        async with runtime.unit() as ctx:
            if await ctx.session.get(Cooperative, cooperative_id) is None:
                raise Forbidden
            await work(ctx)
    except DomainError as exc:
        flash_refusal(request, runtime, user, exc)
    except ValueError:  # hours or names that make no sense (a ValidationError is one too)
        flash(request, "dash.error.bad_value", "error")
    else:
        flash(request, "dash.done.services")
    return RedirectResponse(f"{PAGE}?cooperative={cooperative_id}", status_code=303)


@router.post("/{cooperative_id}/{code}/active", dependencies=[Checked])
async def switch(
    request: Request,
    user: Lead,
    runtime: Served,
    cooperative_id: int,
    code: str,
    active: Annotated[str, Form()],
) -> RedirectResponse:
    """Retire a service from the catalogue, or offer it again."""

    async def work(ctx: DomainContext) -> object:
        return await set_offered(ctx, cooperative_id, code, active == "1")

    return await _change(request, runtime, user, cooperative_id, work)


@router.post("/{cooperative_id}/{code}", dependencies=[Checked])
async def edit(
    request: Request,
    user: Lead,
    runtime: Served,
    cooperative_id: int,
    code: str,
    name_it: Annotated[str, Form(max_length=80)] = "",
    name_en: Annotated[str, Form(max_length=80)] = "",
    description_it: Annotated[str, Form(max_length=500)] = "",
    description_en: Annotated[str, Form(max_length=500)] = "",
    words_it: Annotated[str, Form(max_length=2000)] = "",
    words_en: Annotated[str, Form(max_length=2000)] = "",
    days: Annotated[str, Form(max_length=40)] = "",
    starts: Annotated[str, Form(max_length=5)] = "",
    ends: Annotated[str, Form(max_length=5)] = "",
) -> RedirectResponse:
    """Names, descriptions (empty: the default), words and hours (no days: the rota's)."""

    async def work(ctx: DomainContext) -> object:
        names = ServiceNames(
            name_it=name_it, name_en=name_en,
            description_it=description_it, description_en=description_en,
        )  # fmt: skip
        hours = None
        if days.strip():
            hours = OfferedHours(
                days=parse_days(days), starts_at=parse_time(starts), ends_at=parse_time(ends)
            )
        await rename(ctx, cooperative_id, code, names)
        await set_words(ctx, cooperative_id, code, "it", _words(words_it))
        await set_words(ctx, cooperative_id, code, "en", _words(words_en))
        return await set_hours(ctx, cooperative_id, code, hours)

    return await _change(request, runtime, user, cooperative_id, work)


@router.post("/{cooperative_id}", dependencies=[Checked])
async def add(
    request: Request,
    user: Lead,
    runtime: Served,
    cooperative_id: int,
    code: Annotated[str, Form(max_length=40)],
    name_it: Annotated[str, Form(max_length=80)],
    name_en: Annotated[str, Form(max_length=80)],
    description_it: Annotated[str, Form(max_length=500)] = "",
    description_en: Annotated[str, Form(max_length=500)] = "",
    words_it: Annotated[str, Form(max_length=2000)] = "",
    words_en: Annotated[str, Form(max_length=2000)] = "",
) -> RedirectResponse:
    """The cooperative's own service."""
    try:
        given = NewService(
            code=code.strip(), name_it=name_it, name_en=name_en, description_it=description_it,
            description_en=description_en, words_it=_words(words_it), words_en=_words(words_en),
        )  # fmt: skip
    except ValidationError:
        _allowed(user, cooperative_id)
        flash(request, "dash.error.bad_value", "error")
        return RedirectResponse(f"{PAGE}?cooperative={cooperative_id}", status_code=303)

    async def work(ctx: DomainContext) -> object:
        return await add_own_service(ctx, cooperative_id, given)

    return await _change(request, runtime, user, cooperative_id, work)
