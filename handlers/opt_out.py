"""Opt-out words: STOP and its kin end the messages a person did not ask for, START resumes.

On SMS and WhatsApp the words are the carriers' own (Twilio acts on them too: after STOP it
blocks the number until START), so the single word "cancel" here means STOP, as it does to
Twilio; the Italian "annulla" stays the command that cancels a request. On Telegram only the
commands /stop and /start are read this way, so a resident's plain "stop" stays a sentence.
"""

from __future__ import annotations

from enum import StrEnum

from concierge.intake.words import words
from concierge.messages import Channel, Reply, identity_kind
from handlers.turn import Command, Turn, command_of

MESSAGING = frozenset({Channel.SMS, Channel.WHATSAPP})
_STOP_WORDS = frozenset(
    {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "basta messaggi"}
)
_START_WORDS = frozenset({"start", "unstop"})


class OptWord(StrEnum):
    """What an opt-out word asks."""

    STOP = "stop"
    START = "start"


def opt_word(channel: Channel, text: str | None) -> OptWord | None:
    """The opt-out word a whole message is on its channel, if any."""
    if not text:
        return None
    if channel in MESSAGING:
        phrase = " ".join(words(text))
        if phrase in _STOP_WORDS:
            return OptWord.STOP
        return OptWord.START if phrase in _START_WORDS else None
    if channel == Channel.TELEGRAM:
        command = text.strip().lower()
        if command == "/stop":
            return OptWord.STOP
        return OptWord.START if command in ("/start", "/unstop") else None
    return None


def opt_out_turn(turn: Turn) -> Reply | None:
    """STOP records the opt-out at the sender's address and confirms it; START (when stopped)
    resumes and confirms; anything else is left to the dialogues (None). A plain /start on
    Telegram by someone who never stopped is the greeting it always was."""
    word = opt_word(turn.inbound.channel, turn.inbound.text)
    if word is None:
        return None
    kind = identity_kind(turn.inbound.channel)
    identities = [i for i in turn.person.identities if i.kind == kind]
    stopped = any(i.stopped_at is not None for i in identities)
    how = "telegram" if turn.inbound.channel == Channel.TELEGRAM else "messaging"
    if word is OptWord.STOP:
        for identity in identities:
            identity.stopped_at = identity.stopped_at or turn.ctx.now()
        return turn.reply(f"optout.stopped_{how}")
    if not stopped:
        return None
    for identity in identities:
        identity.stopped_at = None
    return turn.reply(f"optout.resumed_{how}")


def help_notice(turn: Turn) -> Reply | None:
    """On SMS and WhatsApp, HELP / AIUTO also tells who writes and how to stop the messages."""
    if turn.inbound.channel not in MESSAGING or command_of(turn.inbound.text) is not Command.HELP:
        return None
    return turn.reply("optout.help")
