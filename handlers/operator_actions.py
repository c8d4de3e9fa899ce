"""The operator's dialogue: answer offers, start and finish tasks, go on and off duty."""

from __future__ import annotations

from concierge.i18n import format_moment
from concierge.lifecycle import RequestStatus
from concierge.messages import Choice, Reply
from concierge.notifications import request_summary
from concierge.operators import Operator, go_off_duty, go_on_duty
from concierge.requests import ServiceRequest, finish_request, start_request, tasks_of
from concierge.routing import accept_offer, decline_offer, offer_queued_to
from handlers.turn import Command, Outcome, State, Turn, command_of

ACTIONS = ("accept", "decline", "start", "done")


def _next_step(turn: Turn, request: ServiceRequest) -> tuple[Choice, ...]:
    """The one-tap actions an operator has on a task in its current state."""
    rid = request.id
    if request.status == RequestStatus.OFFERED:
        return (
            Choice(label=turn.text("choice.accept"), payload=f"accept:{rid}"),
            Choice(label=turn.text("choice.decline"), payload=f"decline:{rid}"),
        )
    if request.status == RequestStatus.ACCEPTED:
        return (Choice(label=turn.text("choice.start"), payload=f"start:{rid}"),)
    if request.status == RequestStatus.IN_PROGRESS:
        return (Choice(label=turn.text("choice.done"), payload=f"done:{rid}"),)
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


async def _act(turn: Turn, operator: Operator, action: str, request_id: int) -> list[Reply]:
    ctx = turn.ctx
    if action == "accept":
        request = await accept_offer(ctx, operator, request_id)
        key = "operator.accepted"
    elif action == "decline":
        request, _ = await decline_offer(ctx, operator, request_id)
        return [turn.reply("operator.declined", id=request_id)]
    elif action == "start":
        request = await start_request(ctx, operator, request_id)
        key = "operator.started"
    else:
        request = await finish_request(ctx, operator, request_id)
        key = "operator.finished"
    summary = request_summary(ctx, request, turn.language)
    return [Reply(text=turn.text(key, summary=summary), choices=_next_step(turn, request))]


async def handle_operator(turn: Turn, state: State, operator: Operator) -> Outcome:
    """One turn of an operator's conversation."""
    choice = turn.inbound.choice or ""
    action, _, raw_id = choice.partition(":")
    if action in ACTIONS and raw_id.isdigit():
        return state, await _act(turn, operator, action, int(raw_id))

    command = command_of(turn.inbound.text)
    if choice == "tasks" or command is Command.TASKS:
        return state, await _tasks(turn, operator)
    if choice == "duty:on" or command is Command.ON_DUTY:
        until = go_on_duty(operator, turn.ctx.now(), turn.ctx.settings.manual_duty_hours)
        await turn.ctx.session.flush()
        offers = await offer_queued_to(turn.ctx, operator)
        when = format_moment(until, turn.language, turn.ctx.zone)
        return state, [turn.reply("operator.now_on_duty", until=when, offers=len(offers))]
    if choice == "duty:off" or command is Command.OFF_DUTY:
        go_off_duty(operator, turn.ctx.now())
        return state, [turn.reply("operator.now_off_duty")]
    return state, [_menu(turn, operator)]
