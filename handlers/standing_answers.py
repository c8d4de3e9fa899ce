"""A requester's series by message: confirmed into being, listed ("le mie serie"), one
occurrence skipped ("salta martedì"), paused ("sospendi la stiratura"), resumed ("riprendi"),
stopped ("basta"). A bare "STOP" stays the opt-out word (handlers.opt_out reads it first).
Daily calls to someone close ("chiamate a mia madre tutti i giorni") become a proposed check-in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from concierge.errors import InvalidValue
from concierge.i18n import format_day
from concierge.intake.due_dates import When
from concierge.intake.words import words
from concierge.messages import Choice, Reply
from concierge.standing.changes import (
    create_order,
    made_today,
    pause_order,
    resume_order,
    skip_next,
    stop_order,
    upcoming,
)
from concierge.standing.checkin_proposal import daily_call_asked, propose_checkin
from concierge.standing.orders import OrderStatus, StandingOrder, get_order, live_orders_of
from concierge.standing.schedule import Slot
from concierge.standing.telling import order_name
from handlers.intake_draft import IntakeState, describe_when, read_state
from handlers.turn import Outcome, State, Turn, number_in

_WEEKDAYS = {
    "lunedi": 0, "monday": 0, "martedi": 1, "tuesday": 1, "mercoledi": 2, "wednesday": 2,
    "giovedi": 3, "thursday": 3, "venerdi": 4, "friday": 4, "sabato": 5, "saturday": 5,
    "domenica": 6, "sunday": 6,
}  # fmt: skip
_LIST = re.compile(
    r"^(?:(?:le )?mie serie|(?:show )?my (?:series|standing orders|recurring requests))$"
)
_ACTIONS = (
    ("skip", re.compile(r"^(?:salta|saltare|skip)\b(?P<rest>.*)$")),
    ("pause", re.compile(r"^(?:sospendi|metti in pausa|pausa|pause|suspend)\b(?P<rest>.*)$")),
    ("resume", re.compile(r"^(?:riprendi|riattiva|resume|restart)\b(?P<rest>.*)$")),
    # "stop" and "cancel" alone are opt-out words: only "stop the ironing" names a series.
    ("stop", re.compile(r"^(?:basta|ferma|interrompi|annulla la serie)\b(?P<rest>.*)$")),
    ("stop", re.compile(r"^(?:stop|cancel|end)\b(?P<rest>.+)$")),
)
_FILLER = frozenset(
    {"la", "il", "lo", "le", "i", "gli", "l", "the", "my", "mia", "mio", "mie", "serie",
     "series", "di", "del", "della", "of", "next", "prossima", "prossimo", "one", "una",
     "standing", "order", "for", "per", "con", "a", "please", "grazie", "thanks"}
)  # fmt: skip


@dataclass(frozen=True)
class Ask:
    """What a message asks of a series: the action, the words naming it, and a weekday."""

    action: str
    rest: list[str]
    weekday: int | None = None


def read_ask(text: str) -> Ask | None:
    """The series command a whole message is, if any."""
    folded = " ".join(words(text.lstrip("/")))
    if _LIST.match(folded):
        return Ask("list", [])
    for action, pattern in _ACTIONS:
        match = pattern.match(folded)
        if match:
            said = [w for w in match["rest"].split() if w not in _FILLER]
            days = [_WEEKDAYS[w] for w in said if w in _WEEKDAYS]
            rest = [w for w in said if w not in _WEEKDAYS]
            return Ask(action, rest, days[0] if days else None)
    return None


def _names(order: StandingOrder) -> set[str]:
    named = f"{order.service.name_it} {order.service.name_en} {order.details}"
    return {w for w in words(named) if len(w) > 2}


def _matching(orders: list[StandingOrder], ask: Ask) -> list[StandingOrder]:
    """The series the words name (by service or details; the first four letters will do:
    "stireria" names "Stiratura"); all of them when the words name none."""
    if not ask.rest:
        return orders
    found = [
        order
        for order in orders
        if any(w[:4] == n[:4] for w in ask.rest if len(w) > 3 for n in _names(order))
    ]
    return found or orders


def _next_words(turn: Turn, slot: Slot | None) -> str:
    if slot is None or slot.day is None:
        return turn.text("standing.next_none")
    return turn.text("standing.next_on", day=format_day(slot.day, turn.language))


async def _act(turn: Turn, order: StandingOrder, action: str, weekday: int | None) -> Reply:
    actor, ctx = f"person:{turn.person.id}", turn.ctx
    name = order_name(ctx, order, turn.language)
    try:
        if action == "pause":
            await pause_order(ctx, order, actor)
            return turn.reply("standing.paused", series=name)
        if action == "resume":
            slot = await resume_order(ctx, order, actor)
            return turn.reply("standing.resumed", series=name, next=_next_words(turn, slot))
        if action == "stop":
            await stop_order(ctx, order, actor)
            return turn.reply("standing.stopped", series=name)
        skipped = await skip_next(ctx, order, actor, weekday)
    except InvalidValue:
        return turn.reply("standing.nothing_to_do", series=name)
    following = await upcoming(ctx, order, 1)
    assert skipped.day is not None
    day, nxt = (
        format_day(skipped.day, turn.language),
        _next_words(turn, following[0] if following else None),
    )
    today = ctx.now().astimezone(ctx.zone).date()
    # "Salta martedì" said on a Tuesday whose occurrence is already requested: that request is
    # no longer the series' to skip, so the next Tuesday is; the reply names both days, and
    # how to cancel today's, so nobody is left believing today's was called off.
    made = await made_today(ctx, order) if weekday == today.weekday() else None
    if made is not None and made.request_id is not None and skipped.day != today:
        return turn.reply(
            "standing.skipped_after_today", series=name, day=day, next=nxt,
            today=format_day(today, turn.language), id=made.request_id,
        )  # fmt: skip
    return turn.reply("standing.skipped", series=name, day=day, next=nxt)


async def _list(turn: Turn, orders: list[StandingOrder]) -> Reply:
    lines = []
    for order in orders:
        following = await upcoming(turn.ctx, order, 1) if order.status == "active" else []
        state = turn.text(f"standing.status.{order.status}")
        nxt = _next_words(turn, following[0] if following else None)
        lines.append(f"• {order_name(turn.ctx, order, turn.language)}: {state}; {nxt}")
    return turn.reply("standing.list", lines="\n".join(lines))


def _which(turn: Turn, orders: list[StandingOrder], ask: Ask) -> Reply:
    day = "" if ask.weekday is None else str(ask.weekday)
    return Reply(
        text=turn.text("standing.which"),
        choices=tuple(
            Choice(
                label=order_name(turn.ctx, order, turn.language),
                payload=f"standing:{ask.action}:{order.id}:{day}",
            )
            for order in orders
        ),
    )


async def _chosen(turn: Turn, state: State, choice: str) -> Outcome:
    """A series picked from the list the bot offered this sender (handlers.choices checked)."""
    _, action, raw_id, raw_day = [*choice.split(":"), "", "", ""][:4]
    order_id, weekday = number_in(raw_id), number_in(raw_day)
    if order_id is None or action not in ("skip", "pause", "resume", "stop"):
        return state, [turn.reply("standing.none")]
    order = await get_order(turn.ctx, order_id)
    if order.requester_id != turn.person.id:
        return state, [turn.reply("standing.none")]
    return state, [await _act(turn, order, action, weekday)]


async def answer_standing(turn: Turn, state: State) -> Outcome | None:
    """The turn, if it is about the person's series (or asks for daily calls); else None."""
    choice = turn.inbound.choice or ""
    if choice.startswith("standing:"):
        return await _chosen(turn, state, choice)
    text = (turn.inbound.text or "").strip()
    if not text or choice or read_state(state).step != "idle":
        return None
    if daily_call_asked(text):
        plan, filed = await propose_checkin(
            turn.ctx, turn.person, turn.inbound.channel, text, turn.language
        )
        label = plan.call_label or turn.text("checkin.proposal.someone")
        key = "standing.checkin_proposed" if filed else "standing.checkin_already_proposed"
        return state, [turn.reply(key, label=label, time=plan.at_time)]
    ask = read_ask(text)
    if ask is None:
        return None
    orders = await live_orders_of(turn.ctx, turn.person)
    if not orders:
        return (state, [turn.reply("standing.none")]) if ask.action == "list" else None
    if ask.action == "list":
        return state, [await _list(turn, orders)]
    wanted = OrderStatus.PAUSED if ask.action == "resume" else OrderStatus.ACTIVE
    fitting = [o for o in _matching(orders, ask) if o.status == wanted or ask.action == "stop"]
    if not fitting:
        return state, [turn.reply("standing.nothing_to_do", series=order_name(turn.ctx, orders[0]))]
    if len(fitting) > 1:
        return state, [_which(turn, fitting, ask)]
    return state, [await _act(turn, fitting[0], ask.action, ask.weekday)]


async def start_series(turn: Turn, draft: IntakeState, first: When) -> Reply:
    """A confirmed recurring draft: the standing order, told back with its first date."""
    assert draft.service is not None and draft.recurrence is not None
    series = {**draft.recurrence, "until": draft.until.isoformat() if draft.until else None}
    order, slot = await create_order(
        turn.ctx,
        turn.person,
        draft.service,
        draft.details,
        turn.inbound.channel,
        series,
        first,
        urgent=draft.urgent,
    )
    return turn.reply(
        "standing.created",
        series=order_name(turn.ctx, order, turn.language),
        when=describe_when(turn, draft),
        first=format_day(slot.day, turn.language) if slot and slot.day else "—",
    )
