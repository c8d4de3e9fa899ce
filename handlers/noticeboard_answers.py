"""Questions to the neighbourhood noticeboard ("c'è il mercato sabato?", "which pharmacy is on
duty on Sunday?") answered from the notices valid that day, or handed to an operator; and the
weekly bulletin asked for ("bollettino", "bulletin") or stopped ("stop bollettino")."""

from __future__ import annotations

from datetime import date, timedelta

from concierge.i18n import format_day, format_moment
from concierge.intake.catalogue import Service
from concierge.intake.due_dates import extract_when
from concierge.intake.understanding import understand
from concierge.intake.words import words
from concierge.noticeboard.bulletin import board_for, subscribe, unsubscribe
from concierge.noticeboard.lines import notice_line
from concierge.noticeboard.notices import notices_between
from concierge.noticeboard.questions import asks_the_board, fits, is_question
from concierge.requests.request import create_request
from concierge.routing.assignment import offer_next
from handlers.intake_draft import read_state
from handlers.turn import Outcome, State, Turn

# How far ahead a question may look for notices that hold on the day it asks about.
LOOK_AHEAD_DAYS = 60
# The service a question nobody's notice answers becomes, when the catalogue has it
# ("information", issue 21); else the catch-all.
QUESTION_SERVICES = ("information", "other")

_BULLETIN = frozenset({"bollettino", "bulletin", "newsletter"})
_STOP = frozenset(
    {"stop", "basta", "no", "off", "annulla", "disiscrivimi", "disiscrivi", "cancella", "togli",
     "unsubscribe", "cancel", "end", "niente", "disdici"}
)  # fmt: skip
_SUBSCRIBE = frozenset(
    {"iscrivimi", "iscrivermi", "voglio", "il", "al", "settimanale", "ricevere", "subscribe",
     "me", "to", "the", "weekly", "sign", "up", "for", "si", "yes", "start"}
)  # fmt: skip
_LONGEST_WISH = 6  # words: a longer message about the bulletin is for a person to read


def bulletin_wish(text: str) -> bool | None:
    """True for a whole message asking for the bulletin, False for one stopping it, else None."""
    said = words(text.lstrip("/"))
    if not _BULLETIN.intersection(said) or len(said) > _LONGEST_WISH:
        return None
    rest = set(said) - _BULLETIN
    if rest & _STOP:
        return False
    return True if rest <= _SUBSCRIBE else None


async def _bulletin(turn: Turn, state: State, wanted: bool) -> Outcome:
    if not wanted:
        stopped = await unsubscribe(turn.ctx, turn.person)
        key = "bulletin.unsubscribed" if stopped else "bulletin.not_subscribed"
        return state, [turn.reply(key)]
    due = await subscribe(turn.ctx, turn.person, turn.inbound.channel)
    when = format_moment(due, turn.language, turn.ctx.zone)
    return state, [turn.reply("bulletin.subscribed", when=when)]


async def _hand_over(turn: Turn, state: State, text: str) -> Outcome | None:
    """Nothing on the board fits: the question becomes a short task for an operator (None when
    the catalogue has no service for it: the intake then reads the text as any other)."""
    session = turn.ctx.session
    services = [await session.get(Service, code) for code in QUESTION_SERVICES]
    code = next((s.code for s in services if s is not None and s.active), None)
    if code is None:
        return None
    # The service opens the task for them (their own reply below says so, not "registered").
    request = await create_request(
        turn.ctx, turn.person, code, text, turn.inbound.channel, by_service=True
    )
    await offer_next(turn.ctx, request)
    return state, [turn.reply("noticeboard.handed", id=request.id)]


def _an_errand(turn: Turn, text: str) -> bool:
    """Whether the intake reads the text as an errand it is sure of: a question that shares only
    a word with a notice ("c'è qualcuno per la spesa?", an offer on groceries posted) is one."""
    reading = understand(text, turn.ctx.now(), turn.ctx.zone, turn.person.language)
    return reading.sure and reading.category not in QUESTION_SERVICES


def _asked_day(turn: Turn, text: str, today: date) -> date:
    found = extract_when(text, turn.ctx.now(), turn.ctx.zone, turn.language)
    return found.when.day if found is not None and found.when.day >= today else today


async def answer_noticeboard(turn: Turn, state: State) -> Outcome | None:
    """The answer to a question to the noticeboard or a bulletin wish; None to let the intake
    have the turn (a tapped choice, a request being told, an errand, anything else)."""
    text = (turn.inbound.text or "").strip()
    if turn.inbound.choice or turn.inbound.media or not text or read_state(state).step != "idle":
        return None
    wish = bulletin_wish(text)
    if wish is not None:
        return await _bulletin(turn, state, wish)
    if not is_question(text):  # the board is read only for what may be a question to it
        return None
    cooperative_id = await board_for(turn.ctx, turn.person)
    today = turn.ctx.now().astimezone(turn.ctx.zone).date()
    board = await notices_between(
        turn.ctx, cooperative_id, today, today + timedelta(days=LOOK_AHEAD_DAYS)
    )
    topic = asks_the_board(text, board)
    if topic is None or (not topic.kinds and _an_errand(turn, text)):
        return None
    day = _asked_day(turn, text, today)
    fitting = [notice for notice in board if notice.valid_on(day) and fits(notice, topic)]
    if not fitting:
        return await _hand_over(turn, state, text)
    lines = "\n".join(notice_line(notice, turn.language) for notice in fitting)
    day_named = format_day(day, turn.language)
    return state, [turn.reply("noticeboard.answer", day=day_named, lines=lines)]
