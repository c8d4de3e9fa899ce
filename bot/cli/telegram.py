"""`concierge telegram`: point Telegram at the service's webhook, or back to polling."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from bot.cli.support import LANG_HELP, cli_language, fail, settings_or_fail
from concierge.i18n import t
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
    lang: Annotated[str | None, typer.Option(help=LANG_HELP)] = None,
) -> None:
    """Have Telegram call URL with every update, carrying TELEGRAM_WEBHOOK_SECRET."""
    settings = settings_or_fail()
    language = cli_language(settings, lang)
    if not settings.telegram_bot_token:
        fail(t(language, "cli.telegram.no_token"))
    if not url.startswith("https://"):
        fail(t(language, "cli.telegram.not_https", url=repr(url)))
    if not settings.telegram_webhook_secret:
        fail(t(language, "cli.telegram.no_secret"))
    from aiogram.exceptions import TelegramAPIError
    from telegram.error import TelegramError

    try:
        asyncio.run(_set(settings, url))
    except (TelegramAPIError, TelegramError) as exc:
        fail(t(language, "cli.telegram.refused", reason=exc))
    typer.echo(t(language, "cli.telegram.set", url=url))
