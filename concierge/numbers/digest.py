"""The coordinators' daily digest: yesterday's numbers and what is open, at a set local time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVarTuple

from sqlalchemy import Select, func, select

from concierge.context import DomainContext
from concierge.i18n import format_day, format_number, t
from concierge.local_time import day_bounds, next_daily
from concierge.messages import Reply
from concierge.requests.lifecycle import OPEN_STATUSES, RequestStatus
from concierge.requests.notifications import language_of, request_summary, tell_person
from concierge.requests.request import RequestEvent, ServiceRequest
from concierge.requests.satisfaction import Satisfaction
from concierge.team.coordinators import coordinators_of
from concierge.team.operators import Cooperative
from concierge.timers import Timer, TimerKind, plan_service_timer

# Enough overdue requests to act on in a chat message; the dashboard shows the rest.
OVERDUE_SHOWN = 10
_ENDINGS = (RequestStatus.DONE, RequestStatus.CANCELLED, RequestStatus.FAILED)
Ts = TypeVarTuple("Ts")


@dataclass(frozen=True)
class DayFigures:
    """What happened on one local day, and what is open now."""

    day: date
    created: int
    ended: dict[RequestStatus, int]
    ratings: int
    average_rating: float | None
    open_now: dict[RequestStatus, int]
    overdue: list[ServiceRequest]


def _of(query: Select[*Ts], cooperative_id: int | None) -> Select[*Ts]:
    """The query narrowed to one cooperative's requests (it must select from requests)."""
    if cooperative_id is None:
        return query
    return query.where(ServiceRequest.cooperative_id == cooperative_id)


async def _ratings(
    ctx: DomainContext, start: datetime, end: datetime, cooperative_id: int | None
) -> tuple[int, float | None]:
    """How many ratings came in between two moments, and their average (None for none)."""
    count, average = (
        await ctx.session.execute(
            _of(
                select(func.count(Satisfaction.rating), func.avg(Satisfaction.rating))
                .join(ServiceRequest, ServiceRequest.id == Satisfaction.request_id)
                .where(
                    Satisfaction.answered_at >= start,
                    Satisfaction.answered_at < end,
                    Satisfaction.rating.is_not(None),
                ),
                cooperative_id,
            )
        )
    ).one()
    return int(count or 0), float(average) if average is not None else None


async def day_figures(
    ctx: DomainContext, day: date, cooperative_id: int | None = None
) -> DayFigures:
    """Count a local day's requests, endings and ratings, and list what is open and late now:
    of one cooperative, or of the whole service when none is given."""
    start, end = day_bounds(day, ctx.zone)
    session = ctx.session
    created = await session.scalar(
        _of(
            select(func.count(ServiceRequest.id)).where(
                ServiceRequest.created_at >= start, ServiceRequest.created_at < end
            ),
            cooperative_id,
        )
    )
    ended_rows = await session.execute(
        _of(
            select(RequestEvent.to_status, func.count(RequestEvent.id))
            .join(ServiceRequest, ServiceRequest.id == RequestEvent.request_id)
            .where(
                RequestEvent.at >= start,
                RequestEvent.at < end,
                RequestEvent.to_status.in_(_ENDINGS),
            ),
            cooperative_id,
        ).group_by(RequestEvent.to_status)
    )
    ratings, average = await _ratings(ctx, start, end, cooperative_id)
    open_rows = await session.execute(
        _of(
            select(ServiceRequest.status, func.count(ServiceRequest.id)).where(
                ServiceRequest.status.in_(OPEN_STATUSES)
            ),
            cooperative_id,
        ).group_by(ServiceRequest.status)
    )
    overdue = await session.scalars(
        _of(
            select(ServiceRequest).where(
                ServiceRequest.status.in_(OPEN_STATUSES), ServiceRequest.due_at < ctx.now()
            ),
            cooperative_id,
        )
        .order_by(ServiceRequest.due_at, ServiceRequest.id)
        .limit(OVERDUE_SHOWN)
    )
    return DayFigures(
        day=day,
        created=created or 0,
        ended={RequestStatus(s): n for s, n in ended_rows.all()},
        ratings=ratings,
        average_rating=average,
        open_now={RequestStatus(s): n for s, n in open_rows.all()},
        overdue=list(overdue.unique().all()),
    )


def digest_text(ctx: DomainContext, figures: DayFigures, lang: str) -> str:
    """The digest as one message in a coordinator's language."""
    lines = [
        t(lang, "digest.title", day=format_day(figures.day, lang)),
        t(
            lang,
            "digest.yesterday",
            created=figures.created,
            done=figures.ended.get(RequestStatus.DONE, 0),
            cancelled=figures.ended.get(RequestStatus.CANCELLED, 0),
            failed=figures.ended.get(RequestStatus.FAILED, 0),
        ),
    ]
    if figures.average_rating is None:
        lines.append(t(lang, "digest.no_ratings"))
    else:
        average = format_number(round(figures.average_rating, 1), lang)
        lines.append(t(lang, "digest.ratings", count=figures.ratings, average=average))
    if not figures.open_now:
        lines.append(t(lang, "digest.nothing_open"))
    else:
        lines.append(
            t(
                lang,
                "digest.open",
                total=sum(figures.open_now.values()),
                queued=figures.open_now.get(RequestStatus.QUEUED, 0)
                + figures.open_now.get(RequestStatus.NEW, 0),
                offered=figures.open_now.get(RequestStatus.OFFERED, 0),
                accepted=figures.open_now.get(RequestStatus.ACCEPTED, 0),
                in_progress=figures.open_now.get(RequestStatus.IN_PROGRESS, 0),
            )
        )
    if figures.overdue:
        late = "\n".join(f"• {request_summary(ctx, r, lang)}" for r in figures.overdue)
        lines.append(t(lang, "digest.overdue", lines=late))
    return "\n".join(lines)


async def send_digest(ctx: DomainContext, timer: Timer) -> None:
    """The digest timer fired: each cooperative's coordinators hear that cooperative's numbers
    (and no other's); then tomorrow's is planned."""
    today = timer.due_at.astimezone(ctx.zone).date()
    cooperatives = await ctx.session.scalars(select(Cooperative.id).order_by(Cooperative.id))
    for cooperative_id in cooperatives.all():
        coordinators = await coordinators_of(ctx, cooperative_id)
        if not coordinators:
            continue
        figures = await day_figures(ctx, today - timedelta(days=1), cooperative_id)
        for coordinator in coordinators:
            lang = language_of(ctx, coordinator.person)
            await tell_person(
                ctx, coordinator.person, coordinator.contact_channel,
                Reply(text=digest_text(ctx, figures, lang)),
                f"digest:{today.isoformat()}:coordinator:{coordinator.id}",
                cooperative_id=cooperative_id,
            )  # fmt: skip
    await plan_digest(ctx)


async def plan_digest(ctx: DomainContext) -> Timer | None:
    """Make sure the next digest is planned at the configured time (or none when it is off)."""
    at = ctx.settings.digest_at
    due = None if at is None else next_daily(at, ctx.now(), ctx.zone)
    return await plan_service_timer(ctx, TimerKind.DAILY_DIGEST, due)
