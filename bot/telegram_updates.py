"""The input half of the Telegram channel: one Bot API update → one channel-neutral `Inbound`."""

from __future__ import annotations

from datetime import datetime

from aiogram.types import Update

from concierge.messages import Channel, Inbound, Location


def inbound_from_update(update: Update, received_at: datetime) -> Inbound | None:
    """What a person sent, or None for what the service does not read (groups, edits, bots).

    The update id is the idempotency key: an update delivered twice is handled once.
    """
    key = f"update:{update.update_id}"
    callback = update.callback_query
    if callback is not None:
        if callback.message is None or callback.message.chat.type != "private" or not callback.data:
            return None
        return Inbound(
            channel=Channel.TELEGRAM, provider_message_id=key,
            sender=str(callback.message.chat.id), choice=callback.data, received_at=received_at,
        )  # fmt: skip
    message = update.message
    # Edits are not read again: the first version already made its effect.
    if message is None or message.chat.type != "private":
        return None
    if message.from_user is not None and message.from_user.is_bot:
        return None
    location = (
        Location(latitude=message.location.latitude, longitude=message.location.longitude)
        if message.location is not None
        else None
    )
    photos = (message.photo[-1].file_id,) if message.photo else ()  # the largest size
    text = message.text or message.caption
    if text is None and not photos and location is None:
        return None
    return Inbound(
        channel=Channel.TELEGRAM, provider_message_id=key, sender=str(message.chat.id),
        text=text, media=photos, location=location, received_at=received_at,
    )  # fmt: skip
