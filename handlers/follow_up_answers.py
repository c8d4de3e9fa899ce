"""Answers to "was everything all right?": a 1–5 rating (tapped or typed), then a comment."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from concierge.intake.understanding import understand
from concierge.messages import Choice, Reply
from concierge.requests.satisfaction import (
    RATINGS,
    SurveyStatus,
    awaiting_answer,
    comment_request,
    rate_request,
    survey_of,
)
from handlers.turn import Command, Outcome, State, Turn, command_of, number_in, state_as


class CommentState(BaseModel):
    """The requester rated a request and may add a comment about it."""

    step: Literal["comment"]
    request_id: int


def _a_new_request(turn: Turn) -> bool:
    """Whether a text asks for something ("mi serve la spesa domani") rather than comments on
    the last one ("la spesa era perfetta"): a clear service and a day."""
    text = turn.inbound.text or ""
    reading = understand(text, turn.ctx.now(), turn.ctx.zone, turn.person.language)
    return reading.sure and reading.when is not None


def _rating_payload(choice: str) -> tuple[int, int] | None:
    parts = choice.split(":")
    if len(parts) != 3 or parts[0] != "rate":
        return None
    request_id, rating = number_in(parts[1]), number_in(parts[2])
    return (request_id, rating) if request_id is not None and rating is not None else None


def _typed_rating(text: str) -> int | None:
    stripped = text.strip().removesuffix("/5").strip()
    rating = number_in(stripped)
    return rating if rating in RATINGS else None


async def _rated(turn: Turn, request_id: int, rating: int) -> Outcome:
    await rate_request(turn.ctx, turn.person.id, request_id, rating)
    skip = Choice(label=turn.text("choice.no_comment"), payload="comment:skip")
    key = "survey.thanks_low" if rating <= 2 else "survey.thanks"
    state = CommentState(step="comment", request_id=request_id).model_dump()
    return state, [Reply(text=turn.text(key), choices=(skip,))]


async def handle_follow_up(turn: Turn, state: State) -> Outcome | None:
    """The turn, if it answers a follow-up question; None to let the intake dialogue have it."""
    choice = turn.inbound.choice or ""
    text = (turn.inbound.text or "").strip()
    rated = _rating_payload(choice)
    if rated is not None:
        return await _rated(turn, *rated)

    commenting = state_as(CommentState, state)
    if commenting is not None:
        command = command_of(text)
        if choice == "comment:skip" or command is Command.NO:
            return {}, [turn.reply("survey.bye")]
        survey = await survey_of(turn.ctx, commenting.request_id)
        still_open = survey is not None and survey.status != SurveyStatus.CLOSED
        if text and command is None and not choice and still_open and not _a_new_request(turn):
            await comment_request(turn.ctx, turn.person.id, commenting.request_id, text)
            return {}, [turn.reply("survey.comment_saved")]
        state.clear()  # a command, a new request, or too late: the comment is not given
        return None

    # A bare digit is a rating only between dialogues: while telling a request it is a detail.
    typed = _typed_rating(text) if state.get("step") in (None, "idle") and not choice else None
    if typed is not None:
        survey = await awaiting_answer(turn.ctx, turn.person.id)
        if survey is not None:
            return await _rated(turn, survey.request_id, typed)
    return None
