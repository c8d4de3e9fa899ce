"""The operator's dialogue: answer offers, start and finish tasks (a problem note, a proof of
delivery), go on and off duty, pause and resume."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel

from concierge.checkins.private_notes import NotesReader, read_notes
from concierge.i18n import format_moment
from concierge.messages import Choice, Reply
from concierge.requests.lifecycle import RequestStatus
from concierge.requests.notifications import request_summary
from concierge.requests.request import (
    ServiceRequest,
    get_request,
    start_request,
    tasks_of,
)
from concierge.requests.task_reports import add_proof, report_problem
from concierge.routing.assignment import (
    accept_offer,
    decline_offer,
    dispatch_queue,
    offer_queued_to,
)
from concierge.team.operators import Operator, go_off_duty, go_on_duty
from handlers.task_finish import HoursAsked, finish_task, hours_in, hours_question
from handlers.turn import Command, Outcome, State, Turn, command_of, number_in, state_as

ACTIONS = ("accept", "decline", "start", "done", "problem")
# "note 12": the check-in notes request 12 refers to (only its holder, while it is open).
_NOTES = re.compile(r"^/?notes?\s+(?:n\.?\s*)?(?P<id>[0-9]{1,9})$", re.I)


def _next_step(turn: Turn, request: ServiceRequest) -> tuple[Choice, ...]:
    """The one-tap actions an operator has on a task in its current state."""
    rid = request.id
    if request.status == RequestStatus.OFFERED:
        return (
            Choice(label=turn.text("choice.accept"), payload=f"accept:{rid}"),
            Choice(label=turn.text("choice.decline"), payload=f"decline:{rid}"),
        )
    problem = Choice(label=turn.text("choice.problem"), payload=f"problem:{rid}")
    if request.status == RequestStatus.ACCEPTED:
        return (Choice(label=turn.text("choice.start"), payload=f"start:{rid}"), problem)
    if request.status == RequestStatus.IN_PROGRESS:
        return (Choice(label=turn.text("choice.done"), payload=f"done:{rid}"), problem)
    return ()


def _menu(turn: Turn, operator: Operator) -> Reply:
    on_duty = operator.on_duty(turn.ctx.now(), turn.ctx.calendar)
    duty = (
        Choice(label=turn.text("choice.off_duty"), payload="duty:off")
        if on_duty
        else Choice(label=turn.text("choice.on_duty"), payload="duty:on")
    )
    state_key = "operator.on_duty" if on_duty else "operator.off_duty"
    return Reply(
        text=turn.text("help.operator", name=operator.first_name, duty=turn.text(state_key)),
        choices=(Choice(label=turn.text("choice.tasks"), payload="tasks"), duty),
    )


async def _tasks(turn: Turn, operator: Operator) -> list[Reply]:
    tasks = await tasks_of(turn.ctx, operator)
    if not tasks:
        return [turn.reply("operator.no_tasks")]
    return [
        Reply(
            text=turn.text(
                "operator.task_line",
                summary=request_summary(turn.ctx, task, turn.language),
                status=turn.text(f"status.{task.status}"),
            ),
            choices=_next_step(turn, task),
        )
        for task in tasks
    ]


async def _act(turn: Turn, operator: Operator, action: str, request_id: int) -> Outcome:
    ctx = turn.ctx
    if action == "accept":
        request = await accept_offer(ctx, operator, request_id)
        key = "operator.accepted"
    elif action == "decline":
        request, _ = await decline_offer(ctx, operator, request_id)
        return {}, [turn.reply("operator.declined", id=request_id)]
    elif action == "problem":
        request = await get_request(ctx, request_id)
        if request.operator_id != operator.id:
            return {}, [turn.reply("error.not_yours", request_id=request_id)]
        skip = Choice(label=turn.text("choice.back"), payload="report:cancel")
        state = TaskNote(step="problem", request_id=request_id).model_dump()
        return state, [
            Reply(text=turn.text("operator.problem_ask", id=request_id), choices=(skip,))
        ]
    elif action == "start":
        request = await start_request(ctx, operator, request_id)
        key = "operator.started"
    else:
        asked = await hours_question(turn, operator, request_id)
        if asked is not None:
            return asked
        return await _finished(turn, operator, request_id, None)
    summary = request_summary(ctx, request, turn.language)
    return {}, [Reply(text=turn.text(key, summary=summary), choices=_next_step(turn, request))]


async def _finished(
    turn: Turn, operator: Operator, request_id: int, minutes: int | None
) -> Outcome:
    """A task is finished and charged (the minutes worked, if hourly); then the proof."""
    request = await finish_task(turn.ctx, operator, request_id, minutes)
    summary = request_summary(turn.ctx, request, turn.language)
    skip = Choice(label=turn.text("choice.no_proof"), payload="report:cancel")
    state = TaskNote(step="proof", request_id=request_id).model_dump()
    return state, [Reply(text=turn.text("operator.finished", summary=summary), choices=(skip,))]


class TaskNote(BaseModel):
    """The operator was asked for a note: what went wrong, or proof of delivery."""

    step: Literal["problem", "proof"]
    request_id: int


async def _note(turn: Turn, operator: Operator, asked: TaskNote) -> Outcome | None:
    """The note or photo the operator was asked for, if this turn is one."""
    text = (turn.inbound.text or "").strip()
    media = turn.inbound.media
    if turn.inbound.choice == "report:cancel":
        return {}, [turn.reply("operator.note_skipped")]
    if turn.inbound.choice or (not text and not media) or command_of(text) is not None:
        return None
    if asked.step == "problem":
        request = await report_problem(turn.ctx, operator, asked.request_id, text)
        await dispatch_queue(turn.ctx)
        summary = request_summary(turn.ctx, request, turn.language)
        return {}, [turn.reply("operator.problem_sent", summary=summary)]
    await add_proof(turn.ctx, operator, asked.request_id, text, media)
    return {}, [turn.reply("operator.proof_saved", id=asked.request_id)]


def notes_asked(turn: Turn) -> int | None:
    """The request whose check-in notes this turn asks for, if it asks."""
    found = _NOTES.match((turn.inbound.text or "").strip())
    return int(found["id"]) if found else None


async def _notes(turn: Turn, operator: Operator, request_id: int) -> Outcome:
    reader = NotesReader(actor=f"operator:{operator.id}", operator_id=operator.id)
    notes = await read_notes(turn.ctx, reader, request_id)
    if notes is None:
        return {}, [turn.reply("checkin.notes_refused", id=request_id)]
    text = turn.text("checkin.notes", id=request_id, notes=notes)
    return {}, [Reply(text=text, private=True)]


def wants_operator(turn: Turn, state: State) -> bool:
    """Whether a turn is operator business (for a coordinator who is also an operator)."""
    choice = turn.inbound.choice or ""
    action = choice.partition(":")[0]
    return (
        action in (*ACTIONS, "duty", "report", "hours")
        or choice == "tasks"
        or state_as(TaskNote, state) is not None
        or state_as(HoursAsked, state) is not None
        or command_of(turn.inbound.text)
        in (Command.TASKS, Command.ON_DUTY, Command.OFF_DUTY, Command.PAUSE, Command.RESUME)
    )


async def handle_operator(turn: Turn, state: State, operator: Operator) -> Outcome:
    """One turn of an operator's conversation."""
    asked = state_as(TaskNote, state)
    if asked is not None:
        noted = await _note(turn, operator, asked)
        if noted is not None:
            return noted
    choice = turn.inbound.choice or ""
    given = hours_in(choice)
    if given is not None:
        return await _finished(turn, operator, *given)
    action, _, raw_id = choice.partition(":")
    request_id = number_in(raw_id)
    if action in ACTIONS and request_id is not None:
        return await _act(turn, operator, action, request_id)

    notes_of = notes_asked(turn)
    if notes_of is not None:
        return await _notes(turn, operator, notes_of)
    command = command_of(turn.inbound.text)
    ctx = turn.ctx
    if choice == "tasks" or command is Command.TASKS:
        return {}, await _tasks(turn, operator)
    if choice == "duty:on" or command is Command.ON_DUTY:
        until = go_on_duty(operator, ctx.now(), ctx.settings.manual_duty_hours)
        operator.paused = False
        await ctx.session.flush()
        offers = await offer_queued_to(ctx, operator)
        when = format_moment(until, turn.language, ctx.zone)
        return {}, [turn.reply("operator.now_on_duty", until=when, offers=len(offers))]
    if choice == "duty:off" or command is Command.OFF_DUTY:
        go_off_duty(operator, ctx.now())
        return {}, [turn.reply("operator.now_off_duty")]
    if command is Command.PAUSE:
        operator.paused = True
        return {}, [turn.reply("operator.paused")]
    if command is Command.RESUME:
        operator.paused = False
        await ctx.session.flush()
        offers = await offer_queued_to(ctx, operator)
        return {}, [turn.reply("operator.resumed", offers=len(offers))]
    return {}, [_menu(turn, operator)]
