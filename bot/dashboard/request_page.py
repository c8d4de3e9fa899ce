"""One request: its whole history, and what staff can do to it from the page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from bot.dashboard.auth import Checked, Forbidden, SignedIn
from bot.dashboard.pages import flash, flash_refusal, reader_language, render
from bot.dashboard.queue import team_of
from bot.dashboard.receipt_page import receipt_facts
from bot.dashboard.served import OnCommit, Served
from bot.runtime import Runtime
from concierge.checkins.private_notes import NotesReader, read_notes
from concierge.context import DomainContext
from concierge.errors import DomainError, InvalidValue, NotYours
from concierge.local_time import at_local
from concierge.messages import IdentityKind
from concierge.requests.history import request_history
from concierge.requests.lifecycle import OPEN_STATUSES
from concierge.requests.offers import Offer, OfferStatus
from concierge.requests.request import ServiceRequest, get_request, start_request
from concierge.requests.task_reports import report_problem
from concierge.routing.assignment import accept_offer, decline_offer
from concierge.routing.steering import (
    cancel_with_reason,
    may_steer,
    message_requester,
    note_on,
    reassign_to,
    request_for,
    set_due,
    set_priority,
)
from concierge.team.operators import Operator, active_operators
from concierge.team.users import Role, User
from concierge.welfare.at_done import needs_hours
from handlers.task_finish import finish_task

MAX_TASK_MINUTES = 12 * 60  # one visit; more is a typo


class HoursNeeded(InvalidValue):
    """Fatto on a service priced by the hour, without the hours worked."""

    key = "dash.task.hours_needed"


Action = Callable[[DomainContext, User], Awaitable[object]]


def _local_due(value: str, ctx: DomainContext) -> datetime | None:
    """A `datetime-local` field (the service's wall-clock time) as UTC; empty: no due time."""
    if not value.strip():
        return None
    local = datetime.fromisoformat(value)
    return at_local(local.date(), time(local.hour, local.minute), ctx.zone)


async def _offered_to(ctx: DomainContext, user: User, request_id: int) -> bool:
    if user.operator_id is None:
        return False
    pending = await ctx.session.scalar(
        select(Offer.id).where(
            Offer.request_id == request_id,
            Offer.operator_id == user.operator_id,
            Offer.status == OfferStatus.PENDING,
        )
    )
    return pending is not None


def notes_reader(user: User) -> NotesReader:
    """The user as a reader of sealed notes: the task's holder, or a cooperative's coordinator."""
    coordinating = user.cooperative_id if user.role == Role.COORDINATOR else None
    return NotesReader(
        actor=f"user:{user.username}", operator_id=user.operator_id, coordinator_of=coordinating
    )


def _operator_of(user: User) -> Operator:
    if user.operator is None:
        raise Forbidden
    return user.operator


router = APIRouter(prefix="/dashboard/requests")


async def _page_facts(
    ctx: DomainContext, user: User, found: ServiceRequest, lang: str
) -> dict[str, Any]:
    """What the request page shows besides the request: its history, whom it may go to, and
    what the reader may do to it."""
    team = [
        op
        for op in team_of(await active_operators(ctx.session), user)
        if found.cooperative_id is None or op.cooperative_id == found.cooperative_id
    ]
    return {
        "phone": found.requester.address_for(IdentityKind.PHONE),
        "history": await request_history(ctx, found, lang),
        "team": team,
        "offered_to_me": await _offered_to(ctx, user, found.id),
        "checkin_notes": await read_notes(ctx, notes_reader(user), found.id),
        "receipt": await receipt_facts(ctx, found.id),
    }


@router.get("/{request_id}", response_class=HTMLResponse)
async def request_page(
    request: Request, request_id: int, user: SignedIn, runtime: Served
) -> HTMLResponse:
    """The request, its history, and the forms of what the reader may do to it."""
    async with runtime.unit() as ctx:
        try:
            found = await request_for(ctx, user, request_id)
        except NotYours as exc:
            raise Forbidden from exc
        facts = await _page_facts(ctx, user, found, reader_language(request, user, runtime))
    due_value = (
        found.due_at.astimezone(runtime.settings.zone).strftime("%Y-%m-%dT%H:%M")
        if found.due_at
        else ""
    )
    return render(
        request, runtime, "request.html", user,
        item=found, steer=may_steer(user), is_open=found.status in OPEN_STATUSES,
        mine=user.operator_id is not None and found.operator_id == user.operator_id,
        due_value=due_value, **facts,
    )  # fmt: skip


@dataclass(frozen=True)
class Acting:
    """One action of a signed-in member of staff on one request, and how it is reported."""

    request: Request
    runtime: Runtime
    user: User
    request_id: int
    on_commit: Callable[[], None]

    @property
    def page(self) -> str:
        """The request's page, where an action comes back to."""
        return f"/dashboard/requests/{self.request_id}"

    async def run(
        self, work: Action, done: str, back: str = "", own_task: bool = False
    ) -> RedirectResponse:
        """Run one action in a unit of work and come back to the page with how it went.

        `own_task`: an operator's step on a task that may have moved on meanwhile (the offer
        timed out, a coordinator gave it to someone else): they are told so, not refused."""
        request, runtime, user = self.request, self.runtime, self.user
        try:
            async with runtime.unit() as ctx:
                await work(ctx, user)
        except NotYours as exc:
            if not own_task:
                raise Forbidden from exc
            flash_refusal(request, runtime, user, exc)
            back = "/dashboard"
        except DomainError as exc:
            flash_refusal(request, runtime, user, exc)
        except ValueError:
            flash(request, "dash.error.bad_value", "error")
        else:
            flash(request, done, id=self.request_id)
            self.on_commit()
        return RedirectResponse(back or self.page, status_code=303)


async def acting(
    request: Request, request_id: int, user: SignedIn, runtime: Served, on_commit: OnCommit
) -> Acting:
    """The action about to run (a dependency of every form of the page)."""
    return Acting(request, runtime, user, request_id, on_commit)


Act = Annotated[Acting, Depends(acting)]


@router.post("/{request_id}/reassign", dependencies=[Checked])
async def reassign(act: Act, operator: Annotated[int, Form()]) -> RedirectResponse:
    """Give the request to another operator of its cooperative."""

    async def work(ctx: DomainContext, who: User) -> object:
        return await reassign_to(ctx, who, act.request_id, operator)

    return await act.run(work, "dash.done.reassigned")


@router.post("/{request_id}/priority", dependencies=[Checked])
async def priority(act: Act, urgent: Annotated[str, Form()]) -> RedirectResponse:
    """Make the request urgent, or normal again."""

    async def work(ctx: DomainContext, who: User) -> object:
        return await set_priority(ctx, who, act.request_id, urgent == "1")

    return await act.run(work, "dash.done.priority")


@router.post("/{request_id}/due", dependencies=[Checked])
async def due(act: Act, due_at: Annotated[str, Form()] = "") -> RedirectResponse:
    """Set or clear the request's due time."""

    async def work(ctx: DomainContext, who: User) -> object:
        return await set_due(ctx, who, act.request_id, _local_due(due_at, ctx))

    return await act.run(work, "dash.done.due")


@router.post("/{request_id}/cancel", dependencies=[Checked])
async def cancel(act: Act, reason: Annotated[str, Form(max_length=500)] = "") -> RedirectResponse:
    """Cancel the request, saying why (the requester is told)."""
    if not reason.strip():
        flash(act.request, "dash.error.reason_needed", "error")
        return RedirectResponse(act.page, status_code=303)

    async def work(ctx: DomainContext, who: User) -> object:
        return await cancel_with_reason(ctx, who, act.request_id, reason)

    return await act.run(work, "dash.done.cancelled")


@router.post("/{request_id}/note", dependencies=[Checked])
async def note(act: Act, text: Annotated[str, Form(max_length=2000)] = "") -> RedirectResponse:
    """A note for staff on the request."""

    async def work(ctx: DomainContext, who: User) -> object:
        return await note_on(ctx, who, act.request_id, text)

    return await act.run(work, "dash.done.noted")


@router.post("/{request_id}/message", dependencies=[Checked])
async def message(act: Act, text: Annotated[str, Form(max_length=1500)] = "") -> RedirectResponse:
    """A message to the requester on their channel."""

    async def work(ctx: DomainContext, who: User) -> object:
        return await message_requester(ctx, who, act.request_id, text)

    return await act.run(work, "dash.done.messaged")


@router.post("/{request_id}/problem", dependencies=[Checked])
async def problem(act: Act, note: Annotated[str, Form(max_length=1000)] = "") -> RedirectResponse:
    """The operator's own task cannot be done: it fails with their note, coordinators are told
    (the chat's *Problema*)."""
    if not note.strip():
        flash(act.request, "dash.error.note_needed", "error")
        return RedirectResponse(act.page, status_code=303)

    async def work(ctx: DomainContext, who: User) -> object:
        return await report_problem(ctx, _operator_of(who), act.request_id, note)

    return await act.run(work, "dash.done.problem", own_task=True)


OWN_STEPS = {"accept": accept_offer, "start": start_request}


async def _finish(ctx: DomainContext, operator: Operator, request_id: int, hours: str) -> object:
    """Fatto from the dashboard, as by chat: an hourly service needs the hours worked."""
    try:
        minutes = round(float(hours.replace(",", ".")) * 60) if hours.strip() else None
    except (ValueError, OverflowError):  # "inf", "1e999": not hours
        minutes = None
    if minutes is not None and not 0 < minutes <= MAX_TASK_MINUTES:
        minutes = None
    if minutes is None and await needs_hours(ctx, await get_request(ctx, request_id)):
        raise HoursNeeded("an hourly service needs the hours worked")
    return await finish_task(ctx, operator, request_id, minutes)


@router.post("/{request_id}/task/{step}", dependencies=[Checked])
async def task_step(
    act: Act, step: str, hours: Annotated[str, Form(max_length=8)] = ""
) -> RedirectResponse:
    """An operator's own steps: accept or decline an offer, start, finish (charged to whoever
    pays, with the hours worked when the service is priced by the hour)."""

    async def work(ctx: DomainContext, who: User) -> object:
        operator = _operator_of(who)
        if step == "decline":
            return await decline_offer(ctx, operator, act.request_id)
        if step == "finish":
            return await _finish(ctx, operator, act.request_id, hours)
        if step not in OWN_STEPS:
            raise Forbidden
        return await OWN_STEPS[step](ctx, operator, act.request_id)

    back = "/dashboard" if step == "decline" else ""  # a declined task is no longer theirs
    return await act.run(work, f"dash.done.{step}", back, own_task=True)
