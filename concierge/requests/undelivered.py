"""Messages that could not be delivered, for coordinators to see and send again."""

from __future__ import annotations

from sqlalchemy import select

from concierge.context import DomainContext
from concierge.errors import InvalidValue, NotFound
from concierge.outbox import OutboxMessage, OutboxStatus

SHOWN = 100


async def undelivered(ctx: DomainContext, cooperative_id: int | None) -> list[OutboxMessage]:
    """Dead messages, newest first: those of one cooperative (its requests, its staff, its
    residents); all of them, those of no cooperative among them, when none is given (admins)."""
    query = select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.DEAD)
    if cooperative_id is not None:
        query = query.where(OutboxMessage.cooperative_id == cooperative_id)
    rows = await ctx.session.scalars(query.order_by(OutboxMessage.id.desc()).limit(SHOWN))
    return list(rows.all())


async def send_again(ctx: DomainContext, message_id: int) -> OutboxMessage:
    """Put a dead message back in the outbox, as if new (the number may have been fixed)."""
    row = await ctx.session.get(OutboxMessage, message_id)
    if row is None:
        raise NotFound(f"no message {message_id}", why="why.no_message", what=message_id)
    if row.status != OutboxStatus.DEAD:
        raise InvalidValue(
            f"message {message_id} is {row.status}, not undelivered",
            why="why.not_undelivered",
            id=message_id,
        )
    row.status = OutboxStatus.PENDING
    row.attempts = 0
    row.next_attempt_at = ctx.now()
    row.delivery_status = None
    row.claimed_until = None
    await ctx.session.flush()
    return row
