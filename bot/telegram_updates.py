"""The input half of the Telegram channel: one Bot API update (its JSON, whichever library
fetched it) → one channel-neutral `Inbound`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from concierge.messages import Channel, Inbound, Location


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class TgUser(_Model):
    id: int
    is_bot: bool = False


class TgChat(_Model):
    id: int
    type: str


class TgPhoto(_Model):
    file_id: str


class TgLocation(_Model):
    latitude: float
    longitude: float


class TgContact(_Model):
    phone_number: str
    user_id: int | None = None


class TgMessage(_Model):
    message_id: int
    chat: TgChat
    sender: TgUser | None = Field(default=None, alias="from")
    text: str | None = None
    caption: str | None = None
    photo: list[TgPhoto] = []
    location: TgLocation | None = None
    contact: TgContact | None = None


class TgCallback(_Model):
    id: str
    data: str | None = None
    message: TgMessage | None = None


class TgUpdate(_Model):
    """The part of a Bot API update the service reads."""

    update_id: int
    message: TgMessage | None = None
    callback_query: TgCallback | None = None


def read_update(raw: dict[str, Any]) -> TgUpdate:
    """An update's JSON as the service reads it (unknown fields ignored)."""
    return TgUpdate.model_validate(raw)


def inbound_from_update(update: TgUpdate, received_at: datetime) -> Inbound | None:
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
    # Edits arrive as edited_message and are not read again: the first version had its effect.
    if message is None or message.chat.type != "private":
        return None
    if message.sender is not None and message.sender.is_bot:
        return None
    location = (
        Location(latitude=message.location.latitude, longitude=message.location.longitude)
        if message.location is not None
        else None
    )
    photos = (message.photo[-1].file_id,) if message.photo else ()  # the largest size
    contact = message.contact
    # Only the sender's own number links their account; someone else's card is not read.
    own_phone = (
        contact.phone_number
        if contact is not None
        and message.sender is not None
        and contact.user_id == message.sender.id
        else None
    )
    text = message.text or message.caption
    if text is None and not photos and location is None and own_phone is None:
        return None
    return Inbound(
        channel=Channel.TELEGRAM, provider_message_id=key, sender=str(message.chat.id),
        text=text, media=photos, location=location, shared_phone=own_phone,
        received_at=received_at,
    )  # fmt: skip
