"""`concierge telegram`: point Telegram at the service's webhook, or back to polling."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramAPIError

from bot.cli_support import fail, settings_or_fail
from concierge.settings import Settings

telegram_app = typer.Typer(help="Telegram webhook set-up.", no_args_is_help=True)


def _bot(settings: Settings) -> Bot:
    if not settings.telegram_bot_token:
        fail("TELEGRAM_BOT_TOKEN is not set")
    api = TelegramAPIServer.from_base(settings.telegram_api_base)
    return Bot(settings.telegram_bot_token, session=AiohttpSession(api=api))


async def _set(settings: Settings, url: str) -> None:
    bot = _bot(settings)
    try:
        await bot.set_webhook(url, secret_token=settings.telegram_webhook_secret)
    finally:
        await bot.session.close()


@telegram_app.command("set-webhook")
def set_webhook(
    url: Annotated[str, typer.Argument(help="e.g. https://concierge.example.org/telegram/webhook")],
) -> None:
    """Have Telegram call URL with every update, carrying TELEGRAM_WEBHOOK_SECRET."""
    settings = settings_or_fail()
    if not url.startswith("https://"):
        fail(f"URL: Telegram only calls https:// addresses, got {url!r}")
    if not settings.telegram_webhook_secret:
        fail("TELEGRAM_WEBHOOK_SECRET is not set: the webhook would refuse every call")
    try:
        asyncio.run(_set(settings, url))
    except TelegramAPIError as exc:
        fail(f"Telegram refused: {exc.message}")
    typer.echo(f"Webhook set: {url} (set TELEGRAM_MODE=webhook on the service).")
