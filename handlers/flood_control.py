"""Flood control per sender: past MESSAGES_PER_MINUTE_PER_SENDER in a minute, one polite "please
slow down", then silence until the minute has passed; every message is still stored (the inbound
log), and every other sender is served as usual."""

from __future__ import annotations

from datetime import datetime, timedelta

from concierge.context import DomainContext
from concierge.messages import Reply
from handlers.turn import Turn

WINDOW = timedelta(minutes=1)


def window_start(ctx: DomainContext) -> datetime:
    """Messages received after this moment count towards the sender's rate."""
    return ctx.now() - WINDOW


def flooding(turn: Turn, earlier: int) -> list[Reply] | None:
    """None when the sender is within their rate (serve them); else the replies for a message
    over it: the notice for the first one over, nothing for the others. `earlier`: the
    sender's messages on this channel received after `window_start`, before this one (read
    with the sender at the start of the turn)."""
    ctx = turn.ctx
    limit = ctx.settings.messages_per_minute_per_sender
    count = earlier + (1 if turn.inbound.received_at > window_start(ctx) else 0)
    if count <= limit:
        return None
    return [turn.reply("flood.slow_down")] if count == limit + 1 else []
