"""One request: its whole history, and what staff can do to it from the page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, time
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from bot.dashboard.auth import Checked, Forbidden, SignedIn
from bot.dashboard.pages import flash, flash_refusal, reader_language, render
from bot.dashboard.queue import team_of
from bot.runtime import Runtime
from concierge.checkins.private_notes import NotesReader, read_notes
from concierge.context import DomainContext
from concierge.errors import DomainError, NotYours
from concierge.local_time import at_local
from concierge.requests.history import request_history
from concierge.requests.lifecycle import OPEN_STATUSES
from concierge.requests.offers import Offer, OfferStatus
from concierge.requests.request import finish_request, start_request
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


def request_router(runtime: Runtime, on_commit: Callable[[], None]) -> APIRouter:
    """The request page and its actions (each a form that comes back to the page)."""
    router = APIRouter(prefix="/dashboard/requests")

    @router.get("/{request_id}", response_class=HTMLResponse)
    async def request_page(request: Request, request_id: int, user: SignedIn) -> HTMLResponse:
        async with runtime.unit() as ctx:
            try:
                found = await request_for(ctx, user, request_id)
            except NotYours as exc:
                raise Forbidden from exc
            history = await request_history(ctx, found, reader_language(request, user, runtime))
            team = [
                op
                for op in team_of(await active_operators(ctx.session), user)
                if found.cooperative_id is None or op.cooperative_id == found.cooperative_id
            ]
            offered = await _offered_to(ctx, user, request_id)
            notes = await read_notes(ctx, notes_reader(user), request_id)
        due_value = (
            found.due_at.astimezone(runtime.settings.zone).strftime("%Y-%m-%dT%H:%M")
            if found.due_at
            else ""
        )
        return render(
            request, runtime, "request.html", user,
            item=found, history=history, team=team, steer=may_steer(user),
            is_open=found.status in OPEN_STATUSES, offered_to_me=offered,
            mine=user.operator_id is not None and found.operator_id == user.operator_id,
            due_value=due_value, checkin_notes=notes,
        )  # fmt: skip

    async def act(
        request: Request,
        request_id: int,
        user: User,
        work: Action,
        done: str,
        back: str = "",
        own_task: bool = False,
    ) -> RedirectResponse:
        """Run one action in a unit of work and come back to the page with how it went.

        `own_task`: an operator's step on a task that may have moved on meanwhile (the offer
        timed out, a coordinator gave it to someone else): they are told so, not refused."""
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
            flash(request, done, id=request_id)
            on_commit()
        return RedirectResponse(back or f"/dashboard/requests/{request_id}", status_code=303)

    @router.post("/{request_id}/reassign", dependencies=[Checked])
    async def reassign(
        request: Request, request_id: int, user: SignedIn, operator: Annotated[int, Form()]
    ) -> RedirectResponse:
        async def work(ctx: DomainContext, who: User) -> object:
            return await reassign_to(ctx, who, request_id, operator)

        return await act(request, request_id, user, work, "dash.done.reassigned")

    @router.post("/{request_id}/priority", dependencies=[Checked])
    async def priority(
        request: Request, request_id: int, user: SignedIn, urgent: Annotated[str, Form()]
    ) -> RedirectResponse:
        async def work(ctx: DomainContext, who: User) -> object:
            return await set_priority(ctx, who, request_id, urgent == "1")

        return await act(request, request_id, user, work, "dash.done.priority")

    @router.post("/{request_id}/due", dependencies=[Checked])
    async def due(
        request: Request, request_id: int, user: SignedIn, due_at: Annotated[str, Form()] = ""
    ) -> RedirectResponse:
        async def work(ctx: DomainContext, who: User) -> object:
            return await set_due(ctx, who, request_id, _local_due(due_at, ctx))

        return await act(request, request_id, user, work, "dash.done.due")

    @router.post("/{request_id}/cancel", dependencies=[Checked])
    async def cancel(
        request: Request,
        request_id: int,
        user: SignedIn,
        reason: Annotated[str, Form(max_length=500)] = "",
    ) -> RedirectResponse:
        if not reason.strip():
            flash(request, "dash.error.reason_needed", "error")
            return RedirectResponse(f"/dashboard/requests/{request_id}", status_code=303)

        async def work(ctx: DomainContext, who: User) -> object:
            return await cancel_with_reason(ctx, who, request_id, reason)

        return await act(request, request_id, user, work, "dash.done.cancelled")

    @router.post("/{request_id}/note", dependencies=[Checked])
    async def note(
        request: Request,
        request_id: int,
        user: SignedIn,
        text: Annotated[str, Form(max_length=2000)] = "",
    ) -> RedirectResponse:
        async def work(ctx: DomainContext, who: User) -> object:
            return await note_on(ctx, who, request_id, text)

        return await act(request, request_id, user, work, "dash.done.noted")

    @router.post("/{request_id}/message", dependencies=[Checked])
    async def message(
        request: Request,
        request_id: int,
        user: SignedIn,
        text: Annotated[str, Form(max_length=1500)] = "",
    ) -> RedirectResponse:
        async def work(ctx: DomainContext, who: User) -> object:
            return await message_requester(ctx, who, request_id, text)

        return await act(request, request_id, user, work, "dash.done.messaged")

    @router.post("/{request_id}/task/{step}", dependencies=[Checked])
    async def task_step(
        request: Request, request_id: int, step: str, user: SignedIn
    ) -> RedirectResponse:
        """An operator's own steps: accept or decline an offer, start, finish."""
        steps = {
            "accept": accept_offer,
            "start": start_request,
            "finish": finish_request,
        }

        async def work(ctx: DomainContext, who: User) -> object:
            operator = _operator_of(who)
            if step == "decline":
                return await decline_offer(ctx, operator, request_id)
            if step not in steps:
                raise Forbidden
            return await steps[step](ctx, operator, request_id)

        back = "/dashboard" if step == "decline" else ""  # a declined task is no longer theirs
        return await act(request, request_id, user, work, f"dash.done.{step}", back, own_task=True)

    return router
