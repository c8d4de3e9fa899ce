"""The Telegram channel: long polling or a webhook in, the outbox out (aiogram or PTB).

Texts go out as plain text (no parse mode), so whatever a person wrote cannot turn into markup.
Choices become an inline keyboard, one button a row. Sending keeps under Telegram's limits
(about 30 messages a second overall, one a second per chat) with a `Pace`; a 429 becomes a
retry after Telegram's `retry_after` (the chat's later rows wait behind it), a chat that blocked
the bot (403) is given up at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import ValidationError

from bot.pacing import Pace
from bot.telegram.clients import telegram_client
from bot.telegram.updates import (
    MEDIA_PREFIX,
    TgCallback,
    TgUpdate,
    inbound_from_update,
    read_update,
)
from concierge.clock import Clock
from concierge.database import is_outage
from concierge.dead_letters import SetAside
from concierge.messages import Channel, Inbound, OutboundMessage
from concierge.settings import Settings

log = logging.getLogger(__name__)

MESSAGE_LIMIT = 4096  # characters in one Telegram message
POLL_TIMEOUT_SECONDS = 25
RETRY_BASE_SECONDS = 1.0  # the first wait after a failed poll; it doubles, up to the most
# Polling is cheap, so after an outage the bot looks again soon: people are waiting.
RETRY_MOST_SECONDS = 10.0
# An update that fails this many times in a row with the same error (not an outage) is a bug
# of ours: it is set aside in the dead letters, so the updates after it are served.
MAX_UPDATE_ATTEMPTS = 5


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """A long text in pieces Telegram accepts, cut at line ends, then spaces, when possible."""
    pieces = []
    while len(text) > limit:
        cut = max(text.rfind("\n", 0, limit), text.rfind(" ", 0, limit))
        cut = cut if cut > limit // 2 else limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return [*pieces, text]


class TelegramChannel:
    """The bot: reads updates (polling or webhook) and delivers outbox rows."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        on_inbound: Callable[[Inbound], Awaitable[object]],
        set_aside: Callable[[SetAside], Awaitable[None]] | None = None,
    ) -> None:
        self.client = telegram_client(settings)
        self._clock = clock
        self._on_inbound = on_inbound
        self._set_aside = set_aside
        self._pace = Pace(
            settings.telegram_messages_per_second, settings.telegram_chat_messages_per_second
        )
        self._polling: asyncio.Task[None] | None = None
        self._failed: dict[int, tuple[str, int]] = {}
        self._staff_groups = frozenset(
            group
            for group in (settings.telegram_operators_group, settings.telegram_coordinators_group)
            if group is not None
        )

    async def send(self, message: OutboundMessage) -> None:
        """Deliver one outbox row (split when long; the buttons go with the last piece)."""
        pieces = split_text(message.text)
        chat, address = int(message.address), message.address
        buttons = [(choice.label, choice.payload) for choice in message.choices]
        # A retry after a failure part-way sends the whole row again: at least once, by design.
        # After a 429 the row waits its retry_after, and the chat's later rows wait behind it.
        for media in message.media:
            if media.startswith(MEDIA_PREFIX):  # other channels' files are only counted
                async with self._pace.turn(address):
                    await self.client.send_photo(chat, media.removeprefix(MEDIA_PREFIX))
        for index, piece in enumerate(pieces):
            last = index == len(pieces) - 1
            async with self._pace.turn(address):
                await self.client.send_message(chat, piece, buttons if last else [])

    def resting(self) -> set[str]:
        """Chats that cannot be written to now (Telegram's one a second per chat)."""
        return self._pace.resting()

    async def handle_update(self, raw: dict[str, Any]) -> None:
        """One update from Telegram (its JSON), by polling; one that is not a Bot API update
        cannot become one by trying again, so it is logged and passed over."""
        try:
            update = read_update(raw)
        except ValidationError as exc:
            log.warning("update %r is not a Bot API update: %s", raw.get("update_id"), exc)
            return
        await self.handle_read(update)

    async def handle_read(self, update: TgUpdate) -> None:
        """One update already read (the webhook reads its body itself)."""
        if update.callback_query is not None:
            await self._acknowledge(update.callback_query)
        inbound = inbound_from_update(update, self._clock.now(), self._staff_groups)
        if inbound is not None:
            await self._on_inbound(inbound)

    async def _acknowledge(self, callback: TgCallback) -> None:
        """Answer a button press at once, so the app stops its spinner, and write the choice
        under the question in place of the buttons, so a spent choice cannot be pressed again.
        Both are courtesies: if Telegram refuses them, the choice is still handled."""
        with contextlib.suppress(Exception):
            await self.client.answer_callback(callback.id)
        message = callback.message
        label = message.label_of(callback.data or "") if message is not None else None
        if message is None or label is None or not message.text:
            return
        text = f"{message.text}\n\n» {label}"
        if len(text) <= MESSAGE_LIMIT:
            with contextlib.suppress(Exception):
                await self.client.edit_message(message.chat.id, message.message_id, text)

    async def _poll(self) -> None:
        offset: int | None = None
        failures = 0
        with contextlib.suppress(Exception):
            await self.client.delete_webhook()  # Telegram refuses polling while one is set
        while True:
            try:
                updates = await self.client.get_updates(offset, POLL_TIMEOUT_SECONDS)
                for raw in updates:
                    await self._handle_or_give_up(raw)
                    offset = int(raw["update_id"]) + 1
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # an outage: wait longer each time, never give up
                failures += 1
                log.warning("Telegram polling failed (%s); retrying", exc)
                await asyncio.sleep(
                    min(RETRY_BASE_SECONDS * 2 ** (failures - 1), RETRY_MOST_SECONDS)
                )

    async def _handle_or_give_up(self, raw: dict[str, Any]) -> None:
        """Handle an update, or raise so that it is fetched again: nothing is skipped for a
        passing cause (the database or the network down, a time-out), however long it lasts.
        Only an update that fails MAX_UPDATE_ATTEMPTS times in a row with the same error of
        ours is set aside (kept with its raw body, its sender told) and passed."""
        update_id = int(raw["update_id"])
        try:
            await self.handle_update(raw)
        except Exception as exc:
            if is_outage(exc) or self._set_aside is None:
                raise
            error = f"{type(exc).__name__}: {exc}"
            seen, attempts = self._failed.get(update_id, ("", 0))
            attempts = attempts + 1 if seen == error else 1
            self._failed[update_id] = (error, attempts)
            if attempts < MAX_UPDATE_ATTEMPTS:
                raise
            log.exception("update %s set aside after %s attempts", update_id, attempts)
            await self._set_aside(
                SetAside(
                    channel=Channel.TELEGRAM, reference=str(update_id),
                    raw=json.dumps(raw, ensure_ascii=False), error=error,
                    attempts=attempts, reply_to=_chat_of(raw),
                )
            )  # fmt: skip
        self._failed.pop(update_id, None)

    def start_polling(self) -> None:
        """Ask Telegram for updates in the background (the embedded default)."""
        if self._polling is None:
            self._polling = asyncio.create_task(self._poll(), name="telegram-polling")

    async def close(self) -> None:
        """Stop polling and close the HTTP session."""
        if self._polling is not None:
            self._polling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._polling
            self._polling = None
        await self.client.close()


def _chat_of(raw: dict[str, Any]) -> str | None:
    """The private chat an update came from, read without trusting its shape; None when it
    came from a group (staff) or cannot be told."""
    for key in ("message", "edited_message", "callback_query"):
        part = raw.get(key)
        if not isinstance(part, dict):
            continue
        message = part.get("message") if key == "callback_query" else part
        chat = message.get("chat") if isinstance(message, dict) else None
        if isinstance(chat, dict) and chat.get("type") == "private":
            chat_id = chat.get("id")
            return str(chat_id) if isinstance(chat_id, int) else None
    return None
