"""The coordinator's dialogue: the queue at a glance, reassign a request, write to everyone on
duty."""

from __future__ import annotations

import re

from sqlalchemy import select

from concierge.checkins.private_notes import NotesReader, read_notes
from concierge.context import DomainContext
from concierge.intake.words import fold
from concierge.messages import Reply
from concierge.requests.lifecycle import OPEN_STATUSES, Actor, RequestStatus
from concierge.requests.notifications import language_of, status_line, tell_group, tell_person
from concierge.requests.request import ServiceRequest
from concierge.routing.assignment import dispatch_queue, reassign
from concierge.team.coordinators import Coordinator, one_cooperative
from concierge.team.operators import Operator, active_operators, operators_on_duty
from handlers.operator_actions import notes_asked
from handlers.turn import Command, Outcome, State, Turn, command_of

QUEUE_SHOWN = 10
_REASSIGN = re.compile(
    r"^/?(?:ri)?(?:assegna|assign|reassign)\s+(?:(?:la|il|request|richiesta)\s+)?(?:n\.?\s*)?"
    r"(?P<id>[0-9]{1,9})\s+(?:(?:a|ad|to)\s+)?(?P<who>.+)$"
)
_BROADCAST = re.compile(
    r"^/?(?:avviso|avvisa tutti|broadcast|a tutti)(?:\s*:\s*|\s+)(?P<text>.+)$", re.S
)


async def _queue(turn: Turn, coordinator: Coordinator) -> Reply:
    rows = await turn.ctx.session.scalars(
        select(ServiceRequest)
        .where(
            ServiceRequest.status.in_(OPEN_STATUSES),
            ServiceRequest.cooperative_id == coordinator.cooperative_id,
        )
        .order_by(ServiceRequest.urgent.desc(), ServiceRequest.created_at, ServiceRequest.id)
    )
    open_requests = list(rows.unique().all())
    if not open_requests:
        return turn.reply("coordinator.queue_empty")
    count = {status: 0 for status in RequestStatus}
    for request in open_requests:
        count[RequestStatus(request.status)] += 1
    lines = [status_line(turn.ctx, r, turn.language) for r in open_requests[:QUEUE_SHOWN]]
    return Reply(
        text=turn.text(
            "coordinator.queue",
            total=len(open_requests),
            queued=count[RequestStatus.QUEUED] + count[RequestStatus.NEW],
            offered=count[RequestStatus.OFFERED],
            accepted=count[RequestStatus.ACCEPTED],
            in_progress=count[RequestStatus.IN_PROGRESS],
            lines="\n".join(lines),
        )
    )


async def _operator_named(ctx: DomainContext, name: str, cooperative_id: int) -> Operator | None:
    """An active operator of the cooperative called so (another cooperative's is nobody here)."""
    wanted = fold(name).strip(" .!")
    for operator in await active_operators(ctx.session):
        person = operator.person
        if operator.cooperative_id == cooperative_id and wanted in (
            fold(person.first_name),
            fold(person.display_name),
        ):
            return operator
    return None


async def _reassign(turn: Turn, coordinator: Coordinator, request_id: int, name: str) -> Reply:
    request = await turn.ctx.session.get(ServiceRequest, request_id)
    if request is None or request.cooperative_id != coordinator.cooperative_id:
        # Another cooperative's request is answered as one that does not exist.
        return turn.reply("coordinator.no_such_request", id=request_id)
    operator = await _operator_named(turn.ctx, name, coordinator.cooperative_id)
    if operator is None:
        return turn.reply("coordinator.no_such_operator", name=name.strip())
    await reassign(turn.ctx, request_id, operator, Actor.coordinator(coordinator.id))
    await dispatch_queue(turn.ctx)  # whoever was released may take what waits
    return turn.reply("coordinator.reassigned", id=request_id, operator=operator.first_name)


async def _broadcast(turn: Turn, coordinator: Coordinator, text: str) -> Reply:
    """Write to the operators of the coordinator's cooperative on duty now (no other's)."""
    ctx = turn.ctx
    cooperative_id = coordinator.cooperative_id
    on_duty = [
        operator
        for operator in await operators_on_duty(ctx.session, ctx.now(), ctx.calendar)
        if operator.cooperative_id == cooperative_id
    ]
    sender = coordinator.person.first_name or coordinator.person.display_name
    stamp = turn.inbound.provider_message_id
    for operator in on_duty:
        lang = language_of(ctx, operator.person)
        message = Reply(
            text=turn.text_in(lang, "coordinator.broadcast_message", name=sender, text=text)
        )
        await tell_person(
            ctx, operator.person, operator.contact_channel, message,
            f"broadcast:{stamp}:operator:{operator.id}", cooperative_id=cooperative_id,
        )  # fmt: skip
    group = ctx.settings.telegram_operators_group
    if group is not None and await one_cooperative(ctx):
        lang = ctx.default_language
        message = Reply(
            text=turn.text_in(lang, "coordinator.broadcast_message", name=sender, text=text)
        )
        await tell_group(ctx, group, message, f"broadcast:{stamp}:operators-group", cooperative_id)
    return turn.reply("coordinator.broadcast_sent", count=len(on_duty))


async def handle_coordinator(turn: Turn, state: State, coordinator: Coordinator) -> Outcome:
    """One turn of a coordinator's conversation."""
    text = (turn.inbound.text or "").strip()
    folded = fold(text)
    if command_of(text) is Command.QUEUE:
        return {}, [await _queue(turn, coordinator)]
    reassigning = _REASSIGN.match(folded)
    if reassigning:
        who = text[reassigning.start("who") :]
        return {}, [await _reassign(turn, coordinator, int(reassigning["id"]), who)]
    notes_of = notes_asked(turn)
    if notes_of is not None:
        reader = NotesReader(
            actor=f"coordinator:{coordinator.id}", coordinator_of=coordinator.cooperative_id
        )
        notes = await read_notes(turn.ctx, reader, notes_of)
        if notes is None:
            return {}, [turn.reply("checkin.notes_refused", id=notes_of)]
        text = turn.text("checkin.notes", id=notes_of, notes=notes)
        return {}, [Reply(text=text, private=True)]
    broadcasting = _BROADCAST.match(folded)
    if broadcasting:
        return {}, [await _broadcast(turn, coordinator, text[broadcasting.start("text") :].strip())]
    return {}, [turn.reply("help.coordinator", name=coordinator.person.first_name)]
