"""Twilio's webhook forms read at the edge: a form Twilio could not have sent is refused with a
reason (a 400, nothing stored), and what it could have sent is read without an error."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

from concierge.messages import MAX_INBOUND_TEXT, Channel, IdentityKind
from concierge.people.person import phone_or_none

WHATSAPP = "whatsapp:"
MAX_MEDIA = 10  # Twilio sends at most ten attachments with a message
MAX_URL = 2000
MAX_SPEECH = 2000
# Twilio's ids are two letters and 32 hex digits; tests and replays use other short tokens.
SID = re.compile(r"[A-Za-z0-9_-]{1,64}")
PLAIN_COUNT = re.compile(r"[0-9]{1,2}")
STATUS = re.compile(r"[a-z_-]{1,20}")  # "delivered", "undelivered", "read" …
# The longest Body each channel delivers: 1,600 characters by SMS, 4,096 on WhatsApp.
BODY_LIMITS = {Channel.SMS: 1600, Channel.WHATSAPP: MAX_INBOUND_TEXT}
KEPT_MEDIA = "image/"  # photos go with a request; other kinds are not kept


class MessageForm(BaseModel):
    """An SMS or WhatsApp message as the service reads it."""

    model_config = ConfigDict(frozen=True)

    sid: str
    sender: str | None  # E.164; None when withheld or not a phone number
    body: str
    media: tuple[str, ...] = ()
    # Attachments came whose kind is not kept (audio, video, documents, contact cards).
    unkept_media: bool = False


class StatusForm(BaseModel):
    """A delivery report on a message the service sent."""

    model_config = ConfigDict(frozen=True)

    sid: str
    status: str
    error: str | None


def read_status(form: dict[str, str]) -> StatusForm | str:
    """The delivery report in a signed status callback, or why it cannot be one."""
    sid, status = form.get("MessageSid", ""), form.get("MessageStatus", "")
    if not SID.fullmatch(sid) or not STATUS.fullmatch(status):
        return "MessageSid or MessageStatus is missing or malformed"
    code = form.get("ErrorCode", "")[:20]
    error = f"Twilio error {code}: message {status}" if code else None
    return StatusForm(sid=sid, status=status, error=error)


class CallerForm(BaseModel):
    """Who is calling: their number, or the call itself when the number is withheld."""

    model_config = ConfigDict(frozen=True)

    kind: IdentityKind
    address: str


def _media(form: dict[str, str]) -> tuple[tuple[str, ...], bool] | str:
    count = form.get("NumMedia", "0") or "0"
    if not PLAIN_COUNT.fullmatch(count) or int(count) > MAX_MEDIA:
        return "NumMedia is not a count of at most ten"
    kept: list[str] = []
    unkept = False
    for index in range(int(count)):
        url = form.get(f"MediaUrl{index}", "")
        if not url or len(url) > MAX_URL:
            return f"MediaUrl{index} is missing or too long"
        if form.get(f"MediaContentType{index}", KEPT_MEDIA).startswith(KEPT_MEDIA):
            kept.append(url)
        else:
            unkept = True
    return tuple(kept), unkept


def read_message(form: dict[str, str], channel: Channel, region: str) -> MessageForm | str:
    """The message in a signed SMS or WhatsApp webhook, or why it cannot be one."""
    sid = form.get("MessageSid", "")
    if not SID.fullmatch(sid):
        return "MessageSid is missing or malformed"
    body = form.get("Body", "")
    if len(body) > BODY_LIMITS.get(channel, MAX_INBOUND_TEXT):
        return "Body is longer than the channel allows"
    media = _media(form)
    if isinstance(media, str):
        return media
    sender = phone_or_none(form.get("From", "").removeprefix(WHATSAPP), region)
    return MessageForm(sid=sid, sender=sender, body=body, media=media[0], unkept_media=media[1])


def read_caller(form: dict[str, str], region: str) -> CallerForm | str:
    """The caller of a signed voice webhook: by number, else (withheld, `client:…`, `sip:…`)
    anonymous for the length of the call; or why the form cannot be a call."""
    call = form.get("CallSid", "")
    if not SID.fullmatch(call):
        return "CallSid is missing or malformed"
    for field, limit in (("SpeechResult", MAX_SPEECH), ("RecordingUrl", MAX_URL)):
        if len(form.get(field, "")) > limit:
            return f"{field} is too long"
    if form.get("RecordingSid") and not SID.fullmatch(form["RecordingSid"]):
        return "RecordingSid is malformed"
    phone = phone_or_none(form.get("From", ""), region)
    if phone is not None:
        return CallerForm(kind=IdentityKind.PHONE, address=phone)
    return CallerForm(kind=IdentityKind.ANONYMOUS_CALL, address=call)
