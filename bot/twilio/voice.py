"""The phone line: Twilio's voice webhooks in, TwiML (Twilio's `VoiceResponse`) out.

Each webhook becomes one `VoiceEvent` for the voice menu; its `VoiceStep` becomes TwiML. A
question is a <Gather> of one key whose silence falls through to a <Redirect>, so a caller who
presses nothing hears the menu again.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request, Response
from twilio.twiml.voice_response import VoiceResponse

from bot.runtime import Runtime
from bot.twilio.payload import CallerForm, read_caller
from bot.twilio.signature import signed_form
from handlers.voice_menu import VoiceEvent, VoiceEventKind, VoiceStep, answer_call

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


def _event(path: str, form: dict[str, str], who: CallerForm) -> VoiceEvent:
    caller = {"caller": who.address, "caller_kind": who.kind}
    if path == "voicemail":
        return VoiceEvent(
            kind=VoiceEventKind.VOICEMAIL, **caller, event_id=form.get("RecordingSid", ""),
            recording_url=form.get("RecordingUrl", ""),
        )  # fmt: skip
    if path == "dialled":
        answered = form.get("DialCallStatus") == "completed"
        return VoiceEvent(kind=VoiceEventKind.DIALLED, **caller, answered=answered)
    if path == "silence":
        return VoiceEvent(kind=VoiceEventKind.SILENCE, **caller)
    if path == "key":
        if form.get("SpeechResult"):
            return VoiceEvent(kind=VoiceEventKind.SPEECH, **caller, speech=form["SpeechResult"])
        return VoiceEvent(kind=VoiceEventKind.KEY, **caller, key=form.get("Digits", "")[:1])
    return VoiceEvent(kind=VoiceEventKind.INCOMING, **caller)


def voice_router(runtime: Runtime, after_commit: Callable[[], None]) -> APIRouter:
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
        async with runtime.unit() as ctx:
            step = await answer_call(ctx, _event(event, form, caller))
        after_commit()
        twiml = render(step, settings.twilio_dial_timeout_seconds, settings.twilio_phone_number)
        return Response(content=twiml, media_type=TWIML)

    return router
