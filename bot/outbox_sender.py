"""Delivers the outbox in lanes: one per channel, each with its own pace, so no row waits behind
another channel. Within a lane, up to `outbox_lane_concurrency` rows are on their way at once,
one per address (a person reads messages in order), urgent rows first; the rows of one fill are
claimed together with a token of their own just before their sends, and marked sent or failed,
several in one transaction, only while the token is still theirs.
The provider's pace (Telegram's 30/s overall and 1/s per chat, Twilio's rate per number) is kept
by the channel senders themselves (bot/pacing.py); a lane does not take rows for an address its
sender says is resting, so no slot waits on one chat while others could be written to."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.pacing import Paced
from bot.runtime import Runtime
from concierge.database import is_outage, transaction
from concierge.messages import Channel, OutboundMessage
from concierge.outbox import (
    OutboxStatus,
    RetryAfter,
    Undeliverable,
    claim_all,
    due,
    extend_claim,
    mark_all_sent,
    mark_failed,
)

log = logging.getLogger(__name__)
# How soon a lane looks again when rows may have waited only for their address to cool down.
RESTED_POLL_SECONDS = 0.05
# Once a send ended, how long a lane waits for the others on their way before recording them
# together (group commit): one transaction for several outcomes and the next claims.
GROUP_SECONDS = 0.05
# A provider's Retry-After is obeyed up to a day: a larger (or absurd) one is a day.
MAX_RETRY_AFTER_SECONDS = 86_400.0


def _retry_in(exc: RetryAfter) -> timedelta:
    """The provider's wait, within reason (an absurd or missing figure is the longest)."""
    seconds = exc.seconds if math.isfinite(exc.seconds) else MAX_RETRY_AFTER_SECONDS
    return timedelta(seconds=min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS))


class ChannelSender(Protocol):
    """The output half of a channel adapter: deliver one message or raise; the provider's id
    for it, when the provider reports on it later."""

    async def send(self, message: OutboundMessage) -> str | None: ...


@dataclass
class _Landed:
    """A send that ended, its outcome not yet recorded: its claim is kept until it is."""

    message: OutboundMessage
    token: str
    keeper: asyncio.Task[None]
    provider_id: str | None = None
    error: Exception | None = None


