"""The channel-neutral contracts: what comes in (`Inbound`) and what goes out (`Reply`)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

# The longest text a person can send on any channel (Telegram and WhatsApp allow 4,096).
MAX_INBOUND_TEXT = 4096
# The longest text people may write in the web chat: the longest any channel reads.
TEXT_LIMIT = MAX_INBOUND_TEXT


class Channel(StrEnum):
    """Every way a person reaches the service."""

    WEBCHAT = "webchat"
    TELEGRAM = "telegram"
    SMS = "sms"
    WHATSAPP = "whatsapp"
    VOICE = "voice"


class IdentityKind(StrEnum):
    """How a person is addressed: by phone number (E.164) or by Telegram chat id."""

    PHONE = "phone"
    TELEGRAM = "telegram"
    # A caller whose number is withheld or not a phone number: known only for one call (by the
    # provider's call id), with no number to call back.
    ANONYMOUS_CALL = "anonymous_call"


def identity_kind(channel: Channel) -> IdentityKind:
    """Which identity a channel's sender address is."""
    # `==`, not `is`: a channel read back from the database is a plain string.
    return IdentityKind.TELEGRAM if channel == Channel.TELEGRAM else IdentityKind.PHONE


def storable(value: object) -> object:
    """A text as every database stores it: a lone surrogate (valid JSON, invalid UTF-8) becomes
    U+FFFD and a NUL (refused by PostgreSQL) is dropped; other values are left to validation."""
    if not isinstance(value, str):
        return value
    if value.isascii():
        return value.replace("\x00", "")
    return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace").replace("\x00", "")


Storable = BeforeValidator(storable)


class UnreadableKind(StrEnum):
    """What a person can send that the service does not read; they are told what it reads."""

    VOICE_NOTE = "voice_note"
    STICKER = "sticker"
    DOCUMENT = "document"
    CONTACT = "contact"
    POLL = "poll"
    VIDEO = "video"
    MEDIA = "media"  # any other attachment kind (MMS/WhatsApp audio, video, files, cards)


class Location(BaseModel):
    """A shared position."""

    model_config = ConfigDict(frozen=True)

    latitude: float = Field(ge=-90, le=90, allow_inf_nan=False)
    longitude: float = Field(ge=-180, le=180, allow_inf_nan=False)


class CallEventKind(StrEnum):
    """What happened on a phone call a person made to the service."""

    INCOMING = "incoming"
    KEY = "key"
    SPEECH = "speech"
    SILENCE = "silence"
    DIALLED = "dialled"  # an operator's phone rang; `answered` says whether they took it
    VOICEMAIL = "voicemail"


class CallEvent(BaseModel):
    """One step of a call to the voice menu: the keys and words travel in it, the spoken words
    also as the Inbound's text and a voicemail's recording as its media."""

    model_config = ConfigDict(frozen=True)

    kind: CallEventKind
    key: str = Field(default="", max_length=1)
    answered: bool = False
    recording_id: str = Field(default="", max_length=64)  # the provider's id: handled once
    withheld: bool = False  # no number to call back: the sender is the call's own id


class Inbound(BaseModel):
    """One message from a person, whatever the channel it came by."""

    model_config = ConfigDict(frozen=True)

    channel: Channel
    provider_message_id: Annotated[str, Storable, Field(min_length=1, max_length=200)]
    sender: Annotated[str, Storable, Field(min_length=1, max_length=100)]
    text: Annotated[str, Storable, Field(max_length=MAX_INBOUND_TEXT)] | None = None
    choice: Annotated[str, Storable, Field(max_length=200)] | None = None
    # "<channel>:<provider reference>": a URL of up to 2,000 characters and its prefix.
    media: tuple[Annotated[str, Storable, Field(max_length=2100)], ...] = ()
    # What was sent that the service cannot read (a voice note, a sticker …), if that was all.
    unreadable: UnreadableKind | None = None
    location: Location | None = None
    # A phone number the sender shared as their own (Telegram's "share contact").
    shared_phone: Annotated[str, Storable, Field(max_length=40)] | None = None
    # The person changed a message already sent (Telegram's edits): it is not read again.
    edited: bool = False
    # Written in a staff group the service is configured to read, not in a private chat.
    from_staff_group: bool = False
    # A step of a call to the voice menu, answered at once by the channel (TwiML), not by text.
    call: CallEvent | None = None
    received_at: AwareDatetime


class Choice(BaseModel):
    """One option offered to the person: what they read and what comes back when chosen."""

    model_config = ConfigDict(frozen=True)

    label: str = Field(min_length=1, max_length=100)
    payload: str = Field(min_length=1, max_length=64)


class MessageTemplate(BaseModel):
    """A pre-approved message by name, for channels that accept only those at times (WhatsApp
    outside its 24-hour window); the variables fill its numbered placeholders."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1, max_length=60)
    variables: dict[str, str] = {}


class Reply(BaseModel):
    """A text with optional choices; each channel renders the choices natively."""

    model_config = ConfigDict(frozen=True)

    text: str = Field(min_length=1)
    choices: tuple[Choice, ...] = ()
    # Attachments as "<channel>:<provider reference>"; a channel shows those it can, the text
    # says how many there are for the others.
    media: tuple[str, ...] = ()
    template: MessageTemplate | None = None
    # Holds a sealed note opened for its reader: the outbox drops the text once delivered.
    private: bool = False


class OutboundMessage(BaseModel):
    """An outbox row as the channel senders see it."""

    model_config = ConfigDict(frozen=True)

    id: int
    channel: Channel
    address: str
    text: str
    choices: tuple[Choice, ...] = ()
    media: tuple[str, ...] = ()
    template: MessageTemplate | None = None
    language: str | None = None  # the language the text is in, for what a channel adds to it
    person_id: int | None = None
    dedupe_key: str
    created_at: datetime
