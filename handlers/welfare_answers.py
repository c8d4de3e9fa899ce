"""A worker asks for their welfare credit ("credito", "credit", "/credito"): the answer is what
is left under their company's plan, until when, unused vouchers and the last movements."""

from __future__ import annotations

from concierge.intake.words import words
from concierge.messages import Reply
from concierge.welfare.statement import credit_statement
from handlers.turn import Outcome, State, Turn

CREDIT_PHRASES = frozenset(
    {("credito",), ("credit",), ("il", "mio", "credito"), ("my", "credit"), ("saldo",)}
)


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
