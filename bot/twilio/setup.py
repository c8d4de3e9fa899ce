"""The Twilio channels' entry in the registry: SMS, WhatsApp and the phone line, each
configured by its number (and the phone line by the public address Twilio calls back)."""

from __future__ import annotations

from collections.abc import Callable

from bot.channels import ChannelParts, OnInbound
from bot.outbox_sender import ChannelSender
from bot.runtime import Runtime
from concierge.messages import Channel


def twilio_channel(
    runtime: Runtime, on_inbound: OnInbound, wake: Callable[[], None]
) -> ChannelParts | None:
    """Twilio's webhooks and senders, when its credentials are set."""
    settings = runtime.settings
    if not settings.twilio_enabled:
        return None
    from bot.twilio.calls import TwilioCalls, calls_router
    from bot.twilio.messaging import TwilioMessaging, messaging_router
    from bot.twilio.rest import TwilioConnection
    from bot.twilio.voice import voice_router

    twilio = TwilioConnection(settings)
    senders: dict[Channel, ChannelSender] = {}
    if settings.twilio_phone_number:
        senders[Channel.SMS] = TwilioMessaging(runtime, twilio, Channel.SMS)
    if settings.twilio_whatsapp_number:
        senders[Channel.WHATSAPP] = TwilioMessaging(runtime, twilio, Channel.WHATSAPP)
    if settings.twilio_phone_number and settings.public_base_url:
        senders[Channel.VOICE] = TwilioCalls(runtime, twilio)
    routers = [
        messaging_router(runtime, on_inbound),
        calls_router(runtime, on_inbound),  # before /twilio/voice/{event}
        voice_router(runtime, on_inbound),
    ]
    return ChannelParts(routers=routers, senders=senders, stop=twilio.close)
