"""The two Telegram libraries behind one small interface: python-telegram-bot (the default,
lighter in memory) and aiogram (TELEGRAM_LIBRARY=aiogram). They only move JSON and buttons;
they decide nothing.
Both turn Telegram's 429 into `RetryAfter` and a chat that blocked the bot into `Undeliverable`.

Each library is imported only when it is the one configured: aiogram alone takes about 120 MB
of resident memory (its pydantic models of the whole Bot API), PTB about 40 MB (issue 20,
target 6: the service's memory).
"""

from __future__ import annotations

from typing import Any, Protocol

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


def telegram_client(settings: Settings) -> TelegramClient:
    """The library TELEGRAM_LIBRARY names (only that one is imported)."""
    if settings.telegram_library == "ptb":
        from bot.telegram.ptb_client import PtbClient

        return PtbClient(settings)
    from bot.telegram.aiogram_client import AiogramClient

    return AiogramClient(settings)
