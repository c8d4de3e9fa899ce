"""After a request is done: ask the requester how it went (1–5 and a comment), once, for a day."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from concierge.context import DomainContext
from concierge.database import Base, UTCDateTime
from concierge.errors import DomainError, NotYours
from concierge.i18n import t
from concierge.messages import Choice, MessageTemplate, Reply
from concierge.requests.lifecycle import RequestStatus
from concierge.requests.notifications import (
    language_of,
    request_summary,
    tell_coordinators,
    tell_person,
)
from concierge.requests.request import ServiceRequest, get_request
from concierge.requests.threads import mark_request
from concierge.timers import Timer, TimerKind, set_timer

RATINGS = range(1, 6)
# A rating this low is a complaint: coordinators hear of it the same day.
LOW_RATING = 2


class SurveyStatus(StrEnum):
    """Where the "was everything all right?" question stands."""

    ASKED = "asked"
    ANSWERED = "answered"
    CLOSED = "closed"  # the window passed; nothing more is accepted


class Satisfaction(Base):
    """The requester's verdict on one done request."""

    __tablename__ = "satisfaction"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("requests.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[SurveyStatus] = mapped_column(String(20), default=SurveyStatus.ASKED)
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    commented_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class SurveyClosed(DomainError):
    """The requester answered after the question had closed, or was never asked."""

    key = "error.survey_closed"


def rating_choices(request_id: int) -> tuple[Choice, ...]:
    """The five answers, as choices every channel can render (a digit on SMS and voice)."""
    return tuple(Choice(label=str(n), payload=f"rate:{request_id}:{n}") for n in RATINGS)


async def ask_satisfaction(ctx: DomainContext, timer: Timer) -> None:
    """The follow-up timer fired: ask the requester how it went, and close the question later."""
    request = await ctx.session.get(ServiceRequest, timer.request_id)
    if request is None or request.status != RequestStatus.DONE:
        return
    if await survey_of(ctx, request.id) is not None:
        return
    ctx.session.add(Satisfaction(request_id=request.id, asked_at=ctx.now()))
    requester = request.requester
    lang = language_of(ctx, requester)
    text = t(lang, "survey.ask", summary=request_summary(ctx, request, lang))
    # Outside WhatsApp's 24-hour window only an approved template may go: this is "follow_up",
    # its variable the request in a line.
    template = MessageTemplate(
        name="follow_up", variables={"1": request_summary(ctx, request, lang)}
    )
    reply = Reply(text=text, choices=rating_choices(request.id), template=template)
    await tell_person(
        ctx, requester, request.channel, reply, f"timer:{timer.id}:requester", request.id,
        cooperative_id=request.cooperative_id,
        essential=False,
    )  # fmt: skip
    window = timedelta(hours=ctx.settings.follow_up_window_hours)
    await set_timer(ctx, TimerKind.FOLLOW_UP_CLOSE, ctx.now() + window, request.id)


async def close_satisfaction(ctx: DomainContext, timer: Timer) -> None:
    """The window passed: close the question quietly, answered or not."""
    survey = await survey_of(ctx, timer.request_id)
    if survey is not None:
        survey.status = SurveyStatus.CLOSED


async def survey_of(ctx: DomainContext, request_id: int | None) -> Satisfaction | None:
    """The question asked about a request, if any."""
    return await ctx.session.scalar(
        select(Satisfaction).where(Satisfaction.request_id == request_id)
    )


async def awaiting_answer(ctx: DomainContext, person_id: int) -> Satisfaction | None:
    """The newest open question to a person, to read a bare "4" as its answer."""
    return await ctx.session.scalar(
        select(Satisfaction)
        .join(ServiceRequest, ServiceRequest.id == Satisfaction.request_id)
        .where(
            ServiceRequest.requester_id == person_id,
            Satisfaction.status != SurveyStatus.CLOSED,
        )
        .order_by(Satisfaction.asked_at.desc(), Satisfaction.id.desc())
        .limit(1)
    )


async def _open_survey(ctx: DomainContext, person_id: int, request_id: int) -> Satisfaction:
    request = await get_request(ctx, request_id)
    if request.requester_id != person_id:
        raise NotYours(f"request {request_id} is not {person_id}'s", request_id=request_id)
    survey = await survey_of(ctx, request_id)
    if survey is None or survey.status == SurveyStatus.CLOSED:
        raise SurveyClosed(f"no open question about request {request_id}", request_id=request_id)
    return survey


async def rate_request(
    ctx: DomainContext, person_id: int, request_id: int, rating: int
) -> Satisfaction:
    """Store the requester's 1–5 rating (a second answer replaces the first while open)."""
    if rating not in RATINGS:
        raise ValueError(f"a rating is 1 to 5, not {rating}")
    survey = await _open_survey(ctx, person_id, request_id)
    mark_request(ctx, request_id)
    first_low = rating <= LOW_RATING and (survey.rating is None or survey.rating > LOW_RATING)
    survey.rating = rating
    survey.status = SurveyStatus.ANSWERED
    survey.answered_at = ctx.now()
    await ctx.session.flush()
    if first_low:
        await _alert_low_rating(ctx, survey, "survey.low_rating")
    return survey


async def comment_request(
    ctx: DomainContext, person_id: int, request_id: int, comment: str
) -> Satisfaction:
    """Store the requester's comment, added to any earlier one."""
    survey = await _open_survey(ctx, person_id, request_id)
    mark_request(ctx, request_id)
    text = comment.strip()
    survey.comment = f"{survey.comment}\n{text}".strip() if survey.comment else text
    survey.commented_at = ctx.now()
    await ctx.session.flush()
    if survey.rating is not None and survey.rating <= LOW_RATING:
        await _alert_low_rating(ctx, survey, "survey.low_comment", comment=text)
    return survey


async def _alert_low_rating(
    ctx: DomainContext, survey: Satisfaction, key: str, comment: str = ""
) -> None:
    """Pass a complaint to every coordinator, in their own language."""
    request = await get_request(ctx, survey.request_id)
    # One message per answer: the key changes with each rating or comment stored.
    answered = survey.commented_at if comment else survey.answered_at
    stamp = answered.timestamp() if answered is not None else 0
    await tell_coordinators(
        ctx, key, request, f"survey:{survey.id}:{key}:{stamp}",
        rating=survey.rating, who=request.requester.display_name, comment=comment,
    )  # fmt: skip
