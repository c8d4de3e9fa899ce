"""The facts behind the dashboard's numbers: the requests created in a period of local days,
with their acceptances, completions, offers and ratings, loaded in a few small queries.

When a done request was on time: `due_at` comes from what the requester said (`When.due` in
concierge/intake/due_dates.py) and is already the moment the errand turns late, not when it starts:

- "time" ("alle 10", or a time a coordinator set): that hour;
- "morning", "afternoon", "evening": the end of that part of the day (12:00, 18:00, 21:00);
- "day" ("giovedì") and "deadline" ("entro giovedì"): the end of the service day, 18:00.

The requester was told the promise in those words (`format_due`): the hour, the day and its
part, or only the day ("giovedì", "entro giovedì"). A request is counted on time when it was done
at or before the promise as the requester heard it: the hour, the end of the part of the day,
and for "day" and "deadline" the end of that local day (midnight), since nobody told them 18:00.
(The coordinators' overdue alert still rings at `due_at`: it is an early warning, not the
promise.) Requests without a due time, or not done, are neither on time nor late.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, select

from concierge.context import DomainContext
from concierge.errors import InvalidValue
from concierge.local_time import day_bounds
from concierge.people.person import Person
from concierge.requests.lifecycle import RequestStatus
from concierge.requests.offers import Offer, OfferStatus
from concierge.requests.request import RequestEvent, ServiceRequest
from concierge.requests.satisfaction import Satisfaction
from concierge.team.operators import Cooperative, Operator

PERIOD_MAX_DAYS = 366
_REQUEST_COLUMNS = (
    ServiceRequest.id, ServiceRequest.created_at, ServiceRequest.service_code,
    ServiceRequest.channel, ServiceRequest.status, ServiceRequest.urgent, ServiceRequest.due_at,
    ServiceRequest.due_kind, ServiceRequest.cooperative_id, ServiceRequest.operator_id,
)  # fmt: skip
_EVENT_COLUMNS = (
    RequestEvent.request_id, RequestEvent.to_status, RequestEvent.at, RequestEvent.actor_kind,
    RequestEvent.actor_id,
)  # fmt: skip
_MILESTONES = (RequestStatus.ACCEPTED, RequestStatus.DONE)
_OFFER_COLUMNS = (
    Offer.request_id, Offer.operator_id, Offer.status, Offer.offered_at, Offer.answered_at
)  # fmt: skip
# Kinds of due time the requester heard as a whole day: on time until that day ends.
WHOLE_DAY_KINDS = frozenset({"day", "deadline"})


@dataclass(frozen=True)
class Period:
    """Local days from `first` to `last`, both included, in the service's time zone."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise InvalidValue(
                f"a period cannot end ({self.last}) before it starts ({self.first})",
                why="why.period_order",
                first=str(self.first),
                last=str(self.last),
            )
        if self.days > PERIOD_MAX_DAYS:
            raise InvalidValue(
                f"a period is at most {PERIOD_MAX_DAYS} days, not {self.days}",
                why="why.period_long",
                max=PERIOD_MAX_DAYS,
                days=self.days,
            )

    @classmethod
    def ending(cls, last: date, days: int) -> Period:
        """The `days` local days up to and including `last` (the last 7 days, the last 30)."""
        return cls(first=last - timedelta(days=days - 1), last=last)

    @property
    def days(self) -> int:
        """How many local days the period holds."""
        return (self.last - self.first).days + 1

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """The UTC start of the first day and the UTC end (exclusive) of the last one."""
        return day_bounds(self.first, zone)[0], day_bounds(self.last, zone)[1]


def promised_by(due_at: datetime | None, due_kind: str, zone: ZoneInfo) -> datetime | None:
    """The moment a request had to be done by, as the requester was told (see the module)."""
    if due_at is None:
        return None
    if due_kind in WHOLE_DAY_KINDS:
        return day_bounds(due_at.astimezone(zone).date(), zone)[1]
    return due_at


