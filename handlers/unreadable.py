"""Kinds of message the service cannot read (a voice note, a sticker, a document, someone's
contact card, a poll, a video; attachments not kept by SMS or WhatsApp) get a kind answer in the
person's language: what was not read, what the service reads, how to reach a person instead."""

from __future__ import annotations

from concierge.messages import Reply
from handlers.turn import Turn


def unreadable_answer(turn: Turn) -> Reply | None:
    """The answer to a message that was only something the service cannot read; else None."""
    kind = turn.inbound.unreadable
    if kind is None:
        return None
    parts = [turn.text(f"unreadable.{kind}"), turn.text("unreadable.instead")]
    phone = turn.ctx.settings.twilio_phone_number
    if phone:
        parts.append(turn.text("unreadable.call", phone=phone))
    return Reply(text=" ".join(parts))
