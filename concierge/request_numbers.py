"""The dashboard's numbers: what became of the requests created in a period of local days.

A few small queries (the requests, their acceptances and completions, offers, ratings, the
operators and cooperatives named) load a period; the counting is plain Python.

When a done request was on time: `due_at` comes from what the requester said (`When.due` in
concierge/due_dates.py) and is already the moment the errand turns late, not when it starts:

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

import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, select

from concierge.context import DomainContext
from concierge.errors import InvalidValue
from concierge.lifecycle import RequestStatus
from concierge.local_time import day_bounds
from concierge.offers import Offer, OfferStatus
from concierge.operators import Cooperative, Operator
from concierge.people import Person
from concierge.requests import RequestEvent, ServiceRequest
from concierge.satisfaction import RATINGS, Satisfaction

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
            raise InvalidValue(f"a period cannot end ({self.last}) before it starts ({self.first})")
        if self.days > PERIOD_MAX_DAYS:
            raise InvalidValue(f"a period is at most {PERIOD_MAX_DAYS} days, not {self.days}")

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


@dataclass(frozen=True)
class MinuteFigures:
    """A duration in minutes over several requests; median and mean are None without data."""

    count: int
    median: float | None
    mean: float | None

    @classmethod
    def of(cls, minutes: Iterable[float | None]) -> MinuteFigures:
        """The figures of the known values (None values are left out)."""
        values = [m for m in minutes if m is not None]
        if not values:
            return cls(0, None, None)
        return cls(len(values), float(statistics.median(values)), statistics.fmean(values))


@dataclass(frozen=True)
class OperatorNumbers:
    """One operator's line: their offers, and the requests they accepted first or did."""

    operator_id: int
    name: str
    cooperative_id: int
    cooperative_name: str
    offers_made: int
    offers_accepted: int
    offers_declined: int
    offers_expired: int
    requests_done: int
    median_minutes_to_accept: float | None  # of the requests they were first to accept
    median_minutes_to_complete: float | None  # of the requests they did
    rating_mean: float | None  # of the requests they did


@dataclass(frozen=True)
class CooperativeNumbers:
    """One cooperative's line, over the requests that belong to it."""

    cooperative_id: int
    name: str
    requests: int
    done: int
    cancelled: int
    failed: int
    on_time_share: float | None
    rating_mean: float | None


@dataclass(frozen=True)
class PeriodNumbers:
    """What became of the requests created in a period (dicts: the most frequent first)."""

    period: Period
    cooperative_id: int | None
    requests: int
    by_service: dict[str, int]  # service code → requests
    by_channel: dict[str, int]
    by_status: dict[str, int]  # status now
    minutes_to_accept: MinuteFigures
    minutes_to_complete: MinuteFigures
    done: int
    done_with_due: int
    done_on_time: int
    on_time_share: float | None  # done_on_time / done_with_due
    offers_made: int
    offers_accepted: int
    offers_declined: int
    offers_expired: int
    offers_withdrawn: int
    ratings_count: int
    rating_mean: float | None
    ratings_by_mark: dict[int, int]  # 1..5, every mark present
    per_operator: list[OperatorNumbers]  # by name
    per_cooperative: list[CooperativeNumbers]  # by name


def _tally(values: Iterable[str]) -> dict[str, int]:
    return dict(sorted(Counter(values).items(), key=lambda item: (-item[1], item[0])))


