"""Delivers the outbox in lanes: one per channel, each with its own pace, so no row waits behind
another channel. Within a lane, up to `outbox_lane_concurrency` rows are on their way at once,
one per address (a person reads messages in order), urgent rows first; each row is claimed with
its own token just before its send, and marked sent or failed only while the token is its own.
The provider's pace (Telegram's 30/s overall and 1/s per chat, Twilio's rate per number) is kept
by the channel senders themselves (bot/pacing.py); a lane does not take rows for an address its
sender says is resting, so no slot waits on one chat while others could be written to."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Collection, Mapping
from datetime import timedelta
from typing import Protocol

from bot.pacing import Paced
from bot.runtime import Runtime
from concierge.database import transaction
from concierge.messages import Channel, OutboundMessage
from concierge.outbox import (
    OutboxStatus,
    RetryAfter,
    Undeliverable,
    claim,
    due,
    extend_claim,
    mark_failed,
    mark_sent,
)

log = logging.getLogger(__name__)
# How soon a lane looks again when rows may have waited only for their address to cool down.
RESTED_POLL_SECONDS = 0.05


class ChannelSender(Protocol):
    """The output half of a channel adapter: deliver one message or raise; the provider's id
    for it, when the provider reports on it later."""

    async def send(self, message: OutboundMessage) -> str | None: ...


class Lane:
    """The deliveries of one channel: a few rows in flight, each to a different address."""

    def __init__(self, runtime: Runtime, channel: Channel, sender: ChannelSender) -> None:
        self._runtime = runtime
        self._channel = channel
        self._sender = sender
        self._width = runtime.settings.outbox_lane_concurrency
        self._lease = timedelta(seconds=runtime.settings.outbox_lease_seconds)
        self._flying: dict[int, asyncio.Task[None]] = {}
        self.woken = asyncio.Event()
        # Whether the last fill had room but addresses resting: look again soon, not at the poll.
        self.rested = False

    async def fill(self) -> int:
        """Start as many due rows as there is room for, urgent first; how many were started."""
        started = 0
        paced = self._sender if isinstance(self._sender, Paced) else None
        self.rested = False
        while len(self._flying) < self._width:
            resting = paced.resting() if paced is not None else ()
            found = await self._due(resting)
            if not found:
                # Rows left only for resting addresses: they go once those have cooled down.
                self.rested = bool(resting) and bool(await self._due(()))
                break
            message = found[0]
            task = asyncio.create_task(self._deliver(message), name=f"outbox-{message.id}")
            self._flying[message.id] = task
            task.add_done_callback(self._landed)
            started += 1
        return started

    async def _due(self, resting: Collection[str]) -> list[OutboundMessage]:
        async with self._runtime.sessions() as session:  # reading only: `claim` decides
            return await due(
                session, self._runtime.clock.now(), channel=self._channel,
                skip=set(self._flying), resting=resting,
            )  # fmt: skip

    def _landed(self, task: asyncio.Task[None]) -> None:
        self._flying = {key: t for key, t in self._flying.items() if t is not task}

    async def settle(self, wait_at_most: float | None) -> None:
        """Wait until a delivery ends, the lane is woken, or `wait_at_most` seconds pass."""
        woken = asyncio.ensure_future(self.woken.wait())
        try:
            await asyncio.wait([woken, *self._flying.values()], timeout=wait_at_most,
                               return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
        finally:
            woken.cancel()
        self.woken.clear()

    @property
    def busy(self) -> bool:
        """Whether deliveries are on their way."""
        return bool(self._flying)

    async def _deliver(self, message: OutboundMessage) -> None:
        runtime = self._runtime
        try:
            async with transaction(runtime.sessions) as session:
                token = await claim(session, message.id, runtime.clock.now(), self._lease)
            if token is None:
                return  # another sender took it first
            await self._send(message, token)
        except Exception:  # the database went away: the row's lease ends and it goes again
            log.exception("delivery of outbox row %s was interrupted", message.id)

    async def _send(self, message: OutboundMessage, token: str) -> None:
        runtime = self._runtime
        try:
            provider_id = await self._held_while_sent(message, token)
        except Exception as exc:  # a failure of this row must not stop the others
            log.warning("delivery of outbox row %s failed: %s", message.id, exc)
            retry_in = timedelta(seconds=exc.seconds) if isinstance(exc, RetryAfter) else None
            async with transaction(runtime.sessions) as session:
                failed = await mark_failed(
                    session, message.id, runtime.clock.now(), f"{type(exc).__name__}: {exc}",
                    runtime.settings.outbox_max_attempts, retry_in=retry_in,
                    permanent=isinstance(exc, Undeliverable), token=token,
                )  # fmt: skip
            kept = failed is not None
            if failed == OutboxStatus.DEAD:  # nobody will get it unless someone acts
                log.error(
                    "outbox row %s on %s given up: %s (see the dashboard's undelivered"
                    " messages)", message.id, message.channel, exc,
                )  # fmt: skip
        else:
            async with transaction(runtime.sessions) as session:
                kept = await mark_sent(
                    session, message.id, runtime.clock.now(), provider_id, token=token
                )
        if not kept:
            log.warning("outbox row %s: its claim expired before its send ended", message.id)

    async def _held_while_sent(self, message: OutboundMessage, token: str) -> str | None:
        """The channel's send, with the row's claim renewed until it returns."""
        keeping = asyncio.create_task(self._keep_claim(message.id, token))
        try:
            return await self._sender.send(message)
        finally:
            keeping.cancel()
            # The send's own outcome counts, never the keeper's (it logs its own troubles).
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await keeping

    async def _keep_claim(self, message_id: int, token: str) -> None:
        """Renew the row's lease every third of it while its send is on its way; only a sender
        that died (and stopped renewing) lets another take the row again."""
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
        """Cancel the deliveries on their way (their rows go again after their lease)."""
        for task in list(self._flying.values()):
            task.cancel()
        await asyncio.gather(*self._flying.values(), return_exceptions=True)


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
