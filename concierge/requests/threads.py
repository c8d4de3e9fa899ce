"""Which request a conversation turn was about, so each message both ways is tied to it.

Domain functions mark the requests a unit of work creates or changes; at the end of a turn the
turn's message and its replies are tied to the request it was about. The turn that confirms a
request also ties the intake before it: the person's messages on that channel (and the
replies to them) since the last one that was about a request.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import aliased

from concierge.context import DomainContext
from concierge.messages import Inbound
from concierge.outbox import OutboxMessage
from concierge.people.conversations import InboundRecord

CREATED, CHANGED = "requests_created", "requests_changed"


def mark_request(ctx: DomainContext, request_id: int, created: bool = False) -> None:
    """Remember that this unit of work created or changed a request."""
    ctx.session.info.setdefault(CREATED if created else CHANGED, set()).add(request_id)


def _turn_request(ctx: DomainContext) -> tuple[int | None, bool]:
    """The request this unit of work was about (and whether it made it): the one it created,
    else the only one it changed; None when it touched none or several (a queue dispatched)."""
    created: set[int] = ctx.session.info.get(CREATED, set())
    changed: set[int] = ctx.session.info.get(CHANGED, set())
    if len(created) == 1:
        return next(iter(created)), True
    if not created and len(changed) == 1:
        return next(iter(changed)), False
    return None, False


def _replies_to(channel: str, provider_message_ids: list[str]) -> ColumnElement[bool]:
    """The outbox rows replying to some messages, not yet tied to a request: their dedupe key
    carries the message's provider id (handlers.inbound)."""
    keys = []
    for provider_message_id in provider_message_ids:
        literal = f"reply:{channel}:{provider_message_id}:"
        escaped = literal.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        keys.append(OutboxMessage.dedupe_key.like(f"{escaped}%", escape="\\"))
    return and_(or_(*keys), OutboxMessage.request_id.is_(None))


def _intake(ctx: DomainContext, person_id: int, inbound: Inbound) -> ColumnElement[bool]:
    """The intake before a new request: the person's untied messages on this channel since the
    last of theirs that was about a request (within a draft's lifetime)."""
    expiry = timedelta(minutes=ctx.settings.conversation_expiry_minutes)
    earlier = aliased(InboundRecord)  # not correlated with the row being updated
    last_tied = (
        select(func.max(earlier.id))
        .where(
            earlier.person_id == person_id,
            earlier.channel == inbound.channel,
            earlier.request_id.is_not(None),
        )
        .scalar_subquery()
    )
    return and_(
        InboundRecord.person_id == person_id,
        InboundRecord.channel == inbound.channel,
        InboundRecord.request_id.is_(None),
        InboundRecord.id > func.coalesce(last_tied, 0),
        # A draft older than this was dropped: its words are not this request's.
        InboundRecord.received_at >= ctx.now() - expiry,
    )


async def tie_turn(ctx: DomainContext, person_id: int, inbound: Inbound) -> int | None:
    """Tie this turn's message and replies to the request the turn was about (see the module's
    docstring); the request's number, if any. Two statements whatever the intake's length: the
    messages, then every reply to them (issue 20: it was two a message)."""
    request_id, created = _turn_request(ctx)
    if request_id is None:
        return None
    this_message = and_(
        InboundRecord.channel == inbound.channel,
        InboundRecord.provider_message_id == inbound.provider_message_id,
    )
    tied = await ctx.session.execute(
        update(InboundRecord)
        .where(or_(this_message, _intake(ctx, person_id, inbound)) if created else this_message)
        .values(request_id=request_id)
        .returning(InboundRecord.provider_message_id)
    )
    # The turn's own replies are tied whatever the update found (as they were before).
    answered = sorted({*tied.scalars(), inbound.provider_message_id})
    await ctx.session.execute(
        update(OutboxMessage)
        .where(_replies_to(inbound.channel, answered))
        .values(request_id=request_id)
    )
    return request_id
