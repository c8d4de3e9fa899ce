"""The Telegram channel on aiogram: long polling or a webhook in, the outbox out.

Texts go out as plain text (no parse mode), so whatever a person wrote cannot turn into markup.
Choices become an inline keyboard, one button a row. Sending keeps under Telegram's limits
(about 30 messages a second overall, one a second per chat) with aiolimiter; a 429 becomes a
retry after Telegram's `retry_after`, a chat that blocked the bot (403) is given up at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Update
from aiolimiter import AsyncLimiter

from bot.telegram_updates import inbound_from_update
from concierge.clock import Clock
from concierge.messages import Inbound, OutboundMessage
from concierge.outbox import RetryAfter, Undeliverable
from concierge.settings import Settings

log = logging.getLogger(__name__)

MESSAGE_LIMIT = 4096  # characters in one Telegram message
OVERALL_PER_SECOND = 30
POLL_TIMEOUT_SECONDS = 25


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """A long text in pieces Telegram accepts, cut at line ends, then spaces, when possible."""
    pieces = []
    while len(text) > limit:
        cut = max(text.rfind("\n", 0, limit), text.rfind(" ", 0, limit))
        cut = cut if cut > limit // 2 else limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return [*pieces, text]


def _keyboard(message: OutboundMessage) -> InlineKeyboardMarkup | None:
    if not message.choices:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=choice.label, callback_data=choice.payload)]
            for choice in message.choices
        ]
    )


class TelegramChannel:
    """The bot: reads updates (polling or webhook) and delivers outbox rows."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        on_inbound: Callable[[Inbound], Awaitable[None]],
    ) -> None:
        assert settings.telegram_bot_token is not None
        api = TelegramAPIServer.from_base(settings.telegram_api_base)
        self.bot = Bot(settings.telegram_bot_token, session=AiohttpSession(api=api))
        self._clock = clock
        self._on_inbound = on_inbound
        self._overall = AsyncLimiter(OVERALL_PER_SECOND, 1)
        self._per_chat: dict[str, AsyncLimiter] = {}
        self._polling: asyncio.Task[None] | None = None

    async def send(self, message: OutboundMessage) -> None:
        """Deliver one outbox row (split when long; the buttons go with the last piece)."""
        pieces = split_text(message.text)
        chat = self._per_chat.setdefault(message.address, AsyncLimiter(1, 1))
        try:
            for index, piece in enumerate(pieces):
                markup = _keyboard(message) if index == len(pieces) - 1 else None
                async with self._overall, chat:
                    await self.bot.send_message(int(message.address), piece, reply_markup=markup)
        except TelegramRetryAfter as exc:
            raise RetryAfter(exc.retry_after, "Telegram asked to slow down") from exc
        except TelegramForbiddenError as exc:
            raise Undeliverable(f"chat {message.address}: {exc.message}") from exc

    async def handle_update(self, update: Update) -> None:
        """One update from Telegram, by webhook or polling."""
        if update.callback_query is not None:
            # Answered at once, so the person's app stops showing a spinner on the button.
            with contextlib.suppress(Exception):
                await self.bot.answer_callback_query(update.callback_query.id)
        inbound = inbound_from_update(update, self._clock.now())
        if inbound is not None:
            await self._on_inbound(inbound)

    async def _poll(self) -> None:
        offset: int | None = None
        failures = 0
        with contextlib.suppress(Exception):
            await self.bot.delete_webhook()  # Telegram refuses polling while a webhook is set
        while True:
            try:
                updates = await self.bot.get_updates(offset=offset, timeout=POLL_TIMEOUT_SECONDS)
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # an outage: wait longer each time, never give up
                failures += 1
                log.warning("Telegram polling failed (%s); retrying", exc)
                await asyncio.sleep(min(2**failures, 60))
                continue
            for update in updates:
                try:
                    await self.handle_update(update)
                except Exception:
                    log.exception("update %s could not be handled", update.update_id)
                offset = update.update_id + 1

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
        await self.bot.session.close()