def _minutes(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else (end - start).total_seconds() / 60


@dataclass(frozen=True)
class OfferFacts:
    """One offer of a request to an operator, and its answer."""

    operator_id: int
    status: str  # an OfferStatus
    offered_at: datetime
    answered_at: datetime | None


@dataclass(frozen=True)
class RequestFacts:
    """What the numbers need of one request: its row, when it was accepted and done, its
    offers and its rating."""

    id: int
    created_at: datetime
    service_code: str
    channel: str
    status: str  # a RequestStatus
    urgent: bool
    due_at: datetime | None
    due_kind: str
    cooperative_id: int | None
    operator_id: int | None  # who has it now (for a done request: who did it)
    accepted_at: datetime | None  # the first acceptance
    accepted_by: int | None  # the operator who accepted it first
    done_at: datetime | None
    rating: int | None
    offers: tuple[OfferFacts, ...]

    @property
    def minutes_to_accept(self) -> float | None:
        """Minutes from creation to the first acceptance."""
        return _minutes(self.created_at, self.accepted_at)

    @property
    def minutes_to_complete(self) -> float | None:
        """Minutes from creation to done."""
        return _minutes(self.created_at, self.done_at)

    def on_time(self, zone: ZoneInfo) -> bool | None:
        """Done by its promise; None when it had no due time or is not done."""
        promise = promised_by(self.due_at, self.due_kind, zone)
        if promise is None or self.done_at is None:
            return None
        return self.done_at <= promise

    def offers_with(self, status: OfferStatus) -> int:
        """How many of its offers ended (or stand) with this status."""
        return sum(1 for offer in self.offers if offer.status == status)


@dataclass(frozen=True)
class OperatorInfo:
    """An operator as the numbers name them."""

    operator_id: int
    name: str
    cooperative_id: int
    cooperative_name: str


@dataclass(frozen=True)
class PeriodFacts:
    """Everything loaded about a period's requests, before counting."""

    period: Period
    cooperative_id: int | None
    requests: list[RequestFacts]  # by id
    operators: dict[int, OperatorInfo]  # every operator offered one of them, or holding one
    cooperatives: dict[int, str]  # id → name: the chosen one, or all of them


async def load_period(
    ctx: DomainContext, period: Period, cooperative_id: int | None
) -> PeriodFacts:
    """The requests created in the period (of one cooperative, or all), with what happened."""
    start, end = period.bounds(ctx.zone)
    chosen: list[ColumnElement[bool]] = [
        ServiceRequest.created_at >= start,
        ServiceRequest.created_at < end,
    ]
    if cooperative_id is not None:
        chosen.append(ServiceRequest.cooperative_id == cooperative_id)
    ids = select(ServiceRequest.id).where(*chosen)
    session = ctx.session
    rows = await session.execute(
        select(*_REQUEST_COLUMNS).where(*chosen).order_by(ServiceRequest.id)
    )
    accepted: dict[int, tuple[datetime, int | None]] = {}
    done: dict[int, datetime] = {}
    for request_id, to_status, at, actor_kind, actor_id in await session.execute(
        select(*_EVENT_COLUMNS)
        .where(RequestEvent.request_id.in_(ids), RequestEvent.to_status.in_(_MILESTONES))
        .order_by(RequestEvent.id)
    ):
        if to_status == RequestStatus.DONE:
            done[request_id] = at
        elif request_id not in accepted:  # the first acceptance: later ones follow a reassignment
            accepted[request_id] = (at, actor_id if actor_kind == "operator" else None)
    offers: dict[int, list[OfferFacts]] = {}
    for request_id, operator_id, status, offered_at, answered_at in await session.execute(
        select(*_OFFER_COLUMNS).where(Offer.request_id.in_(ids)).order_by(Offer.id)
    ):
        offers.setdefault(request_id, []).append(
            OfferFacts(operator_id, str(status), offered_at, answered_at)
        )
    rated = select(Satisfaction.request_id, Satisfaction.rating).where(
        Satisfaction.request_id.in_(ids), Satisfaction.rating.is_not(None)
    )
    ratings = {request_id: rating for request_id, rating in await session.execute(rated)}
    requests = [
        RequestFacts(
            id=r.id, created_at=r.created_at, service_code=r.service_code, channel=str(r.channel),
            status=str(r.status), urgent=r.urgent, due_at=r.due_at, due_kind=r.due_kind,
            cooperative_id=r.cooperative_id, operator_id=r.operator_id,
            accepted_at=accepted.get(r.id, (None, None))[0],
            accepted_by=accepted.get(r.id, (None, None))[1], done_at=done.get(r.id),
            rating=ratings.get(r.id), offers=tuple(offers.get(r.id, ())),
        )
        for r in rows
    ]  # fmt: skip
    named = {o.operator_id for r in requests for o in r.offers}
    named |= {r.operator_id for r in requests if r.operator_id is not None}
    return PeriodFacts(
        period=period,
        cooperative_id=cooperative_id,
        requests=requests,
        operators=await _operators(ctx, named),
        cooperatives=await _cooperatives(ctx, cooperative_id),
    )


async def _operators(ctx: DomainContext, ids: set[int]) -> dict[int, OperatorInfo]:
    if not ids:
        return {}
    rows = await ctx.session.execute(
        select(Operator.id, Operator.cooperative_id, Person, Cooperative.name)
        .join(Person, Person.id == Operator.person_id)
        .join(Cooperative, Cooperative.id == Operator.cooperative_id)
        .where(Operator.id.in_(ids))
    )
    return {
        op_id: OperatorInfo(op_id, person.display_name, coop_id, coop_name)
        for op_id, coop_id, person, coop_name in rows.unique().all()
    }


async def _cooperatives(ctx: DomainContext, cooperative_id: int | None) -> dict[int, str]:
    query = select(Cooperative.id, Cooperative.name)
    if cooperative_id is not None:
        query = query.where(Cooperative.id == cooperative_id)
    return {coop_id: name for coop_id, name in (await ctx.session.execute(query)).all()}
