"""A resident's answer to the daily check-in ("1 Sto bene", "2 Ho bisogno di aiuto"), whatever
dialogue they were in: it is answered before anything else and leaves that dialogue as it was."""

from __future__ import annotations

from concierge.checkins.rounds import answer_checkin, read_payload
from concierge.messages import Reply
from handlers.turn import Turn


async def checkin_answer(turn: Turn) -> Reply | None:
    """The reply to a check-in answer, or None when the message is not one."""
    payload = read_payload(turn.inbound.choice or "")
    if payload is None:
        return None
    round_id, answer = payload
    return await answer_checkin(turn.ctx, round_id, answer)
