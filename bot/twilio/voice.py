"""The phone line: Twilio's voice webhooks in, TwiML (Twilio's `VoiceResponse`) out.

Each webhook becomes one `Inbound` carrying a `CallEvent`, handed to `on_inbound` like every
channel's messages; the voice menu's answer (`Handled.voice`, a `VoiceStep`) becomes TwiML. A
question is a <Gather> of one key whose silence falls through to a <Redirect>, so a caller who
presses nothing hears the menu again.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Request, Response
from twilio.twiml.voice_response import VoiceResponse

from bot.channels import OnInbound
from bot.runtime import Runtime
from bot.twilio.payload import CallerForm, read_caller
from bot.twilio.signature import signed_form
from concierge.messages import CallEvent, CallEventKind, Channel, IdentityKind, Inbound
from handlers.voice_menu import VoiceStep

VOICES = {"it": "it-IT", "en": "en-GB"}  # Twilio's language codes for <Say> and <Gather>
GATHER_SECONDS = 6  # a key not pressed in this long is silence
VOICEMAIL_SECONDS = 120
TWIML = "application/xml"


def render(step: VoiceStep, dial_timeout: int, caller_id: str | None) -> str:
    """A step of the voice menu as TwiML."""
    response = VoiceResponse()
    language = VOICES.get(step.language, "it-IT")
    if step.keys:
        gather = response.gather(
            action="/twilio/voice/key", method="POST", num_digits=1, timeout=GATHER_SECONDS,
            input="dtmf speech" if step.speech else "dtmf",
            language=language, action_on_empty_result=False,
        )  # fmt: skip
        for line in step.say:
            gather.say(line, language=language)
        response.redirect("/twilio/voice/silence", method="POST")
        return str(response)
    for line in step.say:
        response.say(line, language=language)
    if step.dial:
        dial = response.dial(
            action="/twilio/voice/dialled", method="POST", timeout=dial_timeout, caller_id=caller_id
        )
        dial.number(step.dial)
    if step.record:
        response.record(
            action="/twilio/voice/voicemail", method="POST", max_length=VOICEMAIL_SECONDS,
            play_beep=True, timeout=5,
        )  # fmt: skip
    if step.hangup:
        response.hangup()
    return str(response)


def _call_event(path: str, form: dict[str, str]) -> CallEvent:
    if path == "voicemail":
        return CallEvent(kind=CallEventKind.VOICEMAIL, recording_id=form.get("RecordingSid", ""))
    if path == "dialled":
        answered = form.get("DialCallStatus") == "completed"
        return CallEvent(kind=CallEventKind.DIALLED, answered=answered)
    if path == "silence":
        return CallEvent(kind=CallEventKind.SILENCE)
    if path == "key":
        if form.get("SpeechResult"):
            return CallEvent(kind=CallEventKind.SPEECH)
        return CallEvent(kind=CallEventKind.KEY, key=form.get("Digits", "")[:1])
    return CallEvent(kind=CallEventKind.INCOMING)


def _inbound(path: str, form: dict[str, str], caller: CallerForm, now: datetime) -> Inbound:
    """A step of the call as the one input contract: the event, with the words said as text
    and a voicemail's recording as media."""
    event = _call_event(path, form).model_copy(
        update={"withheld": caller.kind == IdentityKind.ANONYMOUS_CALL}
    )
    recording = form.get("RecordingUrl", "") if event.kind == CallEventKind.VOICEMAIL else ""
    # Only a recording is read once (by its id); the other steps of a call are not repeated.
    key = (
        f"recording:{event.recording_id}"
        if event.recording_id
        else f"call:{form.get('CallSid', '')}:{path}:{uuid.uuid4().hex}"
    )
    speech = form.get("SpeechResult") if event.kind == CallEventKind.SPEECH else None
    return Inbound(
        channel=Channel.VOICE, provider_message_id=key[:200], sender=caller.address, text=speech,
        media=(recording,) if recording else (), call=event, received_at=now,
    )  # fmt: skip


def voice_router(runtime: Runtime, on_inbound: OnInbound) -> APIRouter:
    """POST /twilio/voice and its follow-ups; 403 without Twilio's signature."""
    router = APIRouter()
    settings = runtime.settings

    @router.post("/twilio/voice", include_in_schema=False)
    @router.post("/twilio/voice/{event}", include_in_schema=False)
    async def voice(request: Request, event: str = "incoming") -> Response:
        form = await signed_form(settings, request)
        if form is None:
            return Response(status_code=403)
        caller = read_caller(form, settings.default_region)
        if isinstance(caller, str):
            return Response(caller, status_code=400, media_type="text/plain")
        handled = await on_inbound(_inbound(event, form, caller, runtime.clock.now()))
        step = handled.voice or VoiceStep(language=settings.default_language, hangup=True)
        twiml = render(step, settings.twilio_dial_timeout_seconds, settings.twilio_phone_number)
        return Response(content=twiml, media_type=TWIML)

    return router
