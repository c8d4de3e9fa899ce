"""What a worker has left: credit and unused vouchers per company plan, when they expire, the
last movements; and expiring what is left once a plan has ended."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from concierge.context import DomainContext
from concierge.welfare.companies import Plan
from concierge.welfare.enrolment import confirmed_enrolments
from concierge.welfare.ledger import (
    Entry,
    Movement,
    MovementKind,
    balance,
    company_account,
    credit_account,
    person_account,
    post,
    voucher_account,
)
from concierge.welfare.vouchers import Voucher, unused_vouchers


@dataclass(frozen=True)
class CreditLine:
    """A worker's standing under one company's running plan."""

    company: str
    plan: str
    credit_cents: int
    vouchers: int
    voucher_cents: int
    expires_on: date


async def credit_lines(ctx: DomainContext, person_id: int) -> list[CreditLine]:
    """The worker's credit and unused vouchers under each running plan of their companies."""
    today = ctx.now().astimezone(ctx.zone).date()
    vouchers = await unused_vouchers(ctx, person_id)
    lines = []
    for enrolment in await confirmed_enrolments(ctx, person_id):
        for plan in enrolment.company.plans:
            if not plan.runs_on(today):
                continue
            mine = [v for v in vouchers if v.plan_id == plan.id]
            lines.append(
                CreditLine(
                    company=enrolment.company.name, plan=plan.name,
                    credit_cents=await balance(ctx, credit_account(plan.id, person_id)),
                    vouchers=len(mine), voucher_cents=sum(v.value_cents for v in mine),
                    expires_on=plan.ends_on,
                )
            )  # fmt: skip
    return lines


async def last_movements(ctx: DomainContext, person_id: int, limit: int = 5) -> list[Movement]:
    """The person's latest movements (credit, vouchers, purchases), newest first."""
    rows = await ctx.session.scalars(
        select(Movement)
        .where(Movement.person_id == person_id)
        .order_by(Movement.at.desc(), Movement.id.desc())
        .limit(limit)
    )
    return list(rows.all())


async def person_due(ctx: DomainContext, person_id: int) -> int:
    """What a person owes for services nobody else paid, in cents."""
    return -await balance(ctx, person_account(person_id))


async def _expire(ctx: DomainContext, plan: Plan, account: str, person_id: int) -> Movement | None:
    left = await balance(ctx, account)
    if left <= 0:
        return None
    return await post(
        ctx, MovementKind.EXPIRY, {account: -left, company_account(plan.company_id): left},
        company_id=plan.company_id, person_id=person_id, memo=account, by="expiry",
    )  # fmt: skip


async def expire_credits(ctx: DomainContext) -> list[Movement]:
    """Give back to each company what its workers left of plans that have ended."""
    today = ctx.now().astimezone(ctx.zone).date()
    ended = (await ctx.session.scalars(select(Plan).where(Plan.ends_on < today))).all()
    expired = []
    for plan in ended:
        accounts = await ctx.session.scalars(
            select(Entry.account)
            .distinct()
            .where(Entry.account.startswith(f"credit:{plan.id}:", autoescape=True))
        )
        vouchers = await ctx.session.scalars(select(Voucher).where(Voucher.plan_id == plan.id))
        held = [(a, int(a.rsplit(":", 1)[1])) for a in accounts.all()]
        held += [(voucher_account(v.id), v.person_id) for v in vouchers.all()]
        for account, person_id in held:
            movement = await _expire(ctx, plan, account, person_id)
            if movement is not None:
                expired.append(movement)
    return expired
