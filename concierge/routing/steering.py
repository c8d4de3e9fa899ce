"""What staff do to a request from the dashboard: reassign it, change its priority or due time,
cancel it with a reason, note something, write to the requester. Each leaves a trace in its
history, and who may touch which request is decided here."""

from __future__ import annotations

from datetime import datetime

from concierge.context import DomainContext
from concierge.errors import InvalidValue, NotFound, NotYours
from concierge.i18n import t
from concierge.messages import Reply
from concierge.requests.lifecycle import OPEN_STATUSES, Actor, RequestStatus
from concierge.requests.notes import NoteKind, RequestNote, add_note
from concierge.requests.notifications import language_of, tell_person
from concierge.requests.offers import Offer
from concierge.requests.promises import replan_due
from concierge.requests.request import ServiceRequest, get_request, transition
from concierge.routing.assignment import dispatch_queue, reassign
from concierge.team.operators import Operator
from concierge.team.users import Role, User


def may_see(user: User, request: ServiceRequest) -> bool:
    """Admins see every request, coordinators their cooperative's, operators their own tasks."""
    if user.role == Role.ADMIN:
        return True
    if user.role == Role.COORDINATOR:
        return user.cooperative_id is not None and request.cooperative_id == user.cooperative_id
    return user.operator_id is not None and request.operator_id == user.operator_id


def may_steer(user: User) -> bool:
    """Whether the user may reassign, re-prioritise, cancel and message (not operators)."""
    return user.role in (Role.ADMIN, Role.COORDINATOR)


async def request_for(ctx: DomainContext, user: User, request_id: int) -> ServiceRequest:
    """The request, if the user may see it: NotFound or NotYours otherwise."""
    request = await get_request(ctx, request_id)
    if not may_see(user, request):
        raise NotYours(f"{user.username} may not see request {request_id}", request_id=request_id)
    return request


async def _steerable(ctx: DomainContext, user: User, request_id: int) -> ServiceRequest:
    request = await request_for(ctx, user, request_id)
    if not may_steer(user):
        raise NotYours(f"{user.username} may not steer request {request_id}", request_id=request_id)
    return request


def _written(text: str, refusal: str) -> str:
    """Staff's words without the blanks around them; InvalidValue when there are none."""
    if not text.strip():
        raise InvalidValue(refusal)
    return text.strip()


def _still_open(request: ServiceRequest) -> None:
    if request.status not in OPEN_STATUSES:
        raise InvalidValue(
            f"request {request.id} is closed ({request.status})",
            why="why.request_closed",
            request_id=request.id,
        )


async def reassign_to(ctx: DomainContext, user: User, request_id: int, operator_id: int) -> Offer:
    """Give the request to a chosen operator of its cooperative (who may still decline)."""
    request = await _steerable(ctx, user, request_id)
    _still_open(request)
    operator = await ctx.session.get(Operator, operator_id)
    if operator is None or not operator.active:
        raise NotFound(f"no active operator {operator_id}", what=operator_id)
    offer = await reassign(ctx, request.id, operator, Actor.user(user.id))
    await dispatch_queue(ctx)  # whoever was released may take what waits
    return offer


async def set_priority(
    ctx: DomainContext, user: User, request_id: int, urgent: bool
) -> RequestNote | None:
    """Make the request urgent or normal; None when it already was."""
    request = await _steerable(ctx, user, request_id)
    _still_open(request)
    if request.urgent == urgent:
        return None
    request.urgent = urgent
    request.updated_at = ctx.now()
    note = await add_note(
        ctx, request.id, user.id, NoteKind.PRIORITY, "urgent" if urgent else "normal"
    )
    if urgent and request.status == RequestStatus.QUEUED:
        await dispatch_queue(ctx)  # an urgent request does not wait for its shift
    return note


async def set_due(
    ctx: DomainContext, user: User, request_id: int, due_at: datetime | None
) -> RequestNote:
    """Give the request a new due time (or none); its overdue alarm and reminder follow."""
    request = await _steerable(ctx, user, request_id)
    _still_open(request)
    request.due_at = due_at
    request.due_kind = "time"
    request.updated_at = ctx.now()
    await replan_due(ctx, request)
    # Kept as a moment, shown in each reader's language.
    shown = due_at.isoformat() if due_at else ""
    return await add_note(ctx, request.id, user.id, NoteKind.DUE, shown)


async def cancel_with_reason(
    ctx: DomainContext, user: User, request_id: int, reason: str
) -> ServiceRequest:
    """Cancel the request for a reason the history keeps; requester and operator are told."""
    reason = _written(reason, "a cancellation needs a reason")
    request = await _steerable(ctx, user, request_id)
    await transition(ctx, request, RequestStatus.CANCELLED, Actor.user(user.id), reason)
    return request


async def note_on(ctx: DomainContext, user: User, request_id: int, text: str) -> RequestNote:
    """Add a note for colleagues (operators may note on their own tasks)."""
    text = _written(text, "an empty note")
    request = await request_for(ctx, user, request_id)
    return await add_note(ctx, request.id, user.id, NoteKind.NOTE, text)


async def message_requester(
    ctx: DomainContext, user: User, request_id: int, text: str
) -> RequestNote:
    """Write to the requester on the channel they asked on; the history keeps a copy."""
    text = _written(text, "an empty message")
    request = await _steerable(ctx, user, request_id)
    note = await add_note(ctx, request.id, user.id, NoteKind.MESSAGE, text)
    requester = request.requester
    lang = language_of(ctx, requester)
    reply = Reply(text=t(lang, "dash.message_to_requester", id=request.id, text=text))
    await tell_person(
        ctx, requester, request.channel, reply, f"note:{note.id}", request.id,
        cooperative_id=request.cooperative_id,
    )  # fmt: skip
    return note
