"""The phone line's menu for elderly residents: one key per choice, read back before it counts.

A call is a sequence of events (the call comes in, a key, silence, words, an operator's phone
that rang, a voicemail); each gives the next `VoiceStep`, which the Twilio adapter renders as
TwiML. The call's place in the menu is kept as the caller's conversation on the voice channel.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from concierge.context import DomainContext
from concierge.i18n import t
from concierge.intake.understanding import FALLBACK_SERVICE, understand
from concierge.messages import CallEventKind, Channel, IdentityKind, Inbound
from concierge.people.conversations import (
    already_received,
    load_conversation,
    record_inbound,
    save_state,
)
from concierge.people.person import Person, find_or_register
from concierge.requests.notifications import language_of
from concierge.requests.request import create_request
from concierge.routing.assignment import offer_next
from concierge.routing.opening_hours import reopens_at
from concierge.team.operators import operators_on_duty

# Key → service, in the order the menu reads them.
MENU_KEYS: dict[str, str] = {"1": "prescription", "2": "shopping", "3": "parcel", "4": "other"}
OPERATOR_KEY = "0"
CONFIRM_KEY, BACK_KEY = "1", "2"
MAX_SILENCES = 3  # in a row: then the call ends politely rather than looping for ever


# The events of a call are the input contract's (concierge.messages.CallEventKind).
VoiceEventKind = CallEventKind


class VoiceEvent(BaseModel):
    """One event of a call."""

    model_config = ConfigDict(frozen=True)

    kind: VoiceEventKind
    caller: str  # the caller's number, E.164; the call's id when the number is withheld
    caller_kind: IdentityKind = IdentityKind.PHONE
    key: str = ""
    speech: str = ""
    answered: bool = False
    recording_url: str = ""
    event_id: str = ""  # the provider's id where it has one (a recording): handled once


class VoiceStep(BaseModel):
    """What the line does next: say lines, then wait for one of `keys`, ring a phone, record a
    message, or hang up."""

    model_config = ConfigDict(frozen=True)

    language: str
    say: tuple[str, ...] = ()
    keys: str = ""  # keys a <Gather> accepts; empty: no question
    speech: bool = False  # words are accepted too
    dial: str = ""  # a number to ring
    record: bool = False
    hangup: bool = False


def voice_event(inbound: Inbound) -> VoiceEvent:
    """The call event an Inbound on the voice channel carries, as the menu reads it."""
    call = inbound.call
    if call is None:
        raise ValueError("not a step of a call")
    return VoiceEvent(
        kind=call.kind, caller=inbound.sender, key=call.key, speech=inbound.text or "",
        caller_kind=IdentityKind.ANONYMOUS_CALL if call.withheld else IdentityKind.PHONE,
        answered=call.answered, recording_url=inbound.media[0] if inbound.media else "",
        event_id=call.recording_id,
    )  # fmt: skip


def _menu(lang: str, speech: bool, *before: str) -> VoiceStep:
    lines = (*before, t(lang, "voice.menu"))
    if speech:
        lines = (*lines, t(lang, "voice.menu_speech"))
    return VoiceStep(
        language=lang, say=lines, keys="".join(MENU_KEYS) + OPERATOR_KEY, speech=speech
    )


def _service_name(code: str, lang: str) -> str:
    return t(lang, f"service.{code}.name")


def _confirm(lang: str, code: str, *before: str) -> VoiceStep:
    question = t(lang, "voice.confirm", service=_service_name(code, lang))
    return VoiceStep(language=lang, say=(*before, question), keys=CONFIRM_KEY + BACK_KEY)


async def _register(ctx: DomainContext, caller: Person, code: str, details: str) -> str:
    request = await create_request(ctx, caller, code, details, Channel.VOICE)
    await offer_next(ctx, request)
    lang = language_of(ctx, caller)
    return t(lang, "voice.registered", id=request.id, service=_service_name(code, lang))


async def _operator_numbers(ctx: DomainContext) -> list[str]:
    on_duty = await operators_on_duty(ctx.session, ctx.now(), ctx.calendar)
    numbers = (op.person.address_for(IdentityKind.PHONE) for op in on_duty if not op.paused)
    return [number for number in numbers if number]


async def _ring_next(ctx: DomainContext, lang: str, state: dict[str, Any]) -> VoiceStep:
    """Ring the next operator on duty; when none is left (or the service is closed), the
    caller leaves a message that becomes a request to call them back."""
    numbers = await _operator_numbers(ctx)
    index = int(state.get("rung", 0))
    if await reopens_at(ctx) is not None:
        state.update(step="voicemail")
        return VoiceStep(language=lang, say=(t(lang, "voice.voicemail_closed"),), record=True)
    if index < len(numbers):
        state.update(step="dialling", rung=index + 1)
        before = (t(lang, "voice.connecting"),) if index == 0 else ()
        return VoiceStep(language=lang, say=before, dial=numbers[index])
    state.update(step="voicemail")
    return VoiceStep(language=lang, say=(t(lang, "voice.voicemail_busy"),), record=True)


async def _on_menu(
    ctx: DomainContext, event: VoiceEvent, lang: str, state: dict[str, Any]
) -> VoiceStep:
    speech = ctx.settings.twilio_speech
    if event.kind == VoiceEventKind.SPEECH and event.speech.strip():
        reading = understand(event.speech, ctx.now(), ctx.zone, lang)
        code = reading.category if reading.sure else FALLBACK_SERVICE
        state.update(step="confirm", service=code, details=event.speech.strip())
        return _confirm(lang, code)
    if event.key in MENU_KEYS:
        state.update(step="confirm", service=MENU_KEYS[event.key], details="")
        return _confirm(lang, MENU_KEYS[event.key])
    if event.key == OPERATOR_KEY:
        return await _ring_next(ctx, lang, state)
    if event.kind == VoiceEventKind.KEY:
        return _menu(lang, speech, t(lang, "voice.wrong_key"))
    return _menu(lang, speech, t(lang, "voice.no_key"))


async def _on_confirm(
    ctx: DomainContext, caller: Person, event: VoiceEvent, lang: str, state: dict[str, Any]
) -> VoiceStep:
    code = str(state.get("service", FALLBACK_SERVICE))
    if event.key == CONFIRM_KEY:
        said = await _register(ctx, caller, code, str(state.get("details", "")))
        state.clear()
        return VoiceStep(language=lang, say=(said,), hangup=True)
    if event.key == BACK_KEY:
        state.update(step="menu")
        return _menu(lang, ctx.settings.twilio_speech)
    cause = "voice.wrong_key" if event.kind == VoiceEventKind.KEY else "voice.no_key"
    return _confirm(lang, code, t(lang, cause))


def _greeting(caller: Person, lang: str) -> str:
    if caller.first_name:
        return t(lang, "voice.greeting_known", name=caller.first_name)
    return t(lang, "voice.greeting_unknown")


async def answer_call(ctx: DomainContext, event: VoiceEvent) -> VoiceStep:
    """The next step of a call. An unknown caller is registered by number and served alike; a
    withheld one is known for this call only, and what they ask is marked as having no number
    to call back (their person has no phone)."""
    caller, _ = await find_or_register(ctx.session, event.caller_kind, event.caller, ctx.now())
    lang = language_of(ctx, caller)
    conversation = await load_conversation(ctx.session, caller.id, Channel.VOICE, ctx.now())
    state = dict(conversation.state)
    step = await _next_step(ctx, caller, event, lang, state)
    save_state(conversation, state, ctx.now())
    return step


async def _next_step(
    ctx: DomainContext, caller: Person, event: VoiceEvent, lang: str, state: dict[str, Any]
) -> VoiceStep:
    if event.kind == VoiceEventKind.INCOMING:
        state.clear()
        state.update(step="menu", silences=0)
        return _menu(lang, ctx.settings.twilio_speech, _greeting(caller, lang))
    if event.kind == VoiceEventKind.VOICEMAIL:
        thanks = VoiceStep(language=lang, say=(t(lang, "voice.voicemail_thanks"),), hangup=True)
        received = Inbound(
            channel=Channel.VOICE, provider_message_id=f"recording:{event.event_id}",
            sender=event.caller, text=event.recording_url, received_at=ctx.now(),
        )  # fmt: skip
        if event.event_id and await already_received(ctx.session, received):
            return thanks  # Twilio sent the same recording twice: one request is enough
        await record_inbound(ctx.session, received, caller.id)
        details = t(ctx.default_language, "voice.voicemail_details")
        request = await create_request(
            ctx, caller, FALLBACK_SERVICE, details, Channel.VOICE,
            attachments=(event.recording_url,) if event.recording_url else (),
        )  # fmt: skip
        await offer_next(ctx, request)
        state.clear()
        return thanks
    if event.kind == VoiceEventKind.DIALLED:
        if event.answered:
            state.clear()
            return VoiceStep(language=lang, hangup=True)
        return await _ring_next(ctx, lang, state)
    if event.kind == VoiceEventKind.SILENCE:
        state["silences"] = int(state.get("silences", 0)) + 1
        if state["silences"] >= MAX_SILENCES:
            state.clear()
            return VoiceStep(language=lang, say=(t(lang, "voice.goodbye"),), hangup=True)
    else:
        state["silences"] = 0  # only silences in a row end a call
    if state.get("step") == "confirm":
        return await _on_confirm(ctx, caller, event, lang, state)
    return await _on_menu(ctx, event, lang, state)
