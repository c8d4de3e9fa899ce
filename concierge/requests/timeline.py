"""A request's timeline as people read it: each change, who made it, and the requester's verdict."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from concierge.context import DomainContext
from concierge.i18n import t
from concierge.people.person import Person
from concierge.requests.lifecycle import RequestStatus
from concierge.requests.offers import Offer
from concierge.requests.request import RequestEvent, get_request
from concierge.requests.satisfaction import SurveyStatus, survey_of
from concierge.requests.task_reports import reports_on
from concierge.team.coordinators import Coordinator
from concierge.team.operators import Operator
from concierge.team.users import User

# Why a request went back to the queue is worth a word; the other reasons repeat the status.
_REASON_KEYS = {"declined": "timeline.declined", "offer timed out": "timeline.timed_out"}


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a request's history."""

    at: datetime
    text: str


async def _actor(ctx: DomainContext, event: RequestEvent, lang: str) -> str:
    if event.actor_kind == "person" and event.actor_id is not None:
        person = await ctx.session.get(Person, event.actor_id)
        return person.display_name if person else "?"
    if event.actor_kind == "coordinator" and event.actor_id is not None:
        coordinator = await ctx.session.get(Coordinator, event.actor_id)
        return coordinator.person.display_name if coordinator else "?"
    if event.actor_kind == "user" and event.actor_id is not None:
        user = await ctx.session.get(User, event.actor_id)
        return user.display_name if user else "?"
    if event.actor_kind == "operator" and event.actor_id is not None:
        operator = await ctx.session.get(Operator, event.actor_id)
        return operator.person.display_name if operator else "?"
    return t(lang, "timeline.system")


async def request_timeline(ctx: DomainContext, request_id: int, lang: str) -> list[TimelineEntry]:
    """Every step of a request, oldest first, in `lang`; NotFound for an unknown number."""
    request = await get_request(ctx, request_id)
    offers = iter(
        (
            await ctx.session.scalars(
                select(Offer).where(Offer.request_id == request_id).order_by(Offer.id)
            )
        ).all()
    )
    entries = []
    for event in request.events:
        status = t(lang, f"status.{event.to_status}")
        if event.to_status == RequestStatus.OFFERED:
            offer = next(offers, None)
            operator = await ctx.session.get(Operator, offer.operator_id) if offer else None
            name = operator.person.display_name if operator else "?"
            text = t(lang, "timeline.offered", operator=name)
        else:
            text = t(lang, "timeline.event", status=status, who=await _actor(ctx, event, lang))
        if event.from_status is None and request.attachments:
            text += t(lang, "intake.photos", count=len(request.attachments))
        if event.reason in _REASON_KEYS:
            text = f"{text} ({t(lang, _REASON_KEYS[event.reason])})"
        elif event.actor_kind == "user" and event.to_status == RequestStatus.CANCELLED:
            text = f"{text}: «{event.reason}»"  # the reason staff gave, in their words
        entries.append(TimelineEntry(event.at, text))

    for report in await reports_on(ctx, request_id):
        operator = await ctx.session.get(Operator, report.operator_id)
        name = operator.person.display_name if operator else "?"
        photos = t(lang, "timeline.photos", count=len(report.media)) if report.media else ""
        key = f"timeline.{report.kind}"
        entries.append(
            TimelineEntry(report.at, t(lang, key, operator=name, note=report.text) + photos)
        )

    survey = await survey_of(ctx, request_id)
    if survey is not None:
        entries.append(TimelineEntry(survey.asked_at, t(lang, "timeline.survey_asked")))
        if survey.rating is not None and survey.answered_at is not None:
            entries.append(
                TimelineEntry(survey.answered_at, t(lang, "timeline.rating", rating=survey.rating))
            )
        if survey.comment and survey.commented_at is not None:
            entries.append(
                TimelineEntry(
                    survey.commented_at, t(lang, "timeline.comment", comment=survey.comment)
                )
            )
        if survey.status == SurveyStatus.CLOSED and survey.rating is None:
            closed_at = survey.asked_at + timedelta(hours=ctx.settings.follow_up_window_hours)
            entries.append(TimelineEntry(closed_at, t(lang, "timeline.survey_unanswered")))
    return sorted(entries, key=lambda entry: entry.at)
