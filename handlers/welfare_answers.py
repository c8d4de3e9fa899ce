"""A worker asks for their welfare credit ("credito", "credit", "/credito"): the answer is what
is left under their company's plan, until when, unused vouchers and the last movements. A worker
enrols with their company's code ("iscrivimi ACME", "enrol ACME", or Telegram's deep link
"/start welfare-ACME"); the company still confirms them."""

from __future__ import annotations

import re

from concierge.errors import NotFound
from concierge.intake.words import words
from concierge.messages import Reply
from concierge.welfare.companies import company_with_code
from concierge.welfare.enrolment import EnrolmentStatus, enrol
from concierge.welfare.statement import credit_statement
from handlers.turn import Outcome, State, Turn

CREDIT_PHRASES = frozenset(
    {("credito",), ("credit",), ("il", "mio", "credito"), ("my", "credit"), ("saldo",)}
)
ENROL_WORDS = frozenset({"iscrivimi", "iscrizione", "enrol", "enroll"})
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,29}")
_DEEP_LINK = "/start welfare-"


def asks_for_credit(text: str | None) -> bool:
    """Whether the whole message asks for the welfare credit."""
    return tuple(words((text or "").lstrip("/"))) in CREDIT_PHRASES


async def answer_credit(turn: Turn, state: State) -> Outcome | None:
    """The credit statement, if the turn asks for it; None to let the intake have the turn.
    The conversation's state is kept: a half-told request goes on after the answer."""
    if turn.inbound.choice or not asks_for_credit(turn.inbound.text):
        return None
    statement = await credit_statement(turn.ctx, turn.person.id, turn.language)
    return state, [Reply(text=statement)]


def enrolment_code(text: str | None) -> str | None:
    """The company code in "iscrivimi CODE", "enrol CODE" or "/start welfare-CODE", if any."""
    text = (text or "").strip()
    if text.lower().startswith(_DEEP_LINK):
        code = text[len(_DEEP_LINK) :]
    else:
        parts = text.split()
        if len(parts) != 2 or " ".join(words(parts[0].lstrip("/"))) not in ENROL_WORDS:
            return None
        code = parts[1]
    return code if _CODE.fullmatch(code) else None


async def answer_enrolment(turn: Turn, state: State) -> Outcome | None:
    """Enrol the sender with the company whose code they sent; None if the turn is not that."""
    code = None if turn.inbound.choice else enrolment_code(turn.inbound.text)
    if code is None:
        return None
    try:
        company = await company_with_code(turn.ctx, code)
    except NotFound:
        return state, [turn.reply("welfare.enrol.unknown", code=code)]
    enrolment = await enrol(turn.ctx, turn.person, company)
    key = (
        "welfare.enrol.confirmed"
        if enrolment.status == EnrolmentStatus.CONFIRMED
        else "welfare.enrol.pending"
    )
    return state, [turn.reply(key, company=company.name)]
