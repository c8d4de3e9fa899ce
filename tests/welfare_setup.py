"""A member company with a credit plan, a cooperative with prices, and helpers to enrol workers:
shared by the welfare tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from concierge.context import DomainContext
from concierge.messages import IdentityKind
from concierge.people.person import Person, find_or_register
from concierge.team.operators import Cooperative
from concierge.welfare.companies import Company, Plan, PlanInput, PlanMode, add_company, add_plan
from concierge.welfare.enrolment import confirm, enrol
from concierge.welfare.prices import PriceUnit, Purpose, set_price, set_purpose

PLAN_SERVICES = ("ironing", "cleaning", "childcare", "shopping")


@dataclass(frozen=True)
class Setup:
    """What the welfare tests start from (ids, so they can be used in later units of work)."""

    company_id: int
    plan_id: int
    cooperative_id: int


async def company_with_plan(
    ctx: DomainContext, mode: PlanMode = PlanMode.CREDIT, credit_cents: int = 50000
) -> Setup:
    """Acme with a 2026 plan covering ironing, cleaning, childcare, shopping; a cooperative
    asking €15/hour + 22 % for ironing, €40 + 22 % for cleaning, €20 + 5 % for childcare."""
    cooperative = Cooperative(name="Cooperativa Welfare Test")
    ctx.session.add(cooperative)
    await ctx.session.flush()
    company = await add_company(ctx, "Acme Bergamo", "acme26", "IT01234567890")
    plan = await add_plan(
        ctx, company,
        PlanInput(
            name="Welfare 2026", mode=mode, yearly_credit_cents=credit_cents,
            starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31), services=PLAN_SERVICES,
        ),
    )  # fmt: skip
    await set_price(ctx, "ironing", cooperative.id, PriceUnit.HOUR, 1500)
    await set_price(ctx, "cleaning", cooperative.id, PriceUnit.FIXED, 4000)
    await set_price(ctx, "childcare", cooperative.id, PriceUnit.FIXED, 2000, 500)
    await set_price(ctx, "shopping", cooperative.id, PriceUnit.FIXED, 1000)
    await set_purpose(ctx, "childcare", Purpose.ART51_F_BIS)
    return Setup(company.id, plan.id, cooperative.id)


async def worker(ctx: DomainContext, phone: str, setup: Setup, confirmed: bool = True) -> Person:
    """A person who enrolled with Acme's code (and whom Acme confirmed)."""
    person, _ = await find_or_register(ctx.session, IdentityKind.PHONE, phone, ctx.now())
    company = await ctx.session.get(Company, setup.company_id)
    assert company is not None
    enrolment = await enrol(ctx, person, company)
    if confirmed:
        await confirm(ctx, enrolment, "hr@acme")
    return person


async def plan_of(ctx: DomainContext, setup: Setup) -> Plan:
    """The setup's plan, loaded in this unit of work."""
    plan = await ctx.session.get(Plan, setup.plan_id)
    assert plan is not None
    return plan
