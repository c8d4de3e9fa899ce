"""A choice counts only if it was offered to this sender on a question still open.

Every channel's choices are read here, inside the turn's transaction: a pressed button's payload
(Telegram, web chat), a digit typed under a numbered list (SMS, WhatsApp), a key pressed on a
call the service placed. A payload is looked up among the questions the outbox wrote to this
very sender; the newest question offering it must not have been answered yet, and answering it
closes it, so a second press of the same button, a payload someone made up, or another person's
button changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from concierge.context import DomainContext
from concierge.messages import Channel, Inbound, identity_kind
from concierge.questions import close_question, last_question, question_offering
from handlers.turn import number_in

# Channels that show choices as a numbered list, answered by typing the number.
NUMBERED_CHANNELS = frozenset({Channel.SMS, Channel.WHATSAPP})
MAX_NUMBER_DIGITS = 2  # no question offers more than 99 choices


@dataclass(frozen=True)
class ReadChoice:
    """The message as the dialogue reads it, and whether it chose from a closed question."""

    inbound: Inbound
    closed: bool = False


def _number(text: str | None) -> int | None:
    stripped = (text or "").strip().rstrip(".)")
    # "²" and "①" are digits to isdigit() but not to int(): number_in reads 0-9 only.
    return number_in(stripped) if len(stripped) <= MAX_NUMBER_DIGITS else None


def _same_person(channel: Channel) -> tuple[Channel, ...]:
    """The channels that reach the same address (a phone number, or a Telegram chat)."""
    kind = identity_kind(channel)
    return tuple(other for other in Channel if identity_kind(other) == kind)


async def _digit_as_choice(
    ctx: DomainContext, inbound: Inbound, address: str, answered_at: datetime | None
) -> Inbound:
    """A digit answers the last numbered question sent on this channel, if nothing came from
    the person since it was written; otherwise it stays a text (a detail, a typed rating)."""
    number = _number(inbound.text)
    if inbound.channel not in NUMBERED_CHANNELS or inbound.choice or number is None:
        return inbound
    question = await last_question(ctx.session, inbound.channel, address)
    if question is None or question.answered_at is not None:
        return inbound
    # Written in the same instant as the last answer, it is the reply to it: still open.
    if answered_at is not None and question.created_at < answered_at:
        return inbound
    if not 1 <= number <= len(question.choices):
        return inbound
    payload = question.choices[number - 1]["payload"]
    return inbound.model_copy(update={"text": None, "choice": payload})


async def read_choice(
    ctx: DomainContext, inbound: Inbound, address: str, last_received_at: datetime | None
) -> ReadChoice:
    """Resolve a typed digit into its choice, then check the choice was offered to `address`
    on a question still open, and close that question. `last_received_at`: when the person
    last wrote on this channel before this message (it tells whether a numbered question is
    still open)."""
    inbound = await _digit_as_choice(ctx, inbound, address, last_received_at)
    if not inbound.choice:
        return ReadChoice(inbound)
    channels = _same_person(inbound.channel)
    question = await question_offering(ctx.session, channels, address, inbound.choice)
    if question is None or not await close_question(ctx.session, question.id, ctx.now()):
        return ReadChoice(inbound, closed=True)
    return ReadChoice(inbound)
