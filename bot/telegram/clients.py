"""The two Telegram libraries behind one small interface: aiogram (the default) and
python-telegram-bot (TELEGRAM_LIBRARY=ptb). They only move JSON and buttons; they decide nothing.
Both turn Telegram's 429 into `RetryAfter` and a chat that blocked the bot into `Undeliverable`.
"""

from __future__ import annotations

import warnings
from datetime import timedelta
from typing import Any, Protocol

import telegram
import telegram.error
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from concierge.outbox import RetryAfter, Undeliverable
from concierge.settings import Settings

Buttons = list[tuple[str, str]]  # (label, callback data), one button a row


class TelegramClient(Protocol):
    """What the channel needs from a Telegram library."""

    async def send_message(self, chat_id: int, text: str, buttons: Buttons) -> None: ...
    async def send_photo(self, chat_id: int, file_id: str) -> None: ...
    async def edit_message(self, chat_id: int, message_id: int, text: str) -> None: ...
    async def answer_callback(self, callback_id: str) -> None: ...
    async def get_updates(self, offset: int | None, wait_seconds: int) -> list[dict[str, Any]]: ...
    async def delete_webhook(self) -> None: ...
    async def set_webhook(self, url: str, secret: str | None) -> None: ...
    async def close(self) -> None: ...


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


class PtbClient:
    """python-telegram-bot 21+, pointed at TELEGRAM_API_BASE (its Bot calls getMe first)."""

    def __init__(self, settings: Settings) -> None:
        assert settings.telegram_bot_token is not None
        base = settings.telegram_api_base.rstrip("/")
        self.bot = telegram.Bot(settings.telegram_bot_token, base_url=f"{base}/bot")
        self._ready = False
        self._timeout = settings.telegram_request_timeout_seconds

    async def _bot(self) -> Any:
        if not self._ready:
            await self.bot.initialize()
            self._ready = True
        return self.bot

    async def send_message(self, chat_id: int, text: str, buttons: Buttons) -> None:

        markup = (
            telegram.InlineKeyboardMarkup(
                [[telegram.InlineKeyboardButton(t, callback_data=d)] for t, d in buttons]
            )
            if buttons
            else None
        )
        bot = await self._bot()
        try:
            await bot.send_message(chat_id, text, reply_markup=markup, read_timeout=self._timeout)
        except telegram.error.RetryAfter as exc:
            raise RetryAfter(_retry_seconds(exc), "Telegram asked to slow down") from exc
        except telegram.error.Forbidden as exc:
            raise Undeliverable(f"chat {chat_id}: {exc.message}") from exc

    async def send_photo(self, chat_id: int, file_id: str) -> None:
        bot = await self._bot()
        try:
            await bot.send_photo(chat_id, file_id, read_timeout=self._timeout)
        except telegram.error.RetryAfter as exc:
            raise RetryAfter(_retry_seconds(exc), "Telegram asked to slow down") from exc
        except telegram.error.Forbidden as exc:
            raise Undeliverable(f"chat {chat_id}: {exc.message}") from exc

    async def edit_message(self, chat_id: int, message_id: int, text: str) -> None:
        await (await self._bot()).edit_message_text(
            text, chat_id=chat_id, message_id=message_id, read_timeout=self._timeout
        )

    async def answer_callback(self, callback_id: str) -> None:
        await (await self._bot()).answer_callback_query(callback_id)

    async def get_updates(self, offset: int | None, wait_seconds: int) -> list[dict[str, Any]]:
        bot = await self._bot()
        updates = await bot.get_updates(
            offset=offset, timeout=wait_seconds, read_timeout=wait_seconds + 10
        )
        return [dict(update.to_dict()) for update in updates]

    async def delete_webhook(self) -> None:
        await (await self._bot()).delete_webhook()

    async def set_webhook(self, url: str, secret: str | None) -> None:
        await (await self._bot()).set_webhook(url, secret_token=secret)

    async def close(self) -> None:
        if self._ready:
            await self.bot.shutdown()


def _retry_seconds(exc: telegram.error.RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns while moving to timedelta
        warnings.simplefilter("ignore")
        wait = exc.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)


def telegram_client(settings: Settings) -> TelegramClient:
    """The library TELEGRAM_LIBRARY names."""
    if settings.telegram_library == "ptb":
        return PtbClient(settings)
    return AiogramClient(settings)
