"""A lane records several sends' outcomes in one transaction (group commit), with the next
claims: one failed send in a batch leaves the others sent, each with its own provider id; a
batch whose recording fails is recorded whole at the next round, nothing sent twice; a sender
that dies with sends unrecorded loses nothing, and only those rows (at most a lane's width)
go twice. Check-in questions go before routine replies."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from bot.outbox_sender import OutboxSender
from bot.runtime import Runtime
from concierge.clock import SystemClock
from concierge.database import transaction
from concierge.messages import Channel, OutboundMessage, Reply
from concierge.outbox import QUESTION, OutboxMessage, OutboxStatus, due, enqueue
from tests.conftest import Domain, make_settings

WIDTH = 6


class Provider:
    """Accepts each message after `seconds`, answering its own id; refuses one address. With a
    gate, every send waits for it, so a batch's sends end together."""

    def __init__(
        self, seconds: float = 0.05, refused: str | None = None, gated: bool = False
    ) -> None:
        self.seconds, self.refused = seconds, refused
        self.gate = asyncio.Event() if gated else None
        self.waiting = 0
        self.at_gate = asyncio.Condition()
        self.accepted: Counter[str] = Counter()
        self.order: list[str] = []

    async def send(self, message: OutboundMessage) -> str | None:
        await asyncio.sleep(self.seconds)
        if self.gate is not None:
            async with self.at_gate:
                self.waiting += 1
                self.at_gate.notify_all()
            await self.gate.wait()
        if message.address == self.refused:
            raise ConnectionError("the provider refused this one")
        self.accepted[message.text] += 1
        self.order.append(message.text)
        return f"SM-{message.text}"

    async def release_when(self, waiting: int) -> None:
        """Let the gated sends end together once `waiting` of them are at the gate."""
        assert self.gate is not None
        async with self.at_gate:
            await self.at_gate.wait_for(lambda: self.waiting >= waiting)
        self.gate.set()


@pytest.fixture
async def runtime(database_url: str) -> AsyncIterator[Runtime]:
    settings = make_settings(
        database_url, OUTBOX_LEASE_SECONDS="1", OUTBOX_LANE_CONCURRENCY=str(WIDTH)
    )
    runtime = Runtime.create(settings, SystemClock())
    yield runtime
    await runtime.close()


async def _queue(runtime: Runtime, keys: list[str], address: str | None = None) -> None:
    async with transaction(runtime.sessions) as session:
        for n, key in enumerate(keys):
            await enqueue(
                session, channel=Channel.SMS, address=address or f"+39333{n:07d}",
                reply=Reply(text=key), dedupe_key=key, now=runtime.clock.now(),
            )  # fmt: skip


async def _rows(runtime: Runtime) -> dict[str, OutboxMessage]:
    async with runtime.sessions() as session:
        rows = await session.scalars(select(OutboxMessage))
        return {row.text: row for row in rows}


def _commits(runtime: Runtime) -> list[int]:
    counted = [0]

    def commit(_: Any) -> None:
        counted[0] += 1

    event.listen(runtime.engine.sync_engine, "commit", commit)
    return counted


async def test_one_failed_send_leaves_the_others_of_its_batch_sent(runtime: Runtime) -> None:
    keys = [f"reply:sms:m{n}:0" for n in range(WIDTH)]
    await _queue(runtime, keys)
    provider = Provider(refused="+393330000002", gated=True)
    commits = _commits(runtime)
    async with asyncio.timeout(20):
        sender = OutboxSender(runtime, {Channel.SMS: provider})
        await asyncio.gather(sender.deliver_due(), provider.release_when(WIDTH))
    rows = await _rows(runtime)
    refused = rows.pop("reply:sms:m2:0")
    assert refused.status == OutboxStatus.PENDING, "the failed one is retried later"
    assert refused.provider_id is None and "refused" in refused.last_error
    assert refused.attempts == 1 and refused.claim_token is None
    assert {row.text: (row.status, row.provider_id) for row in rows.values()} == {
        key: (OutboxStatus.SENT, f"SM-{key}") for key in keys if key != "reply:sms:m2:0"
    }, "each sent row has its own provider id"
    assert provider.accepted == Counter(k for k in keys if k != "reply:sms:m2:0")
    # One transaction claimed the six, one recorded what came back: not two a row.
    assert commits[0] == 2, commits


