"""`concierge telegram`: point Telegram at the service's webhook, or back to polling."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from bot.cli.support import fail, settings_or_fail
from concierge.settings import Settings

telegram_app = typer.Typer(help="Telegram webhook set-up.", no_args_is_help=True)


async def _set(settings: Settings, url: str) -> None:
    from bot.telegram.clients import telegram_client  # the libraries load slowly: only here

    client = telegram_client(settings)
    try:
        await client.set_webhook(url, settings.telegram_webhook_secret)
    finally:
        await client.close()


@telegram_app.command("set-webhook")
def set_webhook(
    url: Annotated[str, typer.Argument(help="e.g. https://concierge.example.org/telegram/webhook")],
) -> None:
    """Have Telegram call URL with every update, carrying TELEGRAM_WEBHOOK_SECRET."""
    settings = settings_or_fail()
    if not settings.telegram_bot_token:
        fail("TELEGRAM_BOT_TOKEN is not set")
    if not url.startswith("https://"):
        fail(f"URL: Telegram only calls https:// addresses, got {url!r}")
    if not settings.telegram_webhook_secret:
        fail("TELEGRAM_WEBHOOK_SECRET is not set: the webhook would refuse every call")
    from aiogram.exceptions import TelegramAPIError
    from telegram.error import TelegramError

    try:
        asyncio.run(_set(settings, url))
    except (TelegramAPIError, TelegramError) as exc:
        fail(f"Telegram refused: {exc}")
    typer.echo(f"Webhook set: {url} (set TELEGRAM_MODE=webhook on the service).")
