"""The outbox: every outbound message is a row before it is sent, claimed and retried by senders.

A row is claimed just before its send (a lane claims the rows of one fill together, with one
token per fill), with a token that only its sender knows; the row's state changes only while
that token is still its own, so a sender whose claim expired (it was too slow, or it died)
cannot overwrite what the next one did. Delivery stays "at least once": a crash after the
provider accepted a message and before its outcome was recorded (`mark_sent`, or a lane's
`mark_all_sent`) sends it again once the claim's lease is over (neither Telegram's Bot API nor
Twilio's Messages API takes an idempotency key that would let the provider drop the copy).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    case,
    false,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, aliased, mapped_column

from concierge.database import Base, UTCDateTime
from concierge.messages import Channel, Choice, MessageTemplate, OutboundMessage, Reply


class OutboxStatus(StrEnum):
    """Where an outbound message is on its way out."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DEAD = "dead"


# Rows not yet delivered, written with literals: the partial indexes below are used only by
# queries holding this very condition (SQLite's planner cannot match a bound parameter).
UNDELIVERED_SQL = "status IN ('pending', 'sending')"


def _undelivered(table: str) -> Any:
    return literal_column(f"{table}.{UNDELIVERED_SQL}")


class OutboxMessage(Base):
    """One message waiting to go out, going out, or gone."""

    __tablename__ = "outbox"
    # `due` walks the undelivered rows of a channel in the order they go (urgent, then oldest)
    # and asks, per row, whether one to the same address is still undelivered: both on small
    # partial indexes, not on the whole history of sent messages (a scan and a sort per row).
    __table_args__ = (
        Index(
            "ix_outbox_due", "channel", sql_text("priority DESC"), "id",
            sqlite_where=sql_text(UNDELIVERED_SQL), postgresql_where=sql_text(UNDELIVERED_SQL),
        ),
        Index(
            "ix_outbox_undelivered_address", "channel", "address", "id",
            sqlite_where=sql_text(UNDELIVERED_SQL), postgresql_where=sql_text(UNDELIVERED_SQL),
        ),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[Channel] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(100), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), nullable=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), nullable=True)
    # Whose message it is (its request's, its person's cooperative): only that cooperative's
    # coordinators see it undelivered; a row of no cooperative is for admins only.
    cooperative_id: Mapped[int | None] = mapped_column(
        ForeignKey("cooperatives.id"), nullable=True, index=True
    )
    text: Mapped[str] = mapped_column(Text)
    choices: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    media: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    template: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    language: Mapped[str | None] = mapped_column(String(5), nullable=True)
    # The provider's id for the sent message (Twilio's MessageSid) and what it later reported.
    provider_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    delivery_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    status: Mapped[OutboxStatus] = mapped_column(String(20), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Who holds the claim: set by `claim`, checked by `mark_sent` and `mark_failed`.
    claim_token: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # Higher goes first among due rows (URGENT: check-in escalations, coordinator alerts;
    # QUESTION: a check-in's question, before routine replies).
    priority: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # When one of the row's choices was answered: the question is closed from then on.
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # A sealed note read on request: its text is dropped once delivered (see mark_sent).
    private: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    def to_message(self) -> OutboundMessage:
        """The row as the channel-neutral message a sender delivers."""
        return OutboundMessage(
            id=self.id,
            channel=Channel(self.channel),
            address=self.address,
            text=self.text,
            choices=tuple(Choice.model_validate(c) for c in self.choices),
            media=tuple(self.media),
            template=MessageTemplate.model_validate(self.template) if self.template else None,
            language=self.language,
            person_id=self.person_id,
            dedupe_key=self.dedupe_key,
            created_at=self.created_at,
        )


def _row(
    reply: Reply,
    dedupe_key: str,
    now: datetime,
    **where: Any,
) -> dict[str, Any]:
    """The columns of a new outbox row; `where`: channel, address, and optionally person_id,
    request_id, language, cooperative_id."""
    return {
        "dedupe_key": dedupe_key,
        "person_id": None,
        "request_id": None,
        "cooperative_id": None,
        "language": None,
        **where,
        "text": reply.text,
        "choices": [choice.model_dump() for choice in reply.choices],
        "media": list(reply.media),
        "template": reply.template.model_dump() if reply.template else None,
        "priority": priority_of(dedupe_key),
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "last_error": "",
        "private": reply.private,
    }


async def enqueue(
    session: AsyncSession,
    *,
    channel: Channel,
    address: str,
    reply: Reply,
    dedupe_key: str,
    now: datetime,
    person_id: int | None = None,
    request_id: int | None = None,
    language: str | None = None,
    cooperative_id: int | None = None,
) -> OutboxMessage | None:
    """Add a message to the outbox in the caller's transaction; None if its key is known."""
    existing = await session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
    )
    if existing is not None:
        return None
    where = {
        "channel": channel, "address": address, "person_id": person_id,
        "request_id": request_id, "language": language, "cooperative_id": cooperative_id,
    }  # fmt: skip
    row = OutboxMessage(**_row(reply, dedupe_key, now, **where))
    session.add(row)
    await session.flush()
    return row


