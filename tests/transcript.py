"""A person talking to the bot through `handle_inbound` (what every channel calls), reading the
outbox as their inbox: whole dialogues with a manual clock, no HTTP in between."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from concierge.messages import Channel, Inbound
from concierge.outbox import OutboxMessage
from handlers.inbound import handle_inbound
from tests.conftest import Domain


@dataclass
class Speaker:
    """One person on one channel: says texts, taps buttons, reads what reached them."""

    domain: Domain
    phone: str
    channel: Channel = Channel.WEBCHAT
    seen: list[dict[str, Any]] = field(default_factory=list)

    async def say(self, text: str) -> list[str]:
        """Send a text; returns the texts that reached this person since the last look."""
        return await self._send(text=text)

    async def tap(self, label: str) -> list[str]:
        """Press the button with this label on the newest message that has it."""
        await self.inbox()
        for message in reversed(self.seen):
            for choice in message["choices"]:
                if choice["label"] == label:
                    return await self._send(choice=choice["payload"])
        raise AssertionError(f"no button {label!r} in {[m['text'] for m in self.seen]}")

    async def send_photo(self, url: str, caption: str = "") -> list[str]:
        """Send a picture (by its provider URL) with an optional caption."""
        return await self._send(text=caption or None, media=(url,))

    async def _send(
        self, text: str | None = None, choice: str | None = None, media: tuple[str, ...] = ()
    ) -> list[str]:
        await self.inbox()
        runtime = self.domain.runtime
        inbound = Inbound(
            channel=self.channel, provider_message_id=uuid.uuid4().hex, sender=self.phone,
            text=text, choice=choice, media=media, received_at=runtime.clock.now(),
        )  # fmt: skip
        await handle_inbound(runtime.sessions, runtime.clock, runtime.settings, inbound)
        return await self.inbox()

    async def inbox(self) -> list[str]:
        """The texts queued to this person since the last look, oldest first."""
        after = self.seen[-1]["id"] if self.seen else 0
        async with self.domain.unit() as ctx:
            rows = await ctx.session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.address == self.phone, OutboxMessage.id > after)
                .order_by(OutboxMessage.id)
            )
            new = [{"id": m.id, "text": m.text, "choices": list(m.choices)} for m in rows.all()]
        self.seen.extend(new)
        return [m["text"] for m in new]

    def buttons(self) -> list[str]:
        """The labels of the newest message's buttons."""
        return [c["label"] for c in self.seen[-1]["choices"]] if self.seen else []
