"""The check-in plans families proposed in a chat, on the check-ins board: a coordinator confirms
one (the number and name of the person to call, the hour, their language) or declines it with a
reason. Coordinators touch only their cooperative's proposals (another's is a 403)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from bot.dashboard.auth import Checked, Forbidden, Lead
from bot.dashboard.pages import flash, flash_refusal
from bot.dashboard.served import OnCommit, Served
from concierge.checkins.plans import CheckinPlan
from concierge.checkins.proposals import (
    Confirmation,
    confirm_proposal,
    decline_proposal,
    get_proposal,
)
from concierge.context import DomainContext
from concierge.errors import DomainError
from concierge.team.users import Role, User

BOARD = "/dashboard/checkins"
router = APIRouter(prefix=f"{BOARD}/proposals")


async def _theirs(ctx: DomainContext, user: User, plan_id: int) -> CheckinPlan:
    """The proposal, if the reader's cooperative may decide it (admins decide any)."""
    plan = await get_proposal(ctx, plan_id)
    if user.role != Role.ADMIN and plan.cooperative_id != user.cooperative_id:
        raise Forbidden
    return plan


@router.post("/{plan_id}/confirm", dependencies=[Checked])
async def confirm(
    request: Request, plan_id: int, user: Lead, runtime: Served, on_commit: OnCommit,
    phone: Annotated[str, Form(max_length=40)] = "",
    name: Annotated[str, Form(max_length=80)] = "",
    at_time: Annotated[str, Form(max_length=5)] = "",
    language: Annotated[str, Form(max_length=5)] = "it",
) -> RedirectResponse:  # fmt: skip
    """The family agreed: the proposal becomes a plan that runs from tomorrow."""
    try:
        said = Confirmation(phone=phone, name=name, at_time=at_time, language=language)
        async with runtime.unit() as ctx:
            await confirm_proposal(ctx, await _theirs(ctx, user, plan_id), said)
    except ValidationError:
        flash(request, "dash.error.invalid", "error")
    except DomainError as exc:
        flash_refusal(request, runtime, user, exc)
    else:
        flash(request, "dash.done.proposal_confirmed", id=plan_id)
        on_commit()
    return RedirectResponse(BOARD, status_code=303)


@router.post("/{plan_id}/decline", dependencies=[Checked])
async def decline(
    request: Request, plan_id: int, user: Lead, runtime: Served, on_commit: OnCommit,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> RedirectResponse:  # fmt: skip
    """No plan after all: the requester is told the reason."""
    try:
        async with runtime.unit() as ctx:
            await decline_proposal(ctx, await _theirs(ctx, user, plan_id), reason)
    except DomainError as exc:
        flash_refusal(request, runtime, user, exc)
    else:
        flash(request, "dash.done.proposal_declined", id=plan_id)
        on_commit()
    return RedirectResponse(BOARD, status_code=303)
