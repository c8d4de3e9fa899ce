"""What the catalogue of the requester's cooperative changes in the dialogue: a service it does
not offer is refused with its menu, and an hour it does not offer the service moves the request
to the next hour it does, saying so."""

from __future__ import annotations

from datetime import datetime

from concierge.i18n import format_moment
from concierge.intake.due_dates import When
from concierge.intake.understanding import Understanding
from concierge.messages import Reply
from concierge.team.catalogue import Catalogue, catalogue_for
from handlers.intake_draft import IntakeState
from handlers.turn import Turn


def refused_service(catalogue: Catalogue, reading: Understanding) -> str | None:
    """The service a text asks for that the catalogue does not offer: the sure reading, or the
    likeliest when none of the likely ones is offered; None when it may be asked."""
    if reading.sure:
        return None if catalogue.offers(reading.category) else reading.category
    offered = [code for code in reading.candidates if catalogue.offers(code)]
    if reading.candidates and not offered:
        return reading.candidates[0]
    return None


def offered_only(catalogue: Catalogue, reading: Understanding) -> Understanding:
    """The reading with the services the catalogue does not offer left out of "did you mean"."""
    kept = tuple(code for code in reading.candidates if catalogue.offers(code))
    return reading.model_copy(update={"candidates": kept})


async def offered_hours_then(turn: Turn, draft: IntakeState) -> tuple[IntakeState, list[Reply]]:
    """Before the confirmation: a request for an hour (or, as soon as possible, now) out of the
    hours the cooperative offers its service is moved to the next offered hour, and told so.
    Deadlines ("entro giovedì") and recurring asks keep their day: sooner or the schedule rules."""
    if draft.service is None or draft.recurrence is not None or draft.until is not None:
        return draft, []
    offered = (await catalogue_for(turn.ctx.session, turn.person)).get(draft.service)
    hours = offered.hours if offered is not None else None
    when, zone = draft.when, turn.ctx.zone
    if hours is None or (when is not None and when.deadline):
        return draft, []
    moment: datetime
    if when is None:
        moment = turn.ctx.now().astimezone(zone)
    else:
        at = when.moment(zone)
        if at is None and hours.covers_day(when.day):
            return draft, []  # a whole day it is offered: the hours are the operators' to keep
        moment = at or datetime.combine(when.day, hours.starts_at, tzinfo=zone)
    if hours.covers(moment.astimezone(zone)):
        return draft, []
    start = hours.next_start(moment, zone)
    moved = draft.with_when(When(day=start.date(), at=start.time().replace(tzinfo=None)))
    notice = turn.reply(
        "intake.offered_hours",
        service=offered.name(turn.language) if offered is not None else draft.service,
        hours=hours.describe(turn.language),
        when=format_moment(start, turn.language, zone),
    )
    return moved, [notice]