async def test_a_batch_whose_record_fails_is_recorded_whole_later_sent_once(
    runtime: Runtime,
) -> None:
    keys = [f"reply:sms:m{n}:0" for n in range(WIDTH)]
    await _queue(runtime, keys)
    provider = Provider(refused="+393330000004", gated=True)
    failures = [0]

    def broken_once(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # The failed row's record, after the sent ones' UPDATE in the same transaction: the
        # database drops the transaction midway, so none of the batch may stay recorded.
        reading_claim = statement.lstrip().startswith("SELECT") and "claim_token =" in statement
        if reading_claim and failures[0] == 0:
            failures[0] += 1
            raise OperationalError(statement, {}, ConnectionResetError("connection lost"))

    event.listen(runtime.engine.sync_engine, "before_cursor_execute", broken_once)
    sender = OutboxSender(runtime, {Channel.SMS: provider})
    async with asyncio.timeout(20):
        with pytest.raises(OperationalError):
            await asyncio.gather(sender.deliver_due(), provider.release_when(WIDTH))
        rows = await _rows(runtime)
        assert failures[0] == 1
        assert {row.status for row in rows.values()} == {OutboxStatus.SENDING}, "all or none"
        await sender.deliver_due()  # the same sender, its claims still its own
    rows = await _rows(runtime)
    assert sorted(row.status for row in rows.values()) == [OutboxStatus.PENDING] + [
        OutboxStatus.SENT
    ] * (WIDTH - 1)
    assert rows["reply:sms:m4:0"].last_error.startswith("ConnectionError")
    assert provider.accepted == Counter(k for k in keys if k != "reply:sms:m4:0"), "none twice"


async def test_a_sender_dying_with_sends_unrecorded_loses_nothing(runtime: Runtime) -> None:
    # Three messages each to five people: the first sender's sends end, then its database
    # goes away and it dies before recording them; a second sender finds every row again.
    keys = [f"reply:sms:m{n}:{i}" for i in range(3) for n in range(5)]
    async with transaction(runtime.sessions) as session:
        for key in keys:
            person = key.split(":")[2]
            await enqueue(
                session, channel=Channel.SMS, address=f"+39333{person}", reply=Reply(text=key),
                dedupe_key=key, now=runtime.clock.now(),
            )  # fmt: skip
    down = [False]

    def outage(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if down[0] and "outbox" in statement:
            raise OperationalError(statement, {}, ConnectionRefusedError("the database is down"))

    event.listen(runtime.engine.sync_engine, "before_cursor_execute", outage)
    first, second = Provider(gated=True), Provider()
    dying = OutboxSender(runtime, {Channel.SMS: first})
    dying.start()
    async with asyncio.timeout(20):
        async with first.at_gate:  # one message to each person on its way
            await first.at_gate.wait_for(lambda: first.waiting >= 5)
        down[0] = True  # the database goes away as the provider accepts them
        await first.release_when(5)
        await asyncio.sleep(0.3)  # none of them can be recorded
        await dying.stop()  # its claims are no longer renewed: a dead process
        down[0] = False
        assert {r.status for r in (await _rows(runtime)).values()} <= {
            OutboxStatus.PENDING, OutboxStatus.SENDING,
        }  # fmt: skip
        await asyncio.sleep(1.1)  # the lease
        while len(second.accepted) < len(keys):
            await OutboxSender(runtime, {Channel.SMS: second}).deliver_due()
            await asyncio.sleep(0.1)
    rows = await _rows(runtime)
    assert {row.status for row in rows.values()} == {OutboxStatus.SENT}, "nothing lost"
    twice = {key for key in keys if first.accepted[key] + second.accepted[key] > 1}
    assert set(first.accepted) == twice, "only the sends left unrecorded went again"
    assert all(first.accepted[k] + second.accepted[k] <= 2 for k in keys)
    assert 0 < len(twice) <= 5, "at most one a person (a lane's rows in flight)"
    for n in range(5):  # and each person still reads them in order
        theirs = [t for t in second.order if t.split(":")[2] == f"m{n}"]
        assert theirs == sorted(theirs, key=lambda t: int(t.split(":")[3]))


async def test_a_checkin_question_goes_before_the_replies_queued_earlier(
    runtime: Runtime,
) -> None:
    # A busy morning: thank-you replies to earlier answers are queued, then a question is due.
    await _queue(runtime, [f"reply:sms:SMa{n}:0" for n in range(20)])
    async with transaction(runtime.sessions) as session:
        await enqueue(
            session, channel=Channel.SMS, address="+393339999999",
            reply=Reply(text="checkin:42:attempt:1"), dedupe_key="checkin:42:attempt:1",
            now=runtime.clock.now(),
        )  # fmt: skip
    provider = Provider(seconds=0.02)
    async with asyncio.timeout(20):
        await OutboxSender(runtime, {Channel.SMS: provider}).deliver_due()
    assert provider.order.index("checkin:42:attempt:1") < WIDTH, provider.order


async def test_questions_come_after_alerts_and_before_replies(domain: Domain) -> None:
    order = [
        ("reply:sms:SM1:0", "a thank-you"),
        ("checkin:7:attempt:2", "are you well? (again)"),
        ("checkin:7:contact:0", "Maria did not answer"),
        ("checkin:8:attempt:1", "are you well?"),
    ]
    async with domain.unit() as ctx:
        for n, (key, text) in enumerate(order):
            await enqueue(
                ctx.session, channel=Channel.SMS, address=f"+39333000000{n}",
                reply=Reply(text=text), dedupe_key=key, now=ctx.now(),
            )  # fmt: skip
    async with domain.unit() as ctx:
        found = await due(ctx.session, ctx.now(), channel=Channel.SMS, limit=10)
        priorities = await ctx.session.scalars(
            select(OutboxMessage.priority).where(
                OutboxMessage.dedupe_key.like("checkin:%:attempt:%")
            )
        )
        assert set(priorities) == {QUESTION}
    assert [m.text for m in found] == [
        "Maria did not answer", "are you well? (again)", "are you well?", "a thank-you",
    ]  # fmt: skip


async def test_an_outcome_the_database_refuses_holds_neither_the_others_nor_the_lane(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One failed send whose failure cannot be stored (a fault of that row, not an outage):
    the batch's other sends stay recorded as sent, and the lane goes on with new rows."""
    import bot.outbox_sender as outbox_sender

    keys = [f"reply:sms:m{n}:0" for n in range(WIDTH)]
    await _queue(runtime, keys)
    provider = Provider(refused="+393330000003", gated=True)
    real_mark_failed = outbox_sender.mark_failed

    async def refusing(session: Any, message_id: int, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("this outcome cannot be stored")

    monkeypatch.setattr(outbox_sender, "mark_failed", refusing)
    sender = OutboxSender(runtime, {Channel.SMS: provider})
    async with asyncio.timeout(20):
        with pytest.raises(ValueError):
            await asyncio.gather(sender.deliver_due(), provider.release_when(WIDTH))
        rows = await _rows(runtime)
        assert rows.pop("reply:sms:m3:0").status == OutboxStatus.SENDING, "again after its lease"
        assert {row.text: (row.status, row.provider_id) for row in rows.values()} == {
            key: (OutboxStatus.SENT, f"SM-{key}") for key in keys if key != "reply:sms:m3:0"
        }
        monkeypatch.setattr(outbox_sender, "mark_failed", real_mark_failed)
        await _queue(runtime, ["reply:sms:later:0"], address="+393339999999")
        provider.gate = None
        await sender.deliver_due()
    assert (await _rows(runtime))["reply:sms:later:0"].status == OutboxStatus.SENT


async def test_an_absurd_retry_after_is_a_day_and_the_batch_is_recorded(runtime: Runtime) -> None:
    from bot.outbox_sender import MAX_RETRY_AFTER_SECONDS
    from concierge.outbox import RetryAfter

    keys = [f"reply:sms:m{n}:0" for n in range(3)]
    await _queue(runtime, keys)

    class Absurd(Provider):
        async def send(self, message: OutboundMessage) -> str | None:
            if message.address == "+393330000001":
                raise RetryAfter(1e12)
            return await super().send(message)

    async with asyncio.timeout(20):
        await OutboxSender(runtime, {Channel.SMS: Absurd()}).deliver_due()
    rows = await _rows(runtime)
    held = rows.pop("reply:sms:m1:0")
    assert held.status == OutboxStatus.PENDING
    wait = held.next_attempt_at - runtime.clock.now()
    assert 0 < wait.total_seconds() <= MAX_RETRY_AFTER_SECONDS
    assert {row.status for row in rows.values()} == {OutboxStatus.SENT}
