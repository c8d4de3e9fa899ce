"""The phone line's menu for elderly residents: one key per choice, read back before it counts.

A call is a sequence of events (the call comes in, a key, silence, words, an operator's phone
that rang, a voicemail); each gives the next `VoiceStep`, which the Twilio adapter renders as
TwiML. The call's place in the menu is kept as the caller's conversation on the voice channel.
"""

from __future__ import annotations

from dataclasses import dataclass
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
from concierge.team.catalogue import Catalogue, catalogue_for
from concierge.team.operators import operators_on_duty
from handlers.catalogue_answers import refused_service

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


@dataclass(frozen=True)
class _Line:
    """What the caller's line offers: the keys of the services their cooperative offers, under
    its names, in the caller's language, and whether speech is heard."""

    catalogue: Catalogue
    lang: str
    speech: bool

    def keys(self) -> dict[str, str]:
        """Key → service, for the menu services the cooperative offers (keys never move)."""
        return {key: code for key, code in MENU_KEYS.items() if self.catalogue.offers(code)}

    def name(self, code: str) -> str:
        """A service as the caller's cooperative calls it."""
        entry = self.catalogue.get(code)
        return entry.name(self.lang) if entry is not None else t(self.lang, f"service.{code}.name")

    def menu_text(self) -> str:
        """The usual sentence; read out item by item when the cooperative changed the menu."""
        keys = self.keys()
        as_usual = all(
            self.name(code) == t(self.lang, f"service.{code}.name") for code in keys.values()
        )
        if keys == MENU_KEYS and as_usual:
            return t(self.lang, "voice.menu")
        items = ", ".join(
            t(self.lang, "voice.menu_item", digit=key, service=self.name(code))
            for key, code in keys.items()
        )
        return t(self.lang, "voice.menu_built", items=items)


def _menu(line: _Line, *before: str) -> VoiceStep:
    lines = (*before, line.menu_text())
    if line.speech:
        lines = (*lines, t(line.lang, "voice.menu_speech"))
    keys = "".join(line.keys()) + OPERATOR_KEY
    return VoiceStep(language=line.lang, say=lines, keys=keys, speech=line.speech)


def _confirm(line: _Line, code: str, *before: str) -> VoiceStep:
    question = t(line.lang, "voice.confirm", service=line.name(code))
    return VoiceStep(language=line.lang, say=(*before, question), keys=CONFIRM_KEY + BACK_KEY)


async def _register(ctx: DomainContext, caller: Person, code: str, details: str) -> str:
    request = await create_request(ctx, caller, code, details, Channel.VOICE)
    await offer_next(ctx, request)
    lang = language_of(ctx, caller)
    line = _Line(await catalogue_for(ctx.session, caller), lang, speech=False)
    return t(lang, "voice.registered", id=request.id, service=line.name(code))


def _heard(ctx: DomainContext, line: _Line, speech: str) -> str | None:
    """The service a caller's words ask for among those offered ("other" when unsure); None
    when they ask for one their cooperative does not offer."""
    reading = understand(speech, ctx.now(), ctx.zone, line.lang, line.catalogue.extra_words())
    if refused_service(line.catalogue, reading) is not None:
        return None
    return reading.category if reading.sure else FALLBACK_SERVICE


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
    ctx: DomainContext, event: VoiceEvent, line: _Line, state: dict[str, Any]
) -> VoiceStep:
    lang = line.lang
    if event.kind == VoiceEventKind.SPEECH and event.speech.strip():
        code = _heard(ctx, line, event.speech)
        if code is None:
            return _menu(line, t(lang, "voice.not_offered"))
        state.update(step="confirm", service=code, details=event.speech.strip())
        return _confirm(line, code)
    keys = line.keys()
    if event.key in keys:
        state.update(step="confirm", service=keys[event.key], details="")
        return _confirm(line, keys[event.key])
    if event.key == OPERATOR_KEY:
        return await _ring_next(ctx, lang, state)
    if event.kind == VoiceEventKind.KEY:
        return _menu(line, t(lang, "voice.wrong_key"))
    return _menu(line, t(lang, "voice.no_key"))


async def _on_confirm(
    ctx: DomainContext, caller: Person, event: VoiceEvent, line: _Line, state: dict[str, Any]
) -> VoiceStep:
    code = str(state.get("service", FALLBACK_SERVICE))
    if event.key == CONFIRM_KEY:
        said = await _register(ctx, caller, code, str(state.get("details", "")))
        state.clear()
        return VoiceStep(language=line.lang, say=(said,), hangup=True)
    if event.key == BACK_KEY:
        state.update(step="menu")
        return _menu(line)
    cause = "voice.wrong_key" if event.kind == VoiceEventKind.KEY else "voice.no_key"
    return _confirm(line, code, t(line.lang, cause))


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
    save_state(ctx.session, conversation, state, ctx.now())
    return step


async def _next_step(
    ctx: DomainContext, caller: Person, event: VoiceEvent, lang: str, state: dict[str, Any]
) -> VoiceStep:
    line = _Line(await catalogue_for(ctx.session, caller), lang, ctx.settings.twilio_speech)
    if event.kind == VoiceEventKind.INCOMING:
        state.clear()
        state.update(step="menu", silences=0)
        return _menu(line, _greeting(caller, lang))
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
        return await _on_confirm(ctx, caller, event, line, state)
    return await _on_menu(ctx, event, line, state)