class Lane:
    """The deliveries of one channel: a few rows in flight, each to a different address.

    One transaction a round (`fill`): the outcomes of the sends that ended since the last
    round are recorded (group commit), then the due rows are read and claimed for the room
    left. A send's slot is held until its outcome is committed, so at most `width` rows of a
    lane are ever sent and unrecorded: a crash resends no more rows than when each send was
    recorded on its own (each at most once more, after its lease)."""

    def __init__(self, runtime: Runtime, channel: Channel, sender: ChannelSender) -> None:
        self._runtime = runtime
        self._channel = channel
        self._sender = sender
        self._width = runtime.settings.outbox_lane_concurrency
        self._lease = timedelta(seconds=runtime.settings.outbox_lease_seconds)
        self._flying: dict[int, asyncio.Task[_Landed]] = {}
        self._landed: list[_Landed] = []
        self.woken = asyncio.Event()
        # Whether the last fill had room but addresses resting: look again soon, not at the poll.
        self.rested = False

    async def fill(self) -> int:
        """Record the sends that ended and start as many due rows as there is room for, urgent
        first; how many were started."""
        started, again = 0, True
        while again:
            claimed, token, again = await self._round(claim_more=True)
            for message in claimed:
                task = asyncio.create_task(
                    self._deliver(message, token), name=f"outbox-{message.id}"
                )
                self._flying[message.id] = task
                task.add_done_callback(self._land)
            started += len(claimed)
        return started

    async def _round(self, *, claim_more: bool) -> tuple[list[OutboundMessage], str, bool]:
        """One transaction: record what landed, then claim due rows for the room left. The rows
        claimed, their token, and whether to look again (another sender took some first)."""
        paced = self._sender if isinstance(self._sender, Paced) else None
        resting = paced.resting() if paced is not None else ()
        room = self._width - len(self._flying) if claim_more else 0
        if not self._landed and not await self._anything_due(room):
            self.rested = False  # nothing to record nor to claim: no write transaction
            return [], "", False
        landed, self._landed = self._landed, []
        try:
            async with transaction(self._runtime.sessions) as session:
                now = self._runtime.clock.now()
                kept = await self._record(session, landed, now)
                recording = [x.message.id for x in landed]  # sent: never taken again here
                found = await self._due(session, now, room, resting, recording)
                token, won = await claim_all(session, [m.id for m in found], now, self._lease)
                # Rows left only for resting addresses: they go once those have cooled down.
                rested = len(found) < room and bool(resting)
                if rested:
                    taken = [*recording, *(m.id for m in found)]
                    rested = bool(await self._due(session, now, 1, (), taken))
        except Exception as exc:
            if is_outage(exc) or not landed:
                self._landed = landed + self._landed  # recorded at the next round; claims kept
            else:  # one outcome the database refuses must not hold the others, nor the lane
                await self._record_each(landed)
            raise
        except BaseException:
            self._landed = landed + self._landed
            raise
        self.rested = rested
        self._recorded(landed, kept)
        return [m for m in found if m.id in won], token, len(won) < len(found)

    async def _anything_due(self, room: int) -> bool:
        """Whether a row waits for this lane (resting addresses too), read without a write
        transaction: an idle lane's polls never wait for SQLite's one writer, nor hold it."""
        if room <= 0:
            return False
        async with self._runtime.sessions() as session:
            now = self._runtime.clock.now()
            return bool(await self._due(session, now, 1, (), ()))

    async def _record_each(self, landed: list[_Landed]) -> None:
        """Record the outcomes one transaction each, after a round that failed for another
        reason than an outage; one that fails alone is given up (its row goes again after its
        lease, as when each send was recorded on its own), the others are kept."""
        for index, one in enumerate(landed):
            try:
                async with transaction(self._runtime.sessions) as session:
                    kept = await self._record(session, [one], self._runtime.clock.now())
            except Exception as exc:
                if is_outage(exc):  # the database went away: the rest at the next round
                    self._landed = landed[index:] + self._landed
                    return
                log.exception("outbox row %s: its outcome cannot be recorded", one.message.id)
                one.keeper.cancel()
                continue
            self._recorded([one], kept)

    async def _due(
        self,
        session: AsyncSession,
        now: datetime,
        limit: int,
        resting: Collection[str],
        taken: Collection[int],
    ) -> list[OutboundMessage]:
        if limit <= 0:
            return []
        return await due(
            session, now, channel=self._channel, limit=limit,
            skip={*self._flying, *(x.message.id for x in self._landed), *taken},
            resting=resting,
        )  # fmt: skip

    async def _record(
        self, session: AsyncSession, landed: list[_Landed], now: datetime
    ) -> dict[int, OutboxStatus | None]:
        """The landed sends' outcomes, in the round's transaction: sent ones in one UPDATE,
        failed ones each with its own retry; per row, what it became (None: its claim was no
        longer ours, nothing changed). One row's failure leaves the others' outcomes alone."""
        sent = [(x.message.id, x.token, x.provider_id) for x in landed if x.error is None]
        kept: dict[int, OutboxStatus | None] = dict.fromkeys((x[0] for x in sent), None)
        for message_id in await mark_all_sent(session, sent, now):
            kept[message_id] = OutboxStatus.SENT
        for failure in (x for x in landed if x.error is not None):
            exc = failure.error
            retry_in = _retry_in(exc) if isinstance(exc, RetryAfter) else None
            kept[failure.message.id] = await mark_failed(
                session, failure.message.id, now, f"{type(exc).__name__}: {exc}",
                self._runtime.settings.outbox_max_attempts, retry_in=retry_in,
                permanent=isinstance(exc, Undeliverable), token=failure.token,
            )  # fmt: skip
        return kept

    @staticmethod
    def _recorded(landed: list[_Landed], kept: dict[int, OutboxStatus | None]) -> None:
        """After the commit: the claims need no keeping; say what went wrong."""
        for x in landed:
            x.keeper.cancel()
            outcome = kept.get(x.message.id)
            if outcome is None:
                log.warning("outbox row %s: its claim expired before its send ended", x.message.id)
            elif outcome == OutboxStatus.DEAD:  # nobody will get it unless someone acts
                log.error(
                    "outbox row %s on %s given up: %s (see the dashboard's undelivered"
                    " messages)", x.message.id, x.message.channel, x.error,
                )  # fmt: skip

    def _land(self, task: asyncio.Task[_Landed]) -> None:
        self._flying = {key: t for key, t in self._flying.items() if t is not task}
        if not task.cancelled() and task.exception() is None:
            self._landed.append(task.result())

    async def settle(self, wait_at_most: float | None) -> None:
        """Wait until a delivery ends, the lane is woken, or `wait_at_most` seconds pass; once
        one ended, a moment more for the others on their way, to record them in one commit."""
        if not self._landed:
            woken = asyncio.ensure_future(self.woken.wait())
            try:
                await asyncio.wait([woken, *self._flying.values()], timeout=wait_at_most,
                                   return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
            finally:
                woken.cancel()
        if self._landed and self._flying and GROUP_SECONDS > 0:
            await asyncio.wait(list(self._flying.values()), timeout=GROUP_SECONDS)
        self.woken.clear()

    @property
    def busy(self) -> bool:
        """Whether deliveries are on their way, or ended and not yet recorded."""
        return bool(self._flying) or bool(self._landed)

    async def _deliver(self, message: OutboundMessage, token: str) -> _Landed:
        """The channel's send, with the row's claim renewed until its outcome is recorded."""
        keeper = asyncio.create_task(self._keep_claim(message.id, token))
        landed = _Landed(message, token, keeper)
        try:
            landed.provider_id = await self._sender.send(message)
        except asyncio.CancelledError:
            keeper.cancel()
            raise
        except Exception as exc:  # a failure of this row must not stop the others
            log.warning("delivery of outbox row %s failed: %s", message.id, exc)
            landed.error = exc
        return landed

    async def _keep_claim(self, message_id: int, token: str) -> None:
        """Renew the row's lease every third of it while its send is on its way and until its
        outcome is recorded; only a sender that died (and stopped renewing) lets another take
        the row again. It changes only the lease, never an outcome (the token must match)."""
        runtime, every = self._runtime, self._lease.total_seconds() / 3
        while True:
            await asyncio.sleep(every)
            try:
                async with transaction(runtime.sessions) as session:
                    now = runtime.clock.now()
                    if not await extend_claim(session, message_id, token, now, self._lease):
                        return
            except Exception:  # a busy or lost database: try again at the next third
                log.warning("outbox row %s: its claim could not be renewed", message_id)

    async def stop(self) -> None:
        """Cancel the deliveries on their way (their rows go again after their lease); record
        the sends that already ended, so they are not sent again."""
        for task in list(self._flying.values()):
            task.cancel()
        await asyncio.gather(*self._flying.values(), return_exceptions=True)
        if self._landed:
            try:
                await self._round(claim_more=False)
            except Exception:  # the database went away: their rows go again after the lease
                log.exception("outbox: %d sent rows could not be recorded", len(self._landed))
        for landed in self._landed:
            landed.keeper.cancel()
        self._landed = []


class OutboxSender:
    """The lanes of every channel we can send on; `wake()` makes them look at once."""

    def __init__(self, runtime: Runtime, senders: Mapping[Channel, ChannelSender]) -> None:
        self._runtime = runtime
        self._lanes = {channel: Lane(runtime, channel, s) for channel, s in senders.items()}
        self._tasks: list[asyncio.Task[None]] = []

    def wake(self) -> None:
        """New rows were committed: deliver them without waiting for the next poll."""
        for lane in self._lanes.values():
            lane.woken.set()

    async def deliver_due(self) -> int:
        """Deliver every message due now, every channel at once; how many deliveries started."""
        counts = await asyncio.gather(*(self._drain(lane) for lane in self._lanes.values()))
        return sum(counts)

    @staticmethod
    async def _drain(lane: Lane) -> int:
        total = 0
        while True:
            total += await lane.fill()
            if not lane.busy and not lane.rested:
                return total
            await lane.settle(wait_at_most=RESTED_POLL_SECONDS if lane.rested else None)

    async def _run(self, lane: Lane) -> None:
        poll = self._runtime.settings.outbox_poll_seconds
        while True:
            try:
                await lane.fill()
            except Exception:
                log.exception("outbox delivery round failed; retrying")
                await asyncio.sleep(poll)  # not at once: the database may be away
                continue
            await lane.settle(wait_at_most=min(poll, RESTED_POLL_SECONDS) if lane.rested else poll)

    def start(self) -> None:
        """Start delivering in the background, one loop per lane."""
        if not self._tasks:
            self._tasks = [
                asyncio.create_task(self._run(lane), name=f"outbox-{channel}")
                for channel, lane in self._lanes.items()
            ]

    async def stop(self) -> None:
        """Stop delivering (rows claimed but not sent are retried after their lease)."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        for lane in self._lanes.values():
            await lane.stop()
