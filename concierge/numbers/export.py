"""The numbers as they leave the service: one row per request for a CSV download, and the live
figures a Prometheus scrape reads (computed afresh at each scrape)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable
from dataclasses import astuple, dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.orm import QueryableAttribute

from concierge.checkins.plans import CheckinPlan, CheckinRound
from concierge.context import DomainContext
from concierge.numbers.facts import Period, RequestFacts, load_period
from concierge.outbox import OutboxMessage
from concierge.requests.lifecycle import OPEN_STATUSES
from concierge.requests.offers import Offer, OfferStatus
from concierge.requests.request import ServiceRequest
from concierge.team.operators import Cooperative, operators_on_duty

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


# The last part of every key of the live figures: the cooperative's name ("" for none).
Labelled = dict[tuple[str, ...], int]


@dataclass(frozen=True)
class LiveFigures:
    """What a /metrics scrape reports: the state now, and totals since the start, each counted
    per cooperative (the last part of every key is the cooperative's name, "" for none)."""

    open_requests: Labelled  # (status, service code, cooperative) → open requests
    open_overdue: Labelled  # (cooperative,) → open requests past their due time
    outbox: Labelled  # (outbox status, cooperative) → messages
    operators_on_duty: Labelled  # (cooperative,) → operators on duty now
    checkin_rounds_today: Labelled  # (round status, cooperative) → rounds of today (local day)
    requests_by_channel: Labelled  # (channel, cooperative) → every request ever
    offers_by_status: Labelled  # (offer status, cooperative) → every offer ever

    def of(self, cooperative: str) -> LiveFigures:
        """Only one cooperative's figures (what its coordinator may read)."""

        def mine(figures: Labelled) -> Labelled:
            return {key: count for key, count in figures.items() if key[-1] == cooperative}

        return LiveFigures(**{name: mine(value) for name, value in vars(self).items()})


async def _labelled(
    ctx: DomainContext, names: dict[int, str], query: Select[*tuple[Any, ...]]
) -> Labelled:
    """Rows of (labels…, cooperative id, count) as {(labels…, cooperative name): count}."""
    figures: Labelled = {}
    for *labels, cooperative_id, count in (await ctx.session.execute(query)).all():
        key = (*(str(label) for label in labels), names.get(cooperative_id or 0, ""))
        figures[key] = figures.get(key, 0) + int(count)
    return figures


def _grouped(*columns: QueryableAttribute[Any]) -> Select[*tuple[Any, ...]]:
    return select(*columns, func.count()).group_by(*columns)


async def live_figures(ctx: DomainContext) -> LiveFigures:
    """The live figures, read now (a handful of small grouped counts)."""
    now = ctx.now()
    names = {
        cooperative_id: name
        for cooperative_id, name in (
            await ctx.session.execute(select(Cooperative.id, Cooperative.name))
        ).all()
    }
    request_cooperative = ServiceRequest.cooperative_id
    on_duty = Counter(
        names.get(op.cooperative_id, "")
        for op in await operators_on_duty(ctx.session, now, ctx.calendar)
    )
    return LiveFigures(
        open_requests=await _labelled(
            ctx,
            names,
            _grouped(ServiceRequest.status, ServiceRequest.service_code, request_cooperative).where(
                ServiceRequest.status.in_(OPEN_STATUSES)
            ),
        ),
        open_overdue=await _labelled(
            ctx,
            names,
            _grouped(request_cooperative).where(
                ServiceRequest.status.in_(OPEN_STATUSES), ServiceRequest.due_at < now
            ),
        ),
        outbox=await _labelled(
            ctx, names, _grouped(OutboxMessage.status, OutboxMessage.cooperative_id)
        ),
        operators_on_duty={(name,): count for name, count in on_duty.items()},
        checkin_rounds_today=await _labelled(
            ctx,
            names,
            _grouped(CheckinRound.status, CheckinPlan.cooperative_id)
            .join(CheckinPlan, CheckinPlan.id == CheckinRound.plan_id)
            .where(CheckinRound.day == now.astimezone(ctx.zone).date()),
        ),
        requests_by_channel=await _labelled(
            ctx, names, _grouped(ServiceRequest.channel, request_cooperative)
        ),
        offers_by_status=await _labelled(
            ctx,
            names,
            _grouped(Offer.status, request_cooperative).join(
                ServiceRequest, ServiceRequest.id == Offer.request_id
            ),
        ),
    )
