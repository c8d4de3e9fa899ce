"""Inbound messages set aside: those that failed every time they were handled (a bug, not an
outage), kept with their raw body so that nothing is lost and coordinators can see them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Boolean, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from concierge.database import Base, UTCDateTime
from concierge.messages import Channel


class SetAside(BaseModel):
    """An inbound message a channel gives up on: what to keep, and whom to tell, if anyone."""

    model_config = ConfigDict(frozen=True)

    channel: Channel
    reference: str
    raw: str
    error: str
    attempts: int
    reply_to: str | None = None  # the sender's address on the channel, when it can be read


class DeadLetter(Base):
    """One inbound message the service could not handle, as the provider sent it."""

    __tablename__ = "dead_letters"
    __table_args__ = (UniqueConstraint("channel", "reference"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[Channel] = mapped_column(String(20))
    # The provider's id of what was set aside (Telegram's update_id).
    reference: Mapped[str] = mapped_column(String(100))
    raw: Mapped[str] = mapped_column(Text)
    error: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer)
    # Whether the sender was told that their message could not be read.
    answered: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


async def set_aside(
    session: AsyncSession,
    *,
    channel: Channel,
    reference: str,
    raw: str,
    error: str,
    attempts: int,
    answered: bool,
    now: datetime,
) -> DeadLetter:
    """Keep a message that failed every time; the one already kept if it was set aside before."""
    found = await session.scalar(
        select(DeadLetter).where(DeadLetter.channel == channel, DeadLetter.reference == reference)
    )
    if found is not None:
        return found
    letter = DeadLetter(
        channel=channel, reference=reference, raw=raw, error=error[:2000],
        attempts=attempts, answered=answered, created_at=now,
    )  # fmt: skip
    session.add(letter)
    await session.flush()
    return letter


async def recent_dead_letters(session: AsyncSession, limit: int = 100) -> list[DeadLetter]:
    """The messages set aside, newest first."""
    rows = await session.scalars(select(DeadLetter).order_by(DeadLetter.id.desc()).limit(limit))
    return list(rows.all())
