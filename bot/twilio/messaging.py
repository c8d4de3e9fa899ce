"""SMS and WhatsApp through Twilio: signed webhooks in, the outbox out by the REST API.

Choices go out as a numbered list and come back as a digit, which the dialogue layer reads as
the choice of the last question the person has not answered yet (handlers/choices.py).
WhatsApp accepts free text only within 24 hours of the person's last message; outside it an
approved template goes instead, and a message with neither is given up and left visible to
coordinators.
"""

from __future__ import annotations

import json
from datetime import timedelta

from fastapi import APIRouter, Request, Response
from twilio.base.exceptions import TwilioRestException
from twilio.twiml.messaging_response import MessagingResponse

from bot.channels import OnInbound
from bot.pacing import Pace
from bot.runtime import Runtime
from bot.twilio.payload import WHATSAPP, MessageForm, read_message, read_status
from bot.twilio.rest import TwilioConnection, delivery_error
from bot.twilio.signature import signed_form
from concierge.database import transaction
from concierge.i18n import t
from concierge.messages import Channel, Inbound, OutboundMessage, UnreadableKind
from concierge.outbox import RetryAfter, Undeliverable, record_delivery
from concierge.people.conversations import last_received_at

WHATSAPP_WINDOW = timedelta(hours=24)
MEDIA_PREFIX = "twilio:"


def numbered(message: OutboundMessage, default_language: str) -> str:
    """The text with its choices as a numbered list, answered with a digit."""
    if not message.choices:
        return message.text
    lines = [f"{index}. {choice.label}" for index, choice in enumerate(message.choices, 1)]
    hint = t(message.language or default_language, "choices.reply_with_number")
    return "\n".join([message.text, "", *lines, hint])


def _inbound(message: MessageForm, channel: Channel, runtime: Runtime) -> Inbound:
    assert message.sender is not None
    text = message.body or None
    only_unkept = message.unkept_media and text is None and not message.media
    return Inbound(
        channel=channel,
        provider_message_id=message.sid,
        sender=message.sender,
        text=text,
        media=tuple(f"{MEDIA_PREFIX}{url}" for url in message.media),
        unreadable=UnreadableKind.MEDIA if only_unkept else None,
        received_at=runtime.clock.now(),
    )


def _answer_hidden_sender(language: str) -> Response:
    """A message from a hidden or non-phone sender cannot be answered later through the outbox
    (there is no number to write to): Twilio takes the one answer back in its own reply."""
    response = MessagingResponse()
    response.message(t(language, "anonymous.messaging"))
    return Response(content=str(response), media_type="application/xml")


def messaging_router(runtime: Runtime, on_inbound: OnInbound) -> APIRouter:
    """POST /twilio/sms, /twilio/whatsapp and /twilio/status; 403 without Twilio's signature."""
    router = APIRouter()
    settings = runtime.settings

    async def receive(request: Request, channel: Channel) -> Response:
        form = await signed_form(settings, request)
        if form is None:
            return Response(status_code=403)
        message = read_message(form, channel, settings.default_region)
        if isinstance(message, str):
            return Response(message, status_code=400, media_type="text/plain")
        if message.sender is None:
            return _answer_hidden_sender(settings.default_language)
        await on_inbound(_inbound(message, channel, runtime))
        # Answers go through the outbox; Twilio is told only that the message arrived.
        return Response(content=str(MessagingResponse()), media_type="application/xml")

    @router.post("/twilio/sms", include_in_schema=False)
    async def sms(request: Request) -> Response:
        return await receive(request, Channel.SMS)

    @router.post("/twilio/whatsapp", include_in_schema=False)
    async def whatsapp(request: Request) -> Response:
        return await receive(request, Channel.WHATSAPP)

    @router.post("/twilio/status", include_in_schema=False)
    async def status(request: Request) -> Response:
        form = await signed_form(settings, request)
        if form is None:
            return Response(status_code=403)
        report = read_status(form)
        if isinstance(report, str):
            return Response(report, status_code=400, media_type="text/plain")
        async with transaction(runtime.sessions) as session:
            await record_delivery(session, report.sid, report.status, report.error)
        return Response(status_code=204)

    return router


class TwilioMessaging:
    """The output half for SMS or WhatsApp: one outbox row → one Twilio message."""

    def __init__(self, runtime: Runtime, twilio: TwilioConnection, channel: Channel) -> None:
        self._runtime = runtime
        self._twilio = twilio
        self._channel = channel
        settings = runtime.settings
        number = (
            settings.twilio_whatsapp_number
            if channel == Channel.WHATSAPP
            else settings.twilio_phone_number
        )
        if not number:
            raise ValueError(f"no Twilio number configured for {channel}")
        self._from = f"{WHATSAPP}{number}" if channel == Channel.WHATSAPP else number
        # Twilio refuses (20429) or queues what a number sends too fast: keep under its rate,
        # sends spaced evenly (they may overlap: one slow answer does not halve the rate).
        self._pace = Pace(settings.twilio_messages_per_second)

    async def _in_window(self, message: OutboundMessage) -> bool:
        if message.person_id is None:
            return False
        async with self._runtime.sessions() as session:
            last = await last_received_at(session, Channel.WHATSAPP, message.person_id)
        return last is not None and self._runtime.clock.now() - last < WHATSAPP_WINDOW

    async def _content(self, message: OutboundMessage) -> dict[str, str]:
        settings = self._runtime.settings
        if self._channel != Channel.WHATSAPP or await self._in_window(message):
            return {"body": numbered(message, settings.default_language)}
        template = message.template
        sid = settings.twilio_whatsapp_templates.get(template.name) if template else None
        if template is None or sid is None:
            name = template.name if template else "-"
            raise Undeliverable(
                f"outside WhatsApp's 24-hour window and no approved template ({name}) configured"
            )
        return {
            "content_sid": sid,
            "content_variables": json.dumps(template.variables, ensure_ascii=False),
        }

    async def send(self, message: OutboundMessage) -> str | None:
        """Send one message; Twilio's id for it, for the delivery reports that follow."""
        content = await self._content(message)
        to = (
            f"{WHATSAPP}{message.address}" if self._channel == Channel.WHATSAPP else message.address
        )
        base = self._runtime.settings.public_base_url
        callback = {"status_callback": f"{base.rstrip('/')}/twilio/status"} if base else {}
        async with self._pace.turn():
            try:
                sent = await self._twilio.client.messages.create_async(
                    to=to, from_=self._from, **content, **callback
                )
            except TwilioRestException as exc:
                error = delivery_error(exc)
                if isinstance(error, RetryAfter):  # the whole number waits, not just this row
                    self._pace.hold(None, error.seconds)
                raise error from exc
        return str(sent.sid)
