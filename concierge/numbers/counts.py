"""The dashboard's numbers: what became of the requests created in a period, counted in plain
Python from the facts `concierge.numbers.facts` loads (on-time rule explained there)."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from concierge.context import DomainContext
from concierge.numbers.facts import (
    OperatorInfo,
    Period,
    PeriodFacts,
    RequestFacts,
    load_period,
)
from concierge.requests.lifecycle import RequestStatus
from concierge.requests.offers import OfferStatus
from concierge.requests.satisfaction import RATINGS


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
