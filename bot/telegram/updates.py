"""The input half of the Telegram channel: one Bot API update (its JSON, whichever library
fetched it) → one channel-neutral `Inbound`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from concierge.messages import Channel, Inbound, Location, UnreadableKind, storable

MEDIA_PREFIX = "telegram:"  # how a Telegram file id is named among a request's attachments

# The Bot API's own limits: what is longer was not sent by Telegram, and is refused.
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
# Telegram's ids fit in 64 bits; a longer number is not an id.
TgId = Annotated[int, Field(ge=-(2**63), lt=2**63)]
FileId = Annotated[str, Field(min_length=1, max_length=200)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class TgUser(_Model):
    id: TgId
    is_bot: bool = False


class TgChat(_Model):
    id: TgId
    type: Annotated[str, Field(max_length=20)]


class TgButton(_Model):
    text: str
    callback_data: str | None = None


class TgKeyboard(_Model):
    inline_keyboard: list[list[TgButton]] = []


class TgPhoto(_Model):
    file_id: FileId


class TgLocation(_Model):
    latitude: float = Field(ge=-90, le=90, allow_inf_nan=False)
    longitude: float = Field(ge=-180, le=180, allow_inf_nan=False)


class TgContact(_Model):
    phone_number: Annotated[str, Field(max_length=40)]
    user_id: TgId | None = None


class TgMessage(_Model):
    message_id: TgId
    chat: TgChat
    sender: TgUser | None = Field(default=None, alias="from")
    text: Annotated[str, Field(max_length=TEXT_LIMIT)] | None = None
    caption: Annotated[str, Field(max_length=CAPTION_LIMIT)] | None = None
    photo: list[TgPhoto] = []
    location: TgLocation | None = None
    contact: TgContact | None = None
    reply_markup: TgKeyboard | None = None
    # Kinds the service does not read: only whether they are there matters.
    voice: dict[str, Any] | None = None
    audio: dict[str, Any] | None = None
    video_note: dict[str, Any] | None = None
    sticker: dict[str, Any] | None = None
    document: dict[str, Any] | None = None
    poll: dict[str, Any] | None = None
    video: dict[str, Any] | None = None
    animation: dict[str, Any] | None = None

    def unreadable(self) -> UnreadableKind | None:
        """The kind of what was sent, when it is one the service cannot read."""
        kinds = (
            (self.voice or self.audio or self.video_note, UnreadableKind.VOICE_NOTE),
            (self.sticker, UnreadableKind.STICKER),
            (self.document, UnreadableKind.DOCUMENT),
            (self.poll, UnreadableKind.POLL),
            (self.video or self.animation, UnreadableKind.VIDEO),
            (self.contact, UnreadableKind.CONTACT),
        )
        return next((kind for present, kind in kinds if present is not None), None)

    def label_of(self, data: str) -> str | None:
        """The label of the button on this message that sends `data`."""
        rows = self.reply_markup.inline_keyboard if self.reply_markup else []
        return next((b.text for row in rows for b in row if b.callback_data == data), None)


class TgCallback(_Model):
    id: Annotated[str, Field(max_length=200)]
    data: Annotated[str, Field(max_length=CALLBACK_DATA_LIMIT)] | None = None
    message: TgMessage | None = None


class TgUpdate(_Model):
    """The part of a Bot API update the service reads."""

    update_id: TgId
    message: TgMessage | None = None
    edited_message: TgMessage | None = None
    callback_query: TgCallback | None = None


def _storable_tree(value: Any) -> Any:
    """JSON with every string storable: a lone surrogate (valid JSON, not valid Unicode) becomes
    U+FFFD, so a message that carries one is served rather than refused."""
    if isinstance(value, dict):
        return {key: _storable_tree(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_storable_tree(item) for item in value]
    return storable(value)


def read_update(raw: dict[str, Any]) -> TgUpdate:
    """An update's JSON as the service reads it (unknown fields ignored); ValidationError when
    it is not a Bot API update."""
    return TgUpdate.model_validate(_storable_tree(raw))


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
    nothing_read = text is None and not photos and location is None and own_phone is None
    unreadable = message.unreadable() if nothing_read else None
    if nothing_read and (unreadable is None or in_group):
        return None
    return Inbound(
        channel=Channel.TELEGRAM, provider_message_id=key, sender=sender,
        text=text, media=photos, location=location, shared_phone=own_phone,
        unreadable=unreadable, from_staff_group=in_group, received_at=received_at,
    )  # fmt: skip
