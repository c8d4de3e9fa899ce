"""The outbox: a dedupe key is queued once, claims exclude each other, only the holder of a
claim changes its row, urgent rows go first, failures back off."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from concierge.messages import Channel, Choice, OutboundMessage, Reply
from concierge.outbox import (
    OutboxMessage,
    OutboxStatus,
    backoff,
    claim,
    delivered_to,
    due,
    enqueue,
    enqueue_all,
    mark_failed,
    mark_sent,
)
from tests.conftest import Domain

PHONE = "+393331234567"


async def _queue(domain: Domain, key: str, text: str = "Ciao", address: str = PHONE) -> None:
    async with domain.unit() as ctx:
        await enqueue(
            ctx.session, channel=Channel.WEBCHAT, address=address, dedupe_key=key, now=ctx.now(),
            reply=Reply(text=text, choices=(Choice(label="Sì", payload="yes"),)),
        )  # fmt: skip


async def _claim_due(
    session: AsyncSession, now: datetime, channel: Channel = Channel.WEBCHAT
) -> list[tuple[OutboundMessage, str]]:
    """Every row due now, claimed one by one as a sender does."""
    claimed = []
    for message in await due(session, now, channel=channel, limit=50):
        token = await claim(session, message.id, now)
        if token is not None:
            claimed.append((message, token))
    return claimed


async def test_a_dedupe_key_is_queued_once(domain: Domain) -> None:
    await _queue(domain, "k1", "first")
    await _queue(domain, "k1", "second")
    async with domain.unit() as ctx:
        claimed = await _claim_due(ctx.session, ctx.now())
    assert [(m.text, m.choices) for m, _ in claimed] == [
        ("first", (Choice(label="Sì", payload="yes"),))
    ]


async def test_a_turns_replies_go_in_at_once_each_key_once(domain: Domain) -> None:
    await _queue(domain, "reply:sms:SM1:1", "queued before")
    replies = [(f"reply:sms:SM1:{n}", Reply(text=f"reply {n}")) for n in range(3)]
    async with domain.unit() as ctx:
        await enqueue_all(
            ctx.session, replies, ctx.now(), channel=Channel.WEBCHAT, address=PHONE, person_id=None
        )
    async with domain.unit() as ctx:  # the same replies again: nothing more is queued
        await enqueue_all(ctx.session, replies, ctx.now(), channel=Channel.WEBCHAT, address=PHONE)
        rows = await ctx.session.scalars(select(OutboxMessage).order_by(OutboxMessage.dedupe_key))
        queued = [(row.dedupe_key, row.text, row.status, row.address) for row in rows]
    assert queued == [
        ("reply:sms:SM1:0", "reply 0", OutboxStatus.PENDING, PHONE),
        ("reply:sms:SM1:1", "queued before", OutboxStatus.PENDING, PHONE),
        ("reply:sms:SM1:2", "reply 2", OutboxStatus.PENDING, PHONE),
    ]


async def test_claimed_rows_are_not_claimed_again_until_the_lease_ends(domain: Domain) -> None:
    clock = domain.clock
    await _queue(domain, "k1")
    async with domain.unit() as ctx:
        [(message, first_token)] = await _claim_due(ctx.session, ctx.now())
        assert await claim(ctx.session, message.id, ctx.now()) is None
        assert await _claim_due(ctx.session, ctx.now()) == []
        assert await _claim_due(ctx.session, ctx.now(), Channel.SMS) == []
    clock.advance(timedelta(minutes=3))  # the sender died: its lease of two minutes is over
    async with domain.unit() as ctx:
        [(again, token)] = await _claim_due(ctx.session, ctx.now())
        # The first sender comes back late: its claim is no longer its own, it changes nothing.
        assert not await mark_sent(ctx.session, again.id, ctx.now(), token=first_token)
        failed = await mark_failed(ctx.session, again.id, ctx.now(), "late", 8, token=first_token)
        assert failed is None
        assert await mark_sent(ctx.session, again.id, ctx.now(), token=token)
        assert not await mark_sent(ctx.session, again.id, ctx.now(), token=token)
    clock.advance(timedelta(minutes=3))
    async with domain.unit() as ctx:
        assert await _claim_due(ctx.session, ctx.now()) == []
        delivered = await delivered_to(ctx.session, Channel.WEBCHAT, PHONE)
    assert [(row.status, row.attempts, row.last_error) for row in delivered] == [
        (OutboxStatus.SENT, 2, "")
    ]


async def test_failures_back_off_then_give_up(domain: Domain) -> None:
    clock = domain.clock
    await _queue(domain, "k1")
    statuses = []
    for attempt in range(1, 4):
        async with domain.unit() as ctx:
            claimed = await _claim_due(ctx.session, ctx.now())
            assert len(claimed) == 1, f"attempt {attempt} found nothing due"
            [(message, token)] = claimed
            statuses.append(
                await mark_failed(ctx.session, message.id, ctx.now(), "HTTP 502", 3, token=token)
            )
            # Not due again before its back-off has passed.
            assert await _claim_due(ctx.session, ctx.now()) == []
        clock.advance(backoff(attempt))
    assert statuses == [OutboxStatus.PENDING, OutboxStatus.PENDING, OutboxStatus.DEAD]
    async with domain.unit() as ctx:
        row = await ctx.session.get(OutboxMessage, 1)
        assert row is not None and row.last_error == "HTTP 502"
        assert await _claim_due(ctx.session, ctx.now()) == []


def test_backoff_grows_and_is_capped() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [2, 4, 8]
    assert backoff(30) == timedelta(minutes=10)


async def test_a_retried_message_keeps_its_place_in_the_conversation(domain: Domain) -> None:
    await _queue(domain, "first", "Ho capito: pacco. Confermi?")
    await _queue(domain, "second", "Non hai richieste aperte.")
    await _queue(domain, "other", "Per un'altra persona", address="+393339999999")
    async with domain.unit() as ctx:
        claimed = await _claim_due(ctx.session, ctx.now())
        assert [m.text for m, _ in claimed] == [
            "Ho capito: pacco. Confermi?",
            "Per un'altra persona",
        ]
        (first, first_token), (other, other_token) = claimed
        await mark_failed(ctx.session, first.id, ctx.now(), "503", 5, token=first_token)
        await mark_sent(ctx.session, other.id, ctx.now(), token=other_token)
    domain.clock.advance(timedelta(minutes=5))
    async with domain.unit() as ctx:  # the first goes again before the second may go at all
        [(retried, token)] = await _claim_due(ctx.session, ctx.now())
        assert retried.text == "Ho capito: pacco. Confermi?"
        assert await _claim_due(ctx.session, ctx.now()) == []
        await mark_sent(ctx.session, retried.id, ctx.now(), token=token)
        [(then, _)] = await _claim_due(ctx.session, ctx.now())
    assert then.text == "Non hai richieste aperte."


async def test_urgent_rows_go_before_routine_ones(domain: Domain) -> None:
    await _queue(domain, "reply:webchat:m1:0", "routine", address="+393330000001")
    await _queue(domain, "nobody:7:coordinator:1", "nobody took request 7", "+393330000002")
    await _queue(domain, "checkin:3:contact:0", "Maria did not answer", "+393330000003")
    await _queue(domain, "reply:webchat:m2:0", "routine too", address="+393330000004")
    async with domain.unit() as ctx:
        found = await due(ctx.session, ctx.now(), channel=Channel.WEBCHAT, limit=10)
    assert [m.text for m in found] == [
        "nobody took request 7",
        "Maria did not answer",
        "routine",
        "routine too",
    ]
