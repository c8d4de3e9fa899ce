"""Questions: outbox rows that offered choices. A choice counts only if it was offered to that
sender (the newest question on the channel, or the row offering that payload), and once: a
question is closed by its first answer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Text, cast, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from concierge.messages import Channel
from concierge.outbox import OutboxMessage


async def last_question(
    session: AsyncSession, channel: Channel, address: str
) -> OutboxMessage | None:
    """The last message with choices written to an address on a channel: the question a digit
    answers on channels without buttons."""
    recent = await session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.channel == channel, OutboxMessage.address == address)
        .order_by(OutboxMessage.id.desc())
        .limit(20)  # a question is followed by a few notices at most
    )
    return next((row for row in recent if row.choices), None)


async def question_offering(
    session: AsyncSession, channels: Sequence[Channel], address: str, payload: str
) -> OutboxMessage | None:
    """The newest message to an address, on one of these channels, offering a choice with this
    payload (None when it was never offered there)."""
    rows = await session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.channel.in_(list(channels)),
            OutboxMessage.address == address,
            cast(OutboxMessage.choices, Text).contains(f'"{payload}"', autoescape=True),
        )
        .order_by(OutboxMessage.id.desc())
        .limit(20)
    )
    return next(
        (row for row in rows if any(c.get("payload") == payload for c in row.choices)), None
    )


async def close_question(session: AsyncSession, row_id: int, now: datetime) -> bool:
    """Mark a question answered; False when it already was (by an earlier or a concurrent
    answer: on PostgreSQL the second waits for the first and then finds it closed)."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.answered_at.is_(None))
        .values(answered_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return bool(getattr(result, "rowcount", 0))
