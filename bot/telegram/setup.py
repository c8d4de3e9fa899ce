"""The Telegram channel's entry in the registry: configured by TELEGRAM_BOT_TOKEN."""

from __future__ import annotations

from bot.channels import ChannelParts, OnInbound
from bot.runtime import Runtime
from concierge.messages import Channel


def telegram_channel(runtime: Runtime, on_inbound: OnInbound) -> ChannelParts | None:
    """The bot (polling or webhook in, the outbox out), when its token is set."""
    settings = runtime.settings
    if not settings.telegram_bot_token:
        return None
    # Imported only when configured: the Telegram libraries take seconds to load.
    from bot.telegram.channel import TelegramChannel
    from bot.telegram.webhook import telegram_webhook_router

    telegram = TelegramChannel(settings, runtime.clock, on_inbound)
    return ChannelParts(
        routers=[telegram_webhook_router(settings, telegram)],
        senders={Channel.TELEGRAM: telegram},
        start=telegram.start_polling if settings.telegram_mode == "polling" else None,
        stop=telegram.close,
    )
