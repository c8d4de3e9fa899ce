"""The resident's dialogue: tell us an errand (free text or menu), confirm it, follow it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ValidationError

from concierge.catalogue import active_services, get_service
from concierge.intake import recognise_service
from concierge.messages import Choice, Reply
from concierge.notifications import request_summary
from concierge.requests import cancel_request, create_request, open_requests_of
from concierge.routing import offer_next
from handlers.follow_up_answers import handle_follow_up
from handlers.turn import Command, Outcome, State, Turn, command_of


class IntakeState(BaseModel):
    """Where a half-told request stands."""

    step: Literal["idle", "details", "confirm"] = "idle"
    service: str | None = None
    details: str = ""


def _read_state(state: State) -> IntakeState:
    try:
        return IntakeState.model_validate(state)
    except ValidationError:
        return IntakeState()


def _idle() -> State:
    return IntakeState().model_dump()


async def service_menu(turn: Turn, intro_key: str = "intake.menu") -> Reply:
    """The list of services as choices."""
    services = await active_services(turn.ctx.session)
    return Reply(
        text=turn.text(intro_key),
        choices=tuple(
            Choice(label=service.name(turn.language), payload=f"service:{service.code}")
            for service in services
        ),
    )


async def _confirmation(turn: Turn, draft: IntakeState) -> Reply:
    assert draft.service is not None
    service = await get_service(turn.ctx.session, draft.service)
    details = f" — «{draft.details}»" if draft.details else ""
    return Reply(
        text=turn.text("intake.confirm", service=service.name(turn.language), details=details),
        choices=(
            Choice(label=turn.text("choice.confirm"), payload="confirm"),
            Choice(label=turn.text("choice.cancel"), payload="discard"),
        ),
    )


async def _submit(turn: Turn, draft: IntakeState) -> Outcome:
    assert draft.service is not None
    request = await create_request(
        turn.ctx, turn.person, draft.service, draft.details, turn.inbound.channel
    )
    offer = await offer_next(turn.ctx, request)
    replies = [] if offer is not None else [turn.reply("request.waiting", id=request.id)]
    return _idle(), replies


async def _status(turn: Turn) -> Reply:
    requests = await open_requests_of(turn.ctx, turn.person)
    if not requests:
        return turn.reply("status.none")
    lines = []
    for request in requests:
        status = turn.text(f"status.{request.status}")
        operator = request.operator
        if operator is not None and request.status in ("accepted", "in_progress"):
            status = turn.text("status.with_operator", status=status, operator=operator.first_name)
        lines.append(f"• {request_summary(turn.ctx, request, turn.language)}: {status}")
    return Reply(text=turn.text("status.list", lines="\n".join(lines)))


async def _which_to_cancel(turn: Turn) -> Reply:
    requests = await open_requests_of(turn.ctx, turn.person)
    if not requests:
        return turn.reply("cancel.nothing")
    return Reply(
        text=turn.text("cancel.which"),
        choices=tuple(
            Choice(
                label=f"{turn.text('request.number', id=r.id)} {r.service.name(turn.language)}",
                payload=f"cancel:{r.id}",
            )
            for r in requests
        ),
    )


async def handle_resident(turn: Turn, state: State) -> Outcome:
    """One turn of a resident's or worker's conversation."""
    answered = await handle_follow_up(turn, state)
    if answered is not None:
        return answered
    draft = _read_state(state)
    choice = turn.inbound.choice or ""
    text = (turn.inbound.text or "").strip()
    command = command_of(text)

    if choice.startswith("service:"):
        code = choice.removeprefix("service:")
        await get_service(turn.ctx.session, code)
        draft = IntakeState(step="details", service=code)
        skip = Choice(label=turn.text("choice.no_details"), payload="details:skip")
        return draft.model_dump(), [Reply(text=turn.text("intake.details"), choices=(skip,))]
    if choice.startswith("cancel:") and choice.removeprefix("cancel:").isdigit():
        request = await cancel_request(turn.ctx, turn.person, int(choice.removeprefix("cancel:")))
        return draft.model_dump(), [
            turn.reply("cancel.done", summary=request_summary(turn.ctx, request, turn.language))
        ]
    if draft.step == "confirm" and (choice == "confirm" or command is Command.YES):
        return await _submit(turn, draft)
    if choice == "discard" or (draft.step != "idle" and command in (Command.NO, Command.CANCEL)):
        return _idle(), [turn.reply("intake.discarded")]
    if draft.step == "details" and choice == "details:skip":
        draft = draft.model_copy(update={"step": "confirm", "details": ""})
        return draft.model_dump(), [await _confirmation(turn, draft)]

    if command is Command.HELP:
        return draft.model_dump(), [turn.reply("help.resident")]
    if command is Command.MENU:
        return _idle(), [await service_menu(turn)]
    if command is Command.STATUS:
        return draft.model_dump(), [await _status(turn)]
    if command is Command.CANCEL:
        return draft.model_dump(), [await _which_to_cancel(turn)]

    if draft.step == "details" and text:
        draft = draft.model_copy(update={"step": "confirm", "details": text})
        return draft.model_dump(), [await _confirmation(turn, draft)]
    if text:
        recognised = recognise_service(text)
        if recognised is not None:
            draft = IntakeState(step="confirm", service=recognised, details=text)
            return draft.model_dump(), [await _confirmation(turn, draft)]
        return _idle(), [await service_menu(turn, "intake.not_understood")]
    return draft.model_dump(), [await service_menu(turn)]