def _mean(values: Iterable[int | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.fmean(known) if known else None


def _on_time(requests: list[RequestFacts], zone: ZoneInfo) -> tuple[int, int, int]:
    """Done, done with a due time, done on time."""
    verdicts = [r.on_time(zone) for r in requests if r.status == RequestStatus.DONE]
    judged = [v for v in verdicts if v is not None]
    return len(verdicts), len(judged), sum(judged)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _operator_line(facts: PeriodFacts, info: OperatorInfo) -> OperatorNumbers:
    me = info.operator_id
    mine = Counter(o.status for r in facts.requests for o in r.offers if o.operator_id == me)
    did = [r for r in facts.requests if r.status == RequestStatus.DONE and r.operator_id == me]
    first_accepted = [r for r in facts.requests if r.accepted_by == me]
    return OperatorNumbers(
        operator_id=info.operator_id,
        name=info.name,
        cooperative_id=info.cooperative_id,
        cooperative_name=info.cooperative_name,
        offers_made=mine.total(),
        offers_accepted=mine[OfferStatus.ACCEPTED],
        offers_declined=mine[OfferStatus.DECLINED],
        offers_expired=mine[OfferStatus.EXPIRED],
        requests_done=len(did),
        median_minutes_to_accept=MinuteFigures.of(
            r.minutes_to_accept for r in first_accepted
        ).median,
        median_minutes_to_complete=MinuteFigures.of(r.minutes_to_complete for r in did).median,
        rating_mean=_mean(r.rating for r in did),
    )


def _cooperative_line(
    facts: PeriodFacts, cooperative_id: int, name: str, zone: ZoneInfo
) -> CooperativeNumbers:
    theirs = [r for r in facts.requests if r.cooperative_id == cooperative_id]
    statuses = Counter(r.status for r in theirs)
    done, with_due, on_time = _on_time(theirs, zone)
    return CooperativeNumbers(
        cooperative_id=cooperative_id,
        name=name,
        requests=len(theirs),
        done=done,
        cancelled=statuses[RequestStatus.CANCELLED],
        failed=statuses[RequestStatus.FAILED],
        on_time_share=_share(on_time, with_due),
        rating_mean=_mean(r.rating for r in theirs),
    )


def numbers_of(facts: PeriodFacts, zone: ZoneInfo) -> PeriodNumbers:
    """Count what was loaded (pure: no database)."""
    requests = facts.requests
    done, with_due, on_time = _on_time(requests, zone)
    ratings = [r.rating for r in requests if r.rating is not None]
    marks = Counter(ratings)
    offers = Counter(o.status for r in requests for o in r.offers)
    operators = [
        info
        for info in facts.operators.values()
        if (facts.cooperative_id is None or info.cooperative_id == facts.cooperative_id)
        and any(o.operator_id == info.operator_id for r in requests for o in r.offers)
    ]
    return PeriodNumbers(
        period=facts.period,
        cooperative_id=facts.cooperative_id,
        requests=len(requests),
        by_service=_tally(r.service_code for r in requests),
        by_channel=_tally(r.channel for r in requests),
        by_status=_tally(r.status for r in requests),
        minutes_to_accept=MinuteFigures.of(r.minutes_to_accept for r in requests),
        minutes_to_complete=MinuteFigures.of(r.minutes_to_complete for r in requests),
        done=done,
        done_with_due=with_due,
        done_on_time=on_time,
        on_time_share=_share(on_time, with_due),
        offers_made=offers.total(),
        offers_accepted=offers[OfferStatus.ACCEPTED],
        offers_declined=offers[OfferStatus.DECLINED],
        offers_expired=offers[OfferStatus.EXPIRED],
        offers_withdrawn=offers[OfferStatus.WITHDRAWN],
        ratings_count=len(ratings),
        rating_mean=_mean(ratings),
        ratings_by_mark={mark: marks[mark] for mark in RATINGS},
        per_operator=sorted(
            (_operator_line(facts, info) for info in operators),
            key=lambda line: (line.name.casefold(), line.operator_id),
        ),
        per_cooperative=sorted(
            (_cooperative_line(facts, cid, name, zone) for cid, name in facts.cooperatives.items()),
            key=lambda line: (line.name.casefold(), line.cooperative_id),
        ),
    )


async def period_numbers(
    ctx: DomainContext, period: Period, cooperative_id: int | None
) -> PeriodNumbers:
    """The numbers of the requests created in the period: of one cooperative (and its
    operators), or of all when `cooperative_id` is None."""
    return numbers_of(await load_period(ctx, period, cooperative_id), ctx.zone)
