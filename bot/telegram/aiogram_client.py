"""aiogram 3 behind the channel's TelegramClient interface (bot.telegram.clients)."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram.clients import Buttons
from concierge.outbox import RetryAfter, Undeliverable
from concierge.settings import Settings


class AiogramClient:
    """aiogram 3, pointed at TELEGRAM_API_BASE."""

    def __init__(self, settings: Settings) -> None:
        assert settings.telegram_bot_token is not None
        api = TelegramAPIServer.from_base(settings.telegram_api_base)
        self.bot = Bot(settings.telegram_bot_token, session=AiohttpSession(api=api))
        self._timeout = int(settings.telegram_request_timeout_seconds)

    async def send_message(self, chat_id: int, text: str, buttons: Buttons) -> None:

        markup = (
            InlineKeyboardMarkup(
                inline_keyboard=[
                    [InlineKeyboardButton(text=t, callback_data=d)] for t, d in buttons
                ]
            )
            if buttons
            else None
        )
        try:
            await self.bot.send_message(
                chat_id, text, reply_markup=markup, request_timeout=self._timeout
            )
        except TelegramRetryAfter as exc:
            raise RetryAfter(exc.retry_after, "Telegram asked to slow down") from exc
        except TelegramForbiddenError as exc:
            raise Undeliverable(f"chat {chat_id}: {exc.message}") from exc

    async def send_photo(self, chat_id: int, file_id: str) -> None:
        try:
            await self.bot.send_photo(chat_id, file_id, request_timeout=self._timeout)
        except TelegramRetryAfter as exc:
            raise RetryAfter(exc.retry_after, "Telegram asked to slow down") from exc
        except TelegramForbiddenError as exc:
            raise Undeliverable(f"chat {chat_id}: {exc.message}") from exc

    async def edit_message(self, chat_id: int, message_id: int, text: str) -> None:
        await self.bot.edit_message_text(
            text, chat_id=chat_id, message_id=message_id, request_timeout=self._timeout
        )

    async def answer_callback(self, callback_id: str) -> None:
        await self.bot.answer_callback_query(callback_id)

    async def get_updates(self, offset: int | None, wait_seconds: int) -> list[dict[str, Any]]:
        updates = await self.bot.get_updates(offset=offset, timeout=wait_seconds)
        return [u.model_dump(mode="json", by_alias=True, exclude_none=True) for u in updates]

    async def delete_webhook(self) -> None:
        await self.bot.delete_webhook()

    async def set_webhook(self, url: str, secret: str | None) -> None:
        await self.bot.set_webhook(url, secret_token=secret)

    async def close(self) -> None:
        await self.bot.session.close()
