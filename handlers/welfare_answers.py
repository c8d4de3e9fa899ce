"""A worker asks for their welfare credit ("credito", "credit", "/credito"): the answer is what
is left under their company's plan, until when, unused vouchers and the last movements. A worker
enrols with their company's code ("iscrivimi ACME", "enrol ACME", or Telegram's deep link
"/start welfare-ACME"); the company still confirms them. A worker asks for the receipt of their
last paid service ("ricevuta", "receipt") and gives their codice fiscale for receipts
("codice fiscale RSSMRA85T10A562S")."""

from __future__ import annotations

import re

from concierge.errors import NotFound
from concierge.intake.words import words
from concierge.messages import Reply
from concierge.people.fiscal_code import InvalidFiscalCode, set_fiscal_code
from concierge.welfare.companies import company_with_code
from concierge.welfare.enrolment import EnrolmentStatus, enrol
from concierge.welfare.receipt_files import receipt_text
from concierge.welfare.receipts import last_paid, receipt_for, receipt_view
from concierge.welfare.statement import credit_statement
from handlers.turn import Outcome, State, Turn

CREDIT_PHRASES = frozenset(
    {("credito",), ("credit",), ("il", "mio", "credito"), ("my", "credit"), ("saldo",)}
)
RECEIPT_PHRASES = frozenset(
    {("ricevuta",), ("receipt",), ("la", "mia", "ricevuta"), ("my", "receipt")}
)
FISCAL_CODE_WORDS = (("codice", "fiscale"), ("fiscal", "code"), ("cf",))
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


async def answer_receipt(turn: Turn, state: State) -> Outcome | None:
    """The receipt of the sender's last paid service, as text in their language; None if the
    turn does not ask for it."""
    text = turn.inbound.text
    if turn.inbound.choice or tuple(words((text or "").lstrip("/"))) not in RECEIPT_PHRASES:
        return None
    movement = await last_paid(turn.ctx, turn.person.id)
    if movement is None:
        return state, [turn.reply("welfare.receipt.none")]
    receipt = await receipt_for(turn.ctx, movement, "chat")
    view = await receipt_view(turn.ctx, receipt, turn.language)
    return state, [Reply(text=receipt_text(view, turn.language))]


def fiscal_code_given(text: str | None) -> str | None:
    """The code in "codice fiscale CODE", "fiscal code CODE" or "cf CODE", if the turn is that."""
    parts = (text or "").split()
    for lead in FISCAL_CODE_WORDS:
        head = tuple(p.lower().strip(":") for p in parts[: len(lead)])
        if head == lead and len(parts) > len(lead):
            return "".join(parts[len(lead) :])
    return None


async def answer_fiscal_code(turn: Turn, state: State) -> Outcome | None:
    """Keep the codice fiscale the sender gave for their receipts; None if the turn is not that."""
    given = None if turn.inbound.choice else fiscal_code_given(turn.inbound.text)
    if given is None:
        return None
    try:
        code = set_fiscal_code(turn.person, given)
    except InvalidFiscalCode:
        return state, [turn.reply("welfare.fiscal_code.invalid")]
    return state, [turn.reply("welfare.fiscal_code.saved", code=code)]
