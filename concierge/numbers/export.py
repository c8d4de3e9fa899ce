"""The numbers as they leave the service: one row per request for a CSV download, and the live
figures a Prometheus scrape reads (computed afresh at each scrape)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import astuple, dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import QueryableAttribute

from concierge.checkins.plans import CheckinRound
from concierge.context import DomainContext
from concierge.numbers.facts import Period, RequestFacts, load_period
from concierge.outbox import OutboxMessage
from concierge.requests.lifecycle import OPEN_STATUSES
from concierge.requests.offers import Offer, OfferStatus
from concierge.requests.request import ServiceRequest
from concierge.team.operators import operators_on_duty

# The CSV's header: stable names, the same as RequestRow's fields, in the same order.
CSV_COLUMNS: tuple[str, ...] = (
    "id",
    "created_at",
    "service",
    "channel",
    "status",
    "urgent",
    "due_at",
    "due_kind",
    "cooperative",
    "operator",
    "accepted_at",
    "done_at",
    "minutes_to_accept",
    "minutes_to_complete",
    "on_time",
    "offers_declined",
    "offers_expired",
    "rating",
)


@dataclass(frozen=True)
class RequestRow:
    """One request as the CSV shows it: times in the service's zone (ISO 8601), "" for none."""

    id: int
    created_at: str
    service: str  # the service's code
    channel: str
    status: str
    urgent: bool
    due_at: str
    due_kind: str
    cooperative: str  # its name, "" when it has none
    operator: str  # who has it now (for a done request: who did it), "" for nobody
    accepted_at: str  # the first acceptance
    done_at: str
    minutes_to_accept: float | str  # rounded to 0.1, "" when not accepted
    minutes_to_complete: float | str  # rounded to 0.1, "" when not done
    on_time: str  # "yes", "no", or "" when it had no due time or is not done
    offers_declined: int
    offers_expired: int
    rating: int | str  # 1..5, "" when none

    def csv_values(self) -> list[str]:
        """The row's cells, in CSV_COLUMNS order."""
        return [
            ("yes" if value else "no") if isinstance(value, bool) else str(value)
            for value in astuple(self)
        ]


def _local(moment: datetime | None, zone: ZoneInfo) -> str:
    return "" if moment is None else moment.astimezone(zone).isoformat(timespec="seconds")


def _rounded(minutes: float | None) -> float | str:
    return "" if minutes is None else round(minutes, 1)


def _yes_no(verdict: bool | None) -> str:
    return "" if verdict is None else "yes" if verdict else "no"


def _row(
    request: RequestFacts, zone: ZoneInfo, cooperatives: dict[int, str], operators: dict[int, str]
) -> RequestRow:
    return RequestRow(
        id=request.id,
        created_at=_local(request.created_at, zone),
        service=request.service_code,
        channel=request.channel,
        status=request.status,
        urgent=request.urgent,
        due_at=_local(request.due_at, zone),
        due_kind=request.due_kind if request.due_at is not None else "",
        cooperative=cooperatives.get(request.cooperative_id or 0, ""),
        operator=operators.get(request.operator_id or 0, ""),
        accepted_at=_local(request.accepted_at, zone),
        done_at=_local(request.done_at, zone),
        minutes_to_accept=_rounded(request.minutes_to_accept),
        minutes_to_complete=_rounded(request.minutes_to_complete),
        on_time=_yes_no(request.on_time(zone)),
        offers_declined=request.offers_with(OfferStatus.DECLINED),
        offers_expired=request.offers_with(OfferStatus.EXPIRED),
        rating="" if request.rating is None else request.rating,
    )


async def request_rows(
    ctx: DomainContext, period: Period, cooperative_id: int | None
) -> list[RequestRow]:
    """One row per request created in the period (of one cooperative, or all), by id."""
    facts = await load_period(ctx, period, cooperative_id)
    operators = {op_id: info.name for op_id, info in facts.operators.items()}
    return [_row(request, ctx.zone, facts.cooperatives, operators) for request in facts.requests]


def rows_as_csv(rows: Iterable[RequestRow]) -> str:
    """The rows as CSV text: the header line, then one line per row (\\r\\n line ends)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(row.csv_values() for row in rows)
    return out.getvalue()


@dataclass(frozen=True)
class LiveFigures:
    """What a /metrics scrape reports: the state now, and totals since the start."""

    open_requests: dict[tuple[str, str], int]  # (status, service code) → open requests
    open_overdue: int  # open requests past their due time
    outbox: dict[str, int]  # outbox status → messages
    operators_on_duty: int
    checkin_rounds_today: dict[str, int]  # round status → rounds of today (local day)
    requests_by_channel: dict[str, int]  # every request ever
    offers_by_status: dict[str, int]  # every offer ever


async def _counts(ctx: DomainContext, column: QueryableAttribute[Any]) -> dict[str, int]:
    rows = await ctx.session.execute(select(column, func.count()).group_by(column))
    return {str(key): int(count) for key, count in rows.all()}


async def live_figures(ctx: DomainContext) -> LiveFigures:
    """The live figures, read now (a handful of small grouped counts)."""
    now = ctx.now()
    session = ctx.session
    open_rows = await session.execute(
        select(ServiceRequest.status, ServiceRequest.service_code, func.count())
        .where(ServiceRequest.status.in_(OPEN_STATUSES))
        .group_by(ServiceRequest.status, ServiceRequest.service_code)
    )
    overdue = await session.scalar(
        select(func.count(ServiceRequest.id)).where(
            ServiceRequest.status.in_(OPEN_STATUSES), ServiceRequest.due_at < now
        )
    )
    today = now.astimezone(ctx.zone).date()
    rounds = await session.execute(
        select(CheckinRound.status, func.count())
        .where(CheckinRound.day == today)
        .group_by(CheckinRound.status)
    )
    return LiveFigures(
        open_requests={
            (str(status), service): int(count) for status, service, count in open_rows.all()
        },
        open_overdue=int(overdue or 0),
        outbox=await _counts(ctx, OutboxMessage.status),
        operators_on_duty=len(await operators_on_duty(session, now, ctx.calendar)),
        checkin_rounds_today={str(status): int(count) for status, count in rounds.all()},
        requests_by_channel=await _counts(ctx, ServiceRequest.channel),
        offers_by_status=await _counts(ctx, Offer.status),
    )
