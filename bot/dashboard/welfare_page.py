"""The welfare page of coordinators and admins: the solidarity fund (balance and movements) and
social-services referrals (the list and the form to record one); and, on a request's page, paying
a done request from the fund. The fund is the network's: a coordinator sees its balance and the
grants their own cooperative made, an admin every movement; a coordinator sees and records
referrals of their cooperative's people only."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy import select

from bot.dashboard.auth import Checked, Forbidden, Lead
from bot.dashboard.pages import flash, flash_refusal, reader_language, render
from bot.dashboard.served import OnCommit, Served
from concierge.checkins.belonging import cooperative_of_person
from concierge.context import DomainContext
from concierge.errors import DomainError, NotYours
from concierge.intake.catalogue import active_services
from concierge.people.lookup import search_people
from concierge.people.person import Person
from concierge.routing.steering import request_for
from concierge.team.users import Role, User
from concierge.welfare.fund_grants import fund_movements, grant_request
from concierge.welfare.ledger import FUND, balance
from concierge.welfare.money import cents, show
from concierge.welfare.referrals import ReferralInput, all_referrals, budget_left, record_referral

PAGE = "/dashboard/welfare"
router = APIRouter(prefix="/dashboard")


def _scope(user: User) -> int | None:
    """The cooperative a coordinator sees; None for an admin (everything)."""
    if user.role == Role.ADMIN:
        return None
    if user.cooperative_id is None:
        raise Forbidden
    return user.cooperative_id


async def _staff_of(ctx: DomainContext, cooperative_id: int) -> set[str]:
    """How the cooperative's users sign what they record."""
    names = await ctx.session.scalars(
        select(User.username).where(User.cooperative_id == cooperative_id)
    )
    return {f"user:{name}" for name in names.all()}


async def _referral_rows(ctx: DomainContext, scope: int | None) -> list[dict[str, Any]]:
    """Referrals the reader may see, with the budget left: a coordinator's are those their
    cooperative's staff recorded or of a person of their cooperative."""
    signed = await _staff_of(ctx, scope) if scope is not None else set()
    rows = []
    for referral in await all_referrals(ctx):
        theirs = scope is None or referral.recorded_by in signed
        if not theirs and await cooperative_of_person(ctx.session, referral.person_id) != scope:
            continue
        person = await ctx.session.get(Person, referral.person_id)
        rows.append({
            "referral": referral, "person": person.display_name if person else "",
            "left": await budget_left(ctx, referral),
        })  # fmt: skip
    return rows


@router.get("/welfare", response_class=HTMLResponse)
async def welfare_page(request: Request, user: Lead, runtime: Served) -> HTMLResponse:
    """The fund's balance and movements, the referrals and the form to record one."""
    lang = reader_language(request, user, runtime)
    scope = _scope(user)
    async with runtime.unit() as ctx:
        held = await balance(ctx, FUND)
        movements = await fund_movements(ctx, scope)
        referrals = await _referral_rows(ctx, scope)
        services = await active_services(ctx.session)
        today = ctx.now().astimezone(ctx.zone).date()
    return render(
        request, runtime, "welfare.html", user,
        page="welfare", held=held, movements=movements, referrals=referrals, services=services,
        today=today, money=lambda amount: show(amount, lang), whole_network=scope is None,
    )  # fmt: skip


async def _referred(ctx: DomainContext, who: str, scope: int | None, region: str) -> Person | None:
    """The one person `who` names (a number, or enough of a name), if the reader may refer
    them: somebody of another cooperative is answered as nobody."""
    found = await search_people(ctx.session, who, region)
    if len(found) != 1:
        return None
    belongs = await cooperative_of_person(ctx.session, found[0].id)
    return found[0] if scope is None or belongs in (None, scope) else None


def _referral_input(
    body: str, rules: str, limit: str, starts_on: str, ends_on: str, services: list[str]
) -> ReferralInput:
    """The form as the domain reads it; ValueError (or DomainError) when a field is wrong."""
    return ReferralInput(
        municipality=body.strip(), rules=rules.strip(), budget_cents=cents(limit),
        services=tuple(services), starts_on=date.fromisoformat(starts_on),
        ends_on=date.fromisoformat(ends_on),
    )  # fmt: skip


@router.post("/welfare/referrals", dependencies=[Checked])
async def new_referral(
    request: Request, user: Lead, runtime: Served, on_commit: OnCommit,
    who: Annotated[str, Form(max_length=100)], body: Annotated[str, Form(max_length=120)],
    limit: Annotated[str, Form(max_length=20)], starts_on: Annotated[str, Form(max_length=10)],
    ends_on: Annotated[str, Form(max_length=10)], rules: Annotated[str, Form(max_length=4000)] = "",
    services: Annotated[list[str] | None, Form()] = None,
) -> RedirectResponse:  # fmt: skip
    """Record a social-services referral for one person found by number or name."""
    scope = _scope(user)
    try:
        given = _referral_input(body, rules, limit, starts_on, ends_on, services or [])
    except (ValueError, ValidationError, DomainError):
        flash(request, "dash.welfare.bad_referral", "error")
        return RedirectResponse(PAGE, status_code=303)
    try:
        async with runtime.unit() as ctx:
            person = await _referred(ctx, who, scope, runtime.settings.default_region)
            if person is None:
                flash(request, "dash.welfare.who_unclear", "error", who=who.strip())
                return RedirectResponse(PAGE, status_code=303)
            name = person.display_name
            await record_referral(ctx, person.id, given, f"user:{user.username}")
    except DomainError as exc:
        flash_refusal(request, runtime, user, exc)
    else:
        flash(request, "dash.welfare.referred", name=name, body=given.municipality)
        on_commit()
    return RedirectResponse(PAGE, status_code=303)


@router.post("/requests/{request_id}/fund", dependencies=[Checked])
async def pay_from_fund(
    request: Request, request_id: int, user: Lead, runtime: Served, on_commit: OnCommit,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> RedirectResponse:  # fmt: skip
    """Pay a done request of the reader's cooperative from the solidarity fund, with a reason."""
    back = f"/dashboard/requests/{request_id}"
    if not reason.strip():
        flash(request, "dash.fund.reason_needed", "error")
        return RedirectResponse(back, status_code=303)
    try:
        async with runtime.unit() as ctx:
            try:
                await request_for(ctx, user, request_id)
            except NotYours as exc:
                raise Forbidden from exc
            await grant_request(ctx, request_id, reason, f"user:{user.username}")
    except DomainError as exc:
        flash_refusal(request, runtime, user, exc)
    else:
        flash(request, "dash.done.fund_paid", id=request_id)
        on_commit()
    return RedirectResponse(back, status_code=303)
