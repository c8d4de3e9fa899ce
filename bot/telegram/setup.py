"""The Telegram channel's entry in the registry: configured by TELEGRAM_BOT_TOKEN."""

from __future__ import annotations

from collections.abc import Callable

from bot.channels import ChannelParts, OnInbound
from bot.runtime import Runtime
from concierge.messages import Channel


def telegram_channel(
    runtime: Runtime, on_inbound: OnInbound, wake: Callable[[], None]
) -> ChannelParts | None:
    """The bot (polling or webhook in, the outbox out), when its token is set."""
    settings = runtime.settings
    if not settings.telegram_bot_token:
        return None
    # Imported only when configured: the Telegram libraries take seconds to load.
    from bot.telegram.channel import TelegramChannel
    from bot.telegram.webhook import telegram_webhook_router
    from concierge.dead_letters import SetAside
    from handlers.dead_letters import keep_dead_letter

    async def set_aside(letter: SetAside) -> None:
        await keep_dead_letter(runtime.sessions, runtime.clock, settings, letter)
        wake()

    telegram = TelegramChannel(settings, runtime.clock, on_inbound, set_aside)
    return ChannelParts(
        routers=[telegram_webhook_router(settings, telegram)],
        senders={Channel.TELEGRAM: telegram},
        start=telegram.start_polling if settings.telegram_mode == "polling" else None,
        stop=telegram.close,
    )
