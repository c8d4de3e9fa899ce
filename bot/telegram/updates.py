"""The input half of the Telegram channel: one Bot API update (its JSON, whichever library
fetched it) → one channel-neutral `Inbound`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from concierge.messages import Channel, Inbound, Location

MEDIA_PREFIX = "telegram:"  # how a Telegram file id is named among a request's attachments


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class TgUser(_Model):
    id: int
    is_bot: bool = False


class TgChat(_Model):
    id: int
    type: str


class TgButton(_Model):
    text: str
    callback_data: str | None = None


class TgKeyboard(_Model):
    inline_keyboard: list[list[TgButton]] = []


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
    reply_markup: TgKeyboard | None = None

    def label_of(self, data: str) -> str | None:
        """The label of the button on this message that sends `data`."""
        rows = self.reply_markup.inline_keyboard if self.reply_markup else []
        return next((b.text for row in rows for b in row if b.callback_data == data), None)


class TgCallback(_Model):
    id: str
    data: str | None = None
    message: TgMessage | None = None


class TgUpdate(_Model):
    """The part of a Bot API update the service reads."""

    update_id: int
    message: TgMessage | None = None
    edited_message: TgMessage | None = None
    callback_query: TgCallback | None = None


def read_update(raw: dict[str, Any]) -> TgUpdate:
    """An update's JSON as the service reads it (unknown fields ignored)."""
    return TgUpdate.model_validate(raw)


def inbound_from_update(
    update: TgUpdate, received_at: datetime, staff_groups: frozenset[int] = frozenset()
) -> Inbound | None:
    """What a person sent, or None for what the service does not read (bots, other groups).

    The update id is the idempotency key: an update delivered twice is handled once. In a staff
    group the service is configured to read, a message is the sender's own: its answers go to
    their private chat, so nothing about a request is shown to the whole group.
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
    edited = update.message is None and update.edited_message is not None
    message = update.message or update.edited_message
    if message is None or message.sender is None or message.sender.is_bot:
        return None
    in_group = message.chat.type != "private"
    if in_group and message.chat.id not in staff_groups:
        return None
    sender = str(message.sender.id if in_group else message.chat.id)
    if edited:
        # The first version already had its effect; reading it again could make a request twice.
        return Inbound(
            channel=Channel.TELEGRAM, provider_message_id=key, sender=sender, edited=True,
            from_staff_group=in_group, received_at=received_at,
        )  # fmt: skip
    location = (
        Location(latitude=message.location.latitude, longitude=message.location.longitude)
        if message.location is not None
        else None
    )
    # The largest size, named so other channels know it is a Telegram file.
    photos = (f"{MEDIA_PREFIX}{message.photo[-1].file_id}",) if message.photo else ()
    contact = message.contact
    # Only the sender's own number links their account; someone else's card is not read.
    own_phone = (
        contact.phone_number
        if contact is not None and contact.user_id == message.sender.id
        else None
    )
    text = message.text or message.caption
    if text is None and not photos and location is None and own_phone is None:
        return None
    return Inbound(
        channel=Channel.TELEGRAM, provider_message_id=key, sender=sender,
        text=text, media=photos, location=location, shared_phone=own_phone,
        from_staff_group=in_group, received_at=received_at,
    )  # fmt: skip
