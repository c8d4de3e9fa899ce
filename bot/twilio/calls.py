"""Calls the service places (the daily check-in on the voice channel): an outbox row on the
voice channel is a call to make. When it is answered, the row's text is read and one key is
gathered; an answering machine, no answer or a busy line is reported to the check-in, which
asks again later."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, Response
from sqlalchemy import select
from twilio.twiml.voice_response import VoiceResponse

from bot.channels import OnInbound
from bot.runtime import Runtime
from bot.twilio.rest import TwilioConnection, place_call
from bot.twilio.signature import signed_form
from bot.twilio.voice import GATHER_SECONDS, TWIML, VOICES
from concierge.checkins.plans import AttemptOutcome
from concierge.checkins.rounds import attempt_unanswered, round_of
from concierge.messages import Channel, Inbound, OutboundMessage, Reply
from concierge.outbox import OutboxMessage, Undeliverable

UNANSWERED = {"no-answer": AttemptOutcome.NO_ANSWER, "busy": AttemptOutcome.BUSY}


class TwilioCalls:
    """The output half of the voice channel: one outbox row → one call."""

    def __init__(self, runtime: Runtime, twilio: TwilioConnection) -> None:
        self._runtime = runtime
        self._twilio = twilio

    async def send(self, message: OutboundMessage) -> str | None:
        """Place the call; Twilio's call id, for the status report that follows."""
        if round_of(message.choices) is None:
            raise Undeliverable("only check-in questions are placed as calls")
        path = f"/twilio/voice/outbox/{message.id}"
        return await place_call(self._twilio, self._runtime.settings, message.address, path)


def _question(row: OutboxMessage, again: bool) -> str:
    message = row.to_message()
    language = VOICES.get(message.language or "it", "it-IT")
    response = VoiceResponse()
    gather = response.gather(
        action=f"/twilio/voice/outbox/{row.id}/key", method="POST", num_digits=1,
        timeout=GATHER_SECONDS, language=language, action_on_empty_result=False,
    )  # fmt: skip
    gather.say(message.text, language=language)
    if not again:  # one more time on silence, then the check-in's own retry takes over
        response.redirect(f"/twilio/voice/outbox/{row.id}?again=1", method="POST")
    response.hangup()
    return str(response)


def _keyed(row: OutboxMessage, digit: str, now: datetime) -> Inbound | None:
    """The key pressed on a call the service placed, as the choice it picks among the call's
    question; the dialogue layer checks the choice was offered to the person called."""
    choices = row.to_message().choices
    index = int(digit) - 1 if digit.isascii() and digit.isdigit() else -1
    if not 0 <= index < len(choices):
        return None
    return Inbound(
        channel=Channel.VOICE, provider_message_id=f"call:{row.id}:key", sender=row.address,
        choice=choices[index].payload, received_at=now,
    )  # fmt: skip


def _spoken(answers: tuple[Reply, ...], row: OutboxMessage) -> str:
    """The dialogue's answers read out, then the call ends."""
    response = VoiceResponse()
    for answer in answers:
        response.say(answer.text, language=VOICES.get(row.language or "it", "it-IT"))
    response.hangup()
    return str(response)


async def _signed_row(
    runtime: Runtime, request: Request, row_id: int
) -> tuple[dict[str, str], OutboxMessage] | Response:
    """Twilio's form and the call's outbox row, or the refusal to answer with."""
    form = await signed_form(runtime.settings, request)
    if form is None:
        return Response(status_code=403)
    async with runtime.sessions() as session:
        row = await session.get(OutboxMessage, row_id)
    return (form, row) if row is not None else Response(status_code=404)


def calls_router(runtime: Runtime, on_inbound: OnInbound) -> APIRouter:
    """The webhooks of calls the service placed; 403 without Twilio's signature."""
    router = APIRouter()
    settings = runtime.settings

    @router.post("/twilio/voice/outbox/{row_id}", include_in_schema=False)
    async def answered(request: Request, row_id: int) -> Response:
        signed = await _signed_row(runtime, request, row_id)
        if isinstance(signed, Response):
            return signed
        form, row = signed
        round_id = round_of(row.to_message().choices)
        if form.get("AnsweredBy", "human").startswith(("machine", "fax")) and round_id:
            async with runtime.unit() as ctx:
                await attempt_unanswered(ctx, round_id, AttemptOutcome.MACHINE)
            hang_up = VoiceResponse()
            hang_up.hangup()
            return Response(content=str(hang_up), media_type=TWIML)
        again = request.query_params.get("again") == "1"
        return Response(content=_question(row, again), media_type=TWIML)

    @router.post("/twilio/voice/outbox/{row_id}/key", include_in_schema=False)
    async def key(request: Request, row_id: int) -> Response:
        signed = await _signed_row(runtime, request, row_id)
        if isinstance(signed, Response):
            return signed
        form, row = signed
        inbound = _keyed(row, form.get("Digits", "")[:1], runtime.clock.now())
        if inbound is None:  # not one of the keys offered: the question once more
            return Response(content=_question(row, again=False), media_type=TWIML)
        handled = await on_inbound(inbound)
        return Response(content=_spoken(handled.answers, row), media_type=TWIML)

    @router.post("/twilio/voice/call-status", include_in_schema=False)
    async def call_status(request: Request) -> Response:
        form = await signed_form(settings, request)
        if form is None:
            return Response(status_code=403)
        outcome = UNANSWERED.get(form.get("CallStatus", ""))
        if outcome is None:
            return Response(status_code=204)
        async with runtime.unit() as ctx:
            row = await ctx.session.scalar(
                select(OutboxMessage).where(OutboxMessage.provider_id == form.get("CallSid"))
            )
            round_id = round_of(row.to_message().choices) if row is not None else None
            if round_id is not None:
                await attempt_unanswered(ctx, round_id, outcome)
        return Response(status_code=204)

    return router