async def enqueue_all(
    session: AsyncSession, replies: Sequence[tuple[str, Reply]], now: datetime, **where: Any
) -> None:
    """Add messages to the outbox in the caller's transaction, in one INSERT, each `(dedupe
    key, reply)`; a key already known is skipped, as `enqueue` does. `where`: the columns the
    rows share (channel, address, person_id, request_id, language, cooperative_id).

    For hot paths that need no row back (a turn's replies: issue 20), one statement instead of
    a look-up and an insert a message."""
    if not replies:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    rows = [_row(reply, key, now, **where) for key, reply in replies]
    statement = (
        insert(OutboxMessage)
        .values(rows)
        .on_conflict_do_nothing(index_elements=[OutboxMessage.dedupe_key])
    )
    await session.execute(statement)


URGENT, QUESTION, ROUTINE = 10, 5, 0
# What a private row says once delivered: the note reached its reader and is kept nowhere.
PRIVATE_DELIVERED = "[private note delivered]"
# Dedupe keys of the messages that must not wait behind routine ones: a check-in's alert to
# the person's contacts, and every alert to coordinators (by message or in their group).
URGENT_KEY_PARTS = (":contact:", ":coordinator:", ":coordinators-group")


# A check-in's question (each attempt): due at its planned minute, it must not queue behind
# the replies of a busy morning (the thank-yous to the answers of earlier check-ins).
QUESTION_KEY = re.compile(r"^checkin:\d+:attempt:\d+$")


def priority_of(dedupe_key: str) -> int:
    """How soon a message goes among those due, read from what its key says it is."""
    if any(part in dedupe_key for part in URGENT_KEY_PARTS):
        return URGENT
    return QUESTION if QUESTION_KEY.match(dedupe_key) else ROUTINE


async def due(
    session: AsyncSession,
    now: datetime,
    *,
    channel: Channel,
    limit: int = 1,
    skip: Collection[int] = (),
    resting: Collection[str] = (),
) -> list[OutboundMessage]:
    """The messages of one channel that may be sent now, urgent first, then oldest first.

    Nothing is claimed: `claim` takes each one just before its send. A row whose claim expired
    (its sender died mid-way) is due again: nothing is lost. A row waits while an earlier one
    to the same address is undelivered, so a person reads the messages in the order they were
    written even when one had to be retried; `skip` are rows this sender already holds, and
    `resting` addresses it may not send to yet (the provider's pace per chat).
    """
    earlier_name = "earlier"
    earlier = aliased(OutboxMessage, name=earlier_name)
    undelivered_before = (
        select(earlier.id)
        .where(
            earlier.channel == OutboxMessage.channel,
            earlier.address == OutboxMessage.address,
            earlier.id < OutboxMessage.id,
            _undelivered(earlier_name),
        )
        .exists()
    )
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.channel == channel,
            _undelivered("outbox"),
            ~undelivered_before,
            _claimable(now),
        )
        .order_by(OutboxMessage.priority.desc(), OutboxMessage.id)
        .limit(limit)
    )
    if skip:
        query = query.where(OutboxMessage.id.not_in(list(skip)))
    if resting:
        query = query.where(OutboxMessage.address.not_in(list(resting)))
    rows = await session.scalars(query)
    return [row.to_message() for row in rows]


def _claimable(now: datetime) -> Any:
    return or_(
        (OutboxMessage.status == OutboxStatus.PENDING) & (OutboxMessage.next_attempt_at <= now),
        (OutboxMessage.status == OutboxStatus.SENDING) & (OutboxMessage.claimed_until <= now),
    )


async def claim(
    session: AsyncSession,
    message_id: int,
    now: datetime,
    lease: timedelta = timedelta(minutes=2),
) -> str | None:
    """Claim one due row for `lease`, just before sending it; its claim token, or None when
    another sender took it first. One compare-and-set UPDATE: on SQLite and PostgreSQL alike,
    of two senders racing for a row exactly one wins."""
    token, won = await claim_all(session, [message_id], now, lease)
    return token if message_id in won else None


async def claim_all(
    session: AsyncSession,
    message_ids: Collection[int],
    now: datetime,
    lease: timedelta = timedelta(minutes=2),
) -> tuple[str, set[int]]:
    """Claim several due rows at once (a lane's fill) for `lease`: the claim token they share
    and the ids this sender won; a row another sender took first is left out. The same
    compare-and-set as `claim`, in one UPDATE … RETURNING instead of one per row: the token is
    still this sender's alone, so only it can record these rows' outcomes."""
    token = secrets.token_hex(16)
    if not message_ids:
        return token, set()
    won = await session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(list(message_ids)), _claimable(now))
        .values(
            status=OutboxStatus.SENDING,
            claim_token=token,
            claimed_until=now + lease,
            attempts=OutboxMessage.attempts + 1,
        )
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    return token, set(won)


