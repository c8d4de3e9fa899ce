"""python-telegram-bot behind the channel's TelegramClient interface (bot.telegram.clients)."""

from __future__ import annotations

import warnings
from datetime import timedelta
from typing import Any

import telegram
import telegram.error

from bot.telegram.clients import Buttons
from concierge.outbox import RetryAfter, Undeliverable
from concierge.settings import Settings


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
