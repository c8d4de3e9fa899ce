"""A company's monthly welfare report: workers enrolled and served, use by service and by welfare
purpose, credit spent and left, each worker's fringe benefits against the yearly limit, and what
the purchases gave the solidarity fund. Aggregates only: no request of a worker is shown."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import func, select

from concierge.context import DomainContext
from concierge.intake.catalogue import get_service
from concierge.requests.satisfaction import Satisfaction
from concierge.welfare.companies import Company
from concierge.welfare.enrolment import EnrolmentStatus, company_enrolments
from concierge.welfare.ledger import FUND, Movement, MovementKind, balances, voucher_account
from concierge.welfare.prices import Purpose
from concierge.welfare.vouchers import Voucher

# Fringe benefits are tax-free up to these yearly amounts (2025–2027), in cents.
FRINGE_LIMIT_CENTS, FRINGE_LIMIT_WITH_CHILDREN_CENTS = 100000, 200000
WELFARE_ACCOUNTS = ("credit:", "voucher:")


@dataclass
class Usage:
    """How many services and what they cost (VAT included), net of refunds."""

    services: int = 0
    gross_cents: int = 0


@dataclass(frozen=True)
class WorkerFringe:
    """One worker's fringe benefits this year, against their limit."""

    name: str
    # The code in the company's own list of workers; "" when the list lacks it (the report
    # flags it). A code the worker gave us for receipts is theirs to us, not the company's
    # record, and HR reads this line as their own: never put in its place.
    fiscal_code: str
    used_cents: int
    limit_cents: int


@dataclass
class CompanyReport:
    """The figures of one company's month."""

    company: str
    month: date
    workers_enrolled: int = 0
    workers_served: int = 0
    by_service: dict[str, Usage] = field(default_factory=dict)
    by_purpose: dict[Purpose, Usage] = field(default_factory=dict)
    credit_spent_cents: int = 0
    credit_left_cents: int = 0
    fund_cents: int = 0
    ratings: int = 0
    rating_mean: float | None = None
    fringe: list[WorkerFringe] = field(default_factory=list)


def month_bounds(ctx: DomainContext, month: date) -> tuple[datetime, datetime]:
    """The first moment of a month and of the next one, in the service's time zone."""
    first = month.replace(day=1)
    after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return (
        datetime.combine(first, time(), ctx.zone),
        datetime.combine(after, time(), ctx.zone),
    )


def welfare_paid(movement: Movement) -> int:
    """What a purchase took from credit and vouchers (negative for a refund)."""
    return -sum(e.amount_cents for e in movement.entries if e.account.startswith(WELFARE_ACCOUNTS))


async def _purchases(
    ctx: DomainContext, company: Company, start: datetime, end: datetime
) -> list[Movement]:
    rows = await ctx.session.scalars(
        select(Movement)
        .where(Movement.company_id == company.id, Movement.at >= start, Movement.at < end)
        .where(Movement.kind.in_([MovementKind.PURCHASE, MovementKind.REFUND]))
        .order_by(Movement.id)
    )
    return list(rows.all())


async def _credit_left(ctx: DomainContext, company: Company, end: datetime) -> int:
    left = sum([await balances(ctx, f"credit:{plan.id}:", end) for plan in company.plans])
    plan_ids = [plan.id for plan in company.plans]
    held = await ctx.session.scalars(select(Voucher.id).where(Voucher.plan_id.in_(plan_ids)))
    for voucher_id in held.all():
        left += await balances(ctx, voucher_account(voucher_id), end)
    return left


async def _tally(
    ctx: DomainContext, report: CompanyReport, month: list[Movement], language: str
) -> None:
    served: dict[int, int] = defaultdict(int)
    for movement in month:
        count = -1 if movement.kind == MovementKind.REFUND else 1
        if movement.service_code is not None:
            name = (await get_service(ctx.session, movement.service_code)).name(language)
            usage = report.by_service.setdefault(name, Usage())
            usage.services += count
            usage.gross_cents += movement.gross_cents
        purpose = report.by_purpose.setdefault(Purpose(movement.purpose or "fringe"), Usage())
        purpose.services += count
        purpose.gross_cents += movement.gross_cents
        report.credit_spent_cents += welfare_paid(movement)
        report.fund_cents += sum(e.amount_cents for e in movement.entries if e.account == FUND)
        if movement.person_id is not None:
            served[movement.person_id] += count
    report.workers_served = sum(1 for n in served.values() if n > 0)


async def _satisfaction(report: CompanyReport, ctx: DomainContext, month: list[Movement]) -> None:
    # The ratings the company's workers gave the requests it paid for this month: a count and
    # a mean, never which request or worker.
    paid = {m.request_id for m in month if m.kind == MovementKind.PURCHASE and m.request_id}
    if not paid:
        return
    count, mean = (
        await ctx.session.execute(
            select(func.count(Satisfaction.rating), func.avg(Satisfaction.rating)).where(
                Satisfaction.request_id.in_(paid), Satisfaction.rating.is_not(None)
            )
        )
    ).one()
    report.ratings = int(count)
    report.rating_mean = round(float(mean), 2) if count else None


async def company_report(
    ctx: DomainContext, company: Company, month: date, language: str
) -> CompanyReport:
    """The monthly report of a company (service names in `language`)."""
    start, end = month_bounds(ctx, month)
    report = CompanyReport(company=company.name, month=month.replace(day=1))
    month_purchases = await _purchases(ctx, company, start, end)
    await _tally(ctx, report, month_purchases, language)
    await _satisfaction(report, ctx, month_purchases)
    report.credit_left_cents = await _credit_left(ctx, company, end)
    year_start = datetime.combine(date(month.year, 1, 1), time(), ctx.zone)
    fringe: dict[int, int] = defaultdict(int)
    for movement in await _purchases(ctx, company, year_start, end):
        if movement.purpose in (None, Purpose.FRINGE) and movement.person_id is not None:
            fringe[movement.person_id] += welfare_paid(movement)
    for enrolment in await company_enrolments(ctx, company.id):
        confirmed = enrolment.confirmed_at
        if enrolment.status != EnrolmentStatus.CONFIRMED or confirmed is None or confirmed >= end:
            continue
        report.workers_enrolled += 1
        limit = (
            FRINGE_LIMIT_WITH_CHILDREN_CENTS if enrolment.dependent_children else FRINGE_LIMIT_CENTS
        )
        report.fringe.append(
            WorkerFringe(
                name=enrolment.person.display_name,
                fiscal_code=enrolment.fiscal_code,
                used_cents=fringe[enrolment.person_id], limit_cents=limit,
            )
        )  # fmt: skip
    return report
