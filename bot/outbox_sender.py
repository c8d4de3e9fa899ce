"""Delivers the outbox: claims due rows, hands them to channel senders, retries with back-off."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Protocol

from bot.runtime import Runtime
from concierge.database import transaction
from concierge.messages import Channel, OutboundMessage
from concierge.outbox import (
    OutboxStatus,
    RetryAfter,
    Undeliverable,
    claim_due,
    mark_failed,
    mark_sent,
)

log = logging.getLogger(__name__)


class ChannelSender(Protocol):
    """The output half of a channel adapter: deliver one message or raise; the provider's id
    for it, when the provider reports on it later."""

    async def send(self, message: OutboundMessage) -> str | None: ...


class OutboxSender:
    """A loop that delivers due outbox rows; `wake()` makes it look at once."""

    def __init__(self, runtime: Runtime, senders: Mapping[Channel, ChannelSender]) -> None:
        self._runtime = runtime
        self._senders = dict(senders)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """New rows were committed: deliver them without waiting for the next poll."""
        self._wake.set()

    async def deliver_due(self) -> int:
        """Deliver every message due now on the channels we can send on; returns how many."""
        runtime = self._runtime
        async with transaction(runtime.sessions) as session:
            claimed = await claim_due(session, runtime.clock.now(), channels=list(self._senders))
        for message in claimed:
            try:
                provider_id = await self._senders[message.channel].send(message)
            except Exception as exc:  # a channel failure must not stop the other deliveries
                log.warning("delivery of outbox row %s failed: %s", message.id, exc)
                retry_in = timedelta(seconds=exc.seconds) if isinstance(exc, RetryAfter) else None
                async with transaction(runtime.sessions) as session:
                    status = await mark_failed(
                        session,
                        message.id,
                        runtime.clock.now(),
                        f"{type(exc).__name__}: {exc}",
                        runtime.settings.outbox_max_attempts,
                        retry_in=retry_in,
                        permanent=isinstance(exc, Undeliverable),
                    )
                if status == OutboxStatus.DEAD:  # nobody will get it unless someone acts
                    log.error(
                        "outbox row %s on %s given up: %s (see the dashboard's undelivered"
                        " messages)", message.id, message.channel, exc,
                    )  # fmt: skip
            else:
                async with transaction(runtime.sessions) as session:
                    await mark_sent(session, message.id, runtime.clock.now(), provider_id)
        return len(claimed)

    async def _run(self) -> None:
        poll = self._runtime.settings.outbox_poll_seconds
        while True:
            try:
                while await self.deliver_due():
                    pass
            except Exception:
                log.exception("outbox delivery round failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=poll)
            self._wake.clear()

    def start(self) -> None:
        """Start delivering in the background."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="outbox-sender")

    async def stop(self) -> None:
        """Stop delivering (rows claimed but not sent are retried after their lease)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
