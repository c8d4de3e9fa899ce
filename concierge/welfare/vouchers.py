"""Vouchers (TUIR art. 51 c.3-bis, DM 25/3/2016 art. 6): in the worker's name, never split,
never turned into money — one voucher pays for one service at its full value."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from concierge.context import DomainContext
from concierge.database import Base, UTCDateTime
from concierge.errors import InvalidValue
from concierge.welfare.companies import Plan, PlanMode
from concierge.welfare.enrolment import Enrolment, EnrolmentStatus
from concierge.welfare.ledger import MovementKind, balance, company_account, post, voucher_account


class Voucher(Base):
    """A voucher for one service, held by the named worker."""

    __tablename__ = "vouchers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("welfare_plans.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    service_code: Mapped[str] = mapped_column(ForeignKey("services.code"))
    value_cents: Mapped[int] = mapped_column(BigInteger)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())

    plan: Mapped[Plan] = relationship(lazy="joined")


async def issue_voucher(
    ctx: DomainContext, enrolment: Enrolment, service_code: str, value_cents: int, by: str
) -> Voucher:
    """A voucher for a confirmed worker, within the yearly value of their voucher plan."""
    today = ctx.now().astimezone(ctx.zone).date()
    plan = next((p for p in enrolment.company.plans if p.runs_on(today)), None)
    if enrolment.status != EnrolmentStatus.CONFIRMED:
        raise InvalidValue(
            "vouchers go only to workers the company confirmed", why="why.voucher_unconfirmed"
        )
    if plan is None or plan.mode != PlanMode.VOUCHERS or not plan.covers(service_code):
        raise InvalidValue(
            f"no running voucher plan covers {service_code}",
            why="why.voucher_no_plan",
            service=service_code,
        )
    issued = await ctx.session.scalar(
        select(func.coalesce(func.sum(Voucher.value_cents), 0)).where(
            Voucher.plan_id == plan.id, Voucher.person_id == enrolment.person_id
        )
    )
    if value_cents <= 0 or int(issued or 0) + value_cents > plan.yearly_credit_cents:
        raise InvalidValue(
            "the vouchers would exceed the worker's yearly value", why="why.voucher_over"
        )
    voucher = Voucher(
        plan_id=plan.id, person_id=enrolment.person_id, service_code=service_code,
        value_cents=value_cents, issued_at=ctx.now(),
    )  # fmt: skip
    ctx.session.add(voucher)
    await ctx.session.flush()
    await post(
        ctx, MovementKind.VOUCHER_ISSUE,
        {company_account(plan.company_id): -value_cents, voucher_account(voucher.id): value_cents},
        person_id=enrolment.person_id, company_id=plan.company_id, service_code=service_code,
        by=by,
    )  # fmt: skip
    return voucher


async def is_unused(ctx: DomainContext, voucher: Voucher) -> bool:
    """Whether the voucher still holds its whole value (it never holds part of it)."""
    return await balance(ctx, voucher_account(voucher.id)) == voucher.value_cents


async def usable_voucher(
    ctx: DomainContext, person_id: int, service_code: str, day: date
) -> Voucher | None:
    """The holder's oldest unused voucher for this service, on a day its plan runs."""
    rows = await ctx.session.scalars(
        select(Voucher)
        .where(Voucher.person_id == person_id, Voucher.service_code == service_code)
        .order_by(Voucher.id)
    )
    for voucher in rows.all():
        if voucher.plan.runs_on(day) and await is_unused(ctx, voucher):
            return voucher
    return None


async def unused_vouchers(ctx: DomainContext, person_id: int) -> list[Voucher]:
    """The holder's vouchers still worth their value."""
    rows = await ctx.session.scalars(
        select(Voucher).where(Voucher.person_id == person_id).order_by(Voucher.id)
    )
    return [v for v in rows.all() if await is_unused(ctx, v)]
