"""Flood control per sender: past MESSAGES_PER_MINUTE_PER_SENDER in a minute, one polite "please
slow down", then silence until the minute has passed; every message is still stored (the inbound
log), and every other sender is served as usual."""

from __future__ import annotations

from datetime import timedelta

from concierge.messages import Reply
from concierge.people.conversations import received_since
from handlers.turn import Turn

WINDOW = timedelta(minutes=1)


async def flooding(turn: Turn) -> list[Reply] | None:
    """None when the sender is within their rate (serve them); else the replies for a message
    over it: the notice for the first one over, nothing for the others."""
    ctx = turn.ctx
    limit = ctx.settings.messages_per_minute_per_sender
    count = await received_since(
        ctx.session, turn.inbound.channel, turn.person.id, ctx.now() - WINDOW
    )
    if count <= limit:
        return None
    return [turn.reply("flood.slow_down")] if count == limit + 1 else []
