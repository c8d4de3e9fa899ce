"""The outbox: a dedupe key is queued once, claims exclude each other, failures back off."""

from __future__ import annotations

from datetime import timedelta

from concierge.clock import ManualClock
from concierge.messages import Channel, Choice, Reply
from concierge.outbox import (
    OutboxMessage,
    OutboxStatus,
    backoff,
    claim_due,
    delivered_to,
    enqueue,
    mark_failed,
    mark_sent,
)
from tests.conftest import Domain

PHONE = "+393331234567"


async def _queue(domain: Domain, key: str, text: str = "Ciao") -> None:
    async with domain.unit() as ctx:
        await enqueue(
            ctx.session, channel=Channel.WEBCHAT, address=PHONE, dedupe_key=key, now=ctx.now(),
            reply=Reply(text=text, choices=(Choice(label="Sì", payload="yes"),)),
        )  # fmt: skip


async def test_a_dedupe_key_is_queued_once(domain: Domain) -> None:
    await _queue(domain, "k1", "first")
    await _queue(domain, "k1", "second")
    async with domain.unit() as ctx:
        claimed = await claim_due(ctx.session, ctx.now(), channels=[Channel.WEBCHAT])
    assert [(m.text, m.choices) for m in claimed] == [
        ("first", (Choice(label="Sì", payload="yes"),))
    ]


async def test_claimed_rows_are_not_claimed_again_until_the_lease_ends(domain: Domain) -> None:
    clock = domain.runtime.clock
    assert isinstance(clock, ManualClock)
    await _queue(domain, "k1")
    async with domain.unit() as ctx:
        assert len(await claim_due(ctx.session, ctx.now(), channels=[Channel.WEBCHAT])) == 1
        assert await claim_due(ctx.session, ctx.now(), channels=[Channel.WEBCHAT]) == []
        assert await claim_due(ctx.session, ctx.now(), channels=[Channel.SMS]) == []
    clock.advance(timedelta(minutes=3))  # the sender died: its lease of two minutes is over
    async with domain.unit() as ctx:
        again = await claim_due(ctx.session, ctx.now(), channels=[Channel.WEBCHAT])
        assert len(again) == 1
        await mark_sent(ctx.session, again[0].id, ctx.now())
    clock.advance(timedelta(minutes=3))
    async with domain.unit() as ctx:
        assert await claim_due(ctx.session, ctx.now(), channels=[Channel.WEBCHAT]) == []
        delivered = await delivered_to(ctx.session, Channel.WEBCHAT, PHONE)
    assert [(row.status, row.attempts) for row in delivered] == [(OutboxStatus.SENT, 2)]


async def test_failures_back_off_then_give_up(domain: Domain) -> None:
    clock = domain.runtime.clock
    assert isinstance(clock, ManualClock)
    await _queue(domain, "k1")
    statuses = []
    for attempt in range(1, 4):
        async with domain.unit() as ctx:
            claimed = await claim_due(ctx.session, ctx.now(), channels=[Channel.WEBCHAT])
            assert len(claimed) == 1, f"attempt {attempt} found nothing due"
            statuses.append(
                await mark_failed(ctx.session, claimed[0].id, ctx.now(), "HTTP 502", max_attempts=3)
            )
            # Not due again before its back-off has passed.
            assert await claim_due(ctx.session, ctx.now(), channels=[Channel.WEBCHAT]) == []
        clock.advance(backoff(attempt))
    assert statuses == [OutboxStatus.PENDING, OutboxStatus.PENDING, OutboxStatus.DEAD]
    async with domain.unit() as ctx:
        row = await ctx.session.get(OutboxMessage, 1)
        assert row is not None and row.last_error == "HTTP 502"
        assert await claim_due(ctx.session, ctx.now(), channels=[Channel.WEBCHAT]) == []


def test_backoff_grows_and_is_capped() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [2, 4, 8]
    assert backoff(30) == timedelta(minutes=10)


async def test_a_retried_message_keeps_its_place_in_the_conversation(domain: Domain) -> None:
    await _queue(domain, "first", "Ho capito: pacco. Confermi?")
    await _queue(domain, "second", "Non hai richieste aperte.")
    async with domain.unit() as ctx:
        enqueued = await enqueue(
            ctx.session, channel=Channel.WEBCHAT, address="+393339999999", dedupe_key="other",
            now=ctx.now(), reply=Reply(text="Per un'altra persona"),
        )  # fmt: skip
        assert enqueued is not None
        claimed = await claim_due(ctx.session, ctx.now(), channels=[Channel.WEBCHAT])
        assert [m.text for m in claimed] == ["Ho capito: pacco. Confermi?", "Per un'altra persona"]
        await mark_failed(ctx.session, claimed[0].id, ctx.now(), "503", max_attempts=5)
        await mark_sent(ctx.session, claimed[1].id, ctx.now())
    domain.clock.advance(timedelta(minutes=5))
    async with domain.unit() as ctx:  # the first goes again before the second may go at all
        [retried] = await claim_due(ctx.session, ctx.now(), channels=[Channel.WEBCHAT])
        assert retried.text == "Ho capito: pacco. Confermi?"
        assert await claim_due(ctx.session, ctx.now(), channels=[Channel.WEBCHAT]) == []
        await mark_sent(ctx.session, retried.id, ctx.now())
        [then] = await claim_due(ctx.session, ctx.now(), channels=[Channel.WEBCHAT])
    assert then.text == "Non hai richieste aperte."
