"""Conversation state per person and channel, and the log of every inbound message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, joinedload, mapped_column

from concierge.database import Base, UTCDateTime
from concierge.messages import IdentityKind, Inbound
from concierge.people.person import ChannelIdentity, Person


class Conversation(Base):
    """Where a dialogue with one person on one channel stands (a JSON state)."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("person_id", "channel"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(20))
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class InboundRecord(Base):
    """Every message received, once: the provider's id is the idempotency key."""

    __tablename__ = "inbound_messages"
    __table_args__ = (UniqueConstraint("channel", "provider_message_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    provider_message_id: Mapped[str] = mapped_column(String(200))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), nullable=True)
    text: Mapped[str] = mapped_column(Text, default="")
    choice: Mapped[str] = mapped_column(String(200), default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The request the message was about (its intake, a button on it), once the turn knows it.
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("requests.id"), nullable=True, index=True
    )


async def already_received(session: AsyncSession, inbound: Inbound) -> bool:
    """Whether this provider message was processed before (a webhook delivered twice)."""
    found = await session.scalar(
        select(InboundRecord.id).where(
            InboundRecord.channel == inbound.channel,
            InboundRecord.provider_message_id == inbound.provider_message_id,
        )
    )
    return found is not None


@dataclass(frozen=True)
class Sender:
    """Who sent an inbound message, as known before it is recorded."""

    person: Person | None  # None: nobody is known by the address yet
    duplicate: bool  # this provider message was received before
    recent: int  # the person's messages on this channel received after `since`
    last_received_at: datetime | None  # the latest of them all, if any
    conversation: Conversation | None = None  # theirs on this channel; None: none yet


async def sender_of(
    session: AsyncSession, inbound: Inbound, kind: IdentityKind, address: str, since: datetime
) -> Sender:
    """The person known by the sender's (normalised) address with their identities, whether
    this message was received before, and the person's earlier messages on its channel (how
    many after `since`, when the last) and their conversation on it: one statement for a known
    sender, where each of these was a statement of its own on every turn; two for someone never
    heard of."""
    channel = inbound.channel
    received = (
        select(InboundRecord.id)
        .where(
            InboundRecord.channel == channel,
            InboundRecord.provider_message_id == inbound.provider_message_id,
        )
        .exists()
    )
    theirs = (InboundRecord.channel == channel, InboundRecord.person_id == Person.id)
    recent = (
        select(func.count(InboundRecord.id))
        .where(*theirs, InboundRecord.received_at > since)
        .scalar_subquery()
    )
    last = select(func.max(InboundRecord.received_at)).where(*theirs).scalar_subquery()
    found = await session.execute(
        select(Person, received, recent, last, Conversation)
        .join(ChannelIdentity)
        .outerjoin(
            Conversation,
            (Conversation.person_id == Person.id) & (Conversation.channel == channel),
        )
        .where(ChannelIdentity.kind == kind, ChannelIdentity.address == address)
        .options(joinedload(Person.identities))
    )
    row = found.unique().first()
    if row is None:
        duplicate = await already_received(session, inbound)
        return Sender(person=None, duplicate=duplicate, recent=0, last_received_at=None)
    person, duplicate, count, latest, conversation = row
    return Sender(person, bool(duplicate), int(count or 0), latest, conversation)


async def record_inbound(session: AsyncSession, inbound: Inbound, person_id: int | None) -> None:
    """Log an inbound message; the unique key makes a concurrent duplicate fail the transaction."""
    session.add(
        InboundRecord(
            channel=inbound.channel,
            provider_message_id=inbound.provider_message_id,
            person_id=person_id,
            text=inbound.text or "",
            choice=inbound.choice or "",
            received_at=inbound.received_at,
        )
    )
    await session.flush()


async def last_received_at(session: AsyncSession, channel: str, person_id: int) -> datetime | None:
    """When a person last wrote on a channel, if ever."""
    latest: datetime | None = await session.scalar(
        select(func.max(InboundRecord.received_at)).where(
            InboundRecord.channel == channel, InboundRecord.person_id == person_id
        )
    )
    return latest


async def load_conversation(
    session: AsyncSession, person_id: int, channel: str, now: datetime, known_new: bool = False
) -> Conversation:
    """The conversation of a person on a channel, created empty the first time (`known_new`:
    the caller knows there is none, e.g. the person was registered in this unit of work).
    A new one is stored by `save_state`, so its first state costs one INSERT, not an INSERT
    and an UPDATE."""
    conversation = None
    if not known_new:
        conversation = await session.scalar(
            select(Conversation).where(
                Conversation.person_id == person_id, Conversation.channel == channel
            )
        )
    if conversation is None:
        conversation = Conversation(person_id=person_id, channel=channel, state={}, updated_at=now)
    return conversation


def save_state(
    session: AsyncSession, conversation: Conversation, state: dict[str, Any], now: datetime
) -> None:
    """Store a dialogue's new state (a fresh dict, so the JSON change is noticed); a new
    conversation joins the session here and is inserted by the unit of work's next flush."""
    conversation.state = dict(state)
    conversation.updated_at = now
    session.add(conversation)  # a no-op for one loaded from this session