async def extend_claim(
    session: AsyncSession, message_id: int, token: str, now: datetime, lease: timedelta
) -> bool:
    """Keep a claim while its send is still on its way (a slow provider, a loaded machine), so
    no other sender takes the row and sends it twice; False when the claim is no longer ours."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, _held_by(token))
        .values(claimed_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    return _count(result) == 1


def _count(result: Any) -> int:
    return result.rowcount if isinstance(result, CursorResult) else 0


async def mark_sent(
    session: AsyncSession,
    message_id: int,
    now: datetime,
    provider_id: str | None = None,
    *,
    token: str | None = None,
) -> bool:
    """Record that a claimed message reached its channel (with the provider's id, if any).

    Only the holder of the claim (`token`; None for a row never claimed) may: False when the
    claim is no longer its own and nothing was changed."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, _held_by(token))
        .values(_delivered(now, provider_id))
        .execution_options(synchronize_session=False)
    )
    return _count(result) == 1


async def mark_all_sent(
    session: AsyncSession, sent: Sequence[tuple[int, str, str | None]], now: datetime
) -> set[int]:
    """Record several claimed messages as delivered in one UPDATE (a lane's group commit), each
    `(id, claim token, provider id)`: the ids recorded. As `mark_sent`, a row whose claim is no
    longer its sender's is left as it is, and the others are recorded all the same."""
    if not sent:
        return set()
    provider_ids = {message_id: provider_id for message_id, _, provider_id in sent}
    recorded = await session.scalars(
        update(OutboxMessage)
        .where(
            or_(*((OutboxMessage.id == i) & (OutboxMessage.claim_token == t) for i, t, _ in sent))
        )
        .values(_delivered(now, case(provider_ids, value=OutboxMessage.id, else_=None)))
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    return set(recorded)


def _delivered(now: datetime, provider_id: Any) -> dict[str, Any]:
    """A delivered row's columns: sent, its claim released, the provider's id; a private
    text dropped."""
    return {
        "status": OutboxStatus.SENT,
        "sent_at": now,
        "claimed_until": None,
        "claim_token": None,
        "last_error": "",
        "provider_id": provider_id,
        "text": case((OutboxMessage.private, PRIVATE_DELIVERED), else_=OutboxMessage.text),
    }


def _held_by(token: str | None) -> Any:
    if token is None:
        return OutboxMessage.claim_token.is_(None)
    return OutboxMessage.claim_token == token


async def record_delivery(
    session: AsyncSession, provider_id: str, status: str, error: str | None
) -> OutboxMessage | None:
    """What the provider later said of a sent message; one it could not deliver becomes dead,
    with the provider's error, so coordinators see it. Reports about unknown ids are ignored."""
    found = select(OutboxMessage).where(OutboxMessage.provider_id == provider_id)
    row = await session.scalar(found)
    if row is None:
        return None
    row.delivery_status = status
    if status in UNDELIVERED_STATUSES:
        row.status = OutboxStatus.DEAD
        row.last_error = error or status
    await session.flush()
    return row


# What providers call a message they gave up on (Twilio's undelivered and failed).
UNDELIVERED_STATUSES = frozenset({"undelivered", "failed"})


class RetryAfter(Exception):
    """The provider asked us to wait (Telegram's 429 `retry_after`) before trying again."""

    def __init__(self, seconds: float, reason: str = "rate limited") -> None:
        super().__init__(f"{reason}; retry after {seconds:g} s")
        self.seconds = seconds


class Undeliverable(Exception):
    """The message can never be delivered (the person blocked the bot): give it up at once."""


def backoff(attempts: int) -> timedelta:
    """Wait before retry number `attempts`: 2, 4, 8 … seconds, at most ten minutes."""
    return timedelta(seconds=min(2**attempts, 600))


async def mark_failed(
    session: AsyncSession,
    message_id: int,
    now: datetime,
    error: str,
    max_attempts: int,
    *,
    retry_in: timedelta | None = None,
    permanent: bool = False,
    token: str | None = None,
) -> OutboxStatus | None:
    """Record a failed delivery: retried later (after `retry_in`, else with back-off), or dead
    after `max_attempts` or when `permanent`. Dead rows stay, with their error, for coordinators.
    Only the holder of the claim (`token`) may: None when it is no longer its own."""
    row = await session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.id == message_id, _held_by(token))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None:
        return None
    row.last_error = error[:2000]
    row.claimed_until = None
    row.claim_token = None
    if permanent or row.attempts >= max_attempts:
        row.status = OutboxStatus.DEAD
    else:
        row.status = OutboxStatus.PENDING
        row.next_attempt_at = now + (retry_in if retry_in is not None else backoff(row.attempts))
    await session.flush()
    return OutboxStatus(row.status)


async def delivered_to(
    session: AsyncSession, channel: Channel, address: str, after_id: int = 0, limit: int = 200
) -> list[OutboxMessage]:
    """Messages already delivered to one address on one channel, after a given id."""
    rows = await session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.channel == channel,
            OutboxMessage.address == address,
            OutboxMessage.status == OutboxStatus.SENT,
            OutboxMessage.id > after_id,
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    return list(rows.all())
