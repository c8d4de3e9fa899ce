"""Member companies and their welfare plans: a yearly credit per worker (or vouchers), the
services the plan covers, and the dates it runs between."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field, model_validator
from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from concierge.context import DomainContext
from concierge.database import Base, UTCDateTime
from concierge.errors import InvalidValue, NotFound
from concierge.intake.catalogue import get_service


class PlanMode(StrEnum):
    """How a plan pays: a credit the worker spends, or vouchers each worth one whole service."""

    CREDIT = "credit"
    VOUCHERS = "vouchers"


class Company(Base):
    """A company whose workers use the service through its welfare plan."""

    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # The code workers give the bot to enrol.
    code: Mapped[str] = mapped_column(String(40), unique=True)
    vat_number: Mapped[str] = mapped_column(String(20), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    plans: Mapped[list[Plan]] = relationship(
        back_populates="company", lazy="selectin", order_by="Plan.starts_on"
    )


class Plan(Base):
    """A company's welfare plan for a period."""

    __tablename__ = "welfare_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    mode: Mapped[PlanMode] = mapped_column(String(20))
    yearly_credit_cents: Mapped[int] = mapped_column(BigInteger)
    starts_on: Mapped[date] = mapped_column(Date)
    # The last day credit can be spent; what is left expires after it.
    ends_on: Mapped[date] = mapped_column(Date)
    services: Mapped[list[str]] = mapped_column(JSON, default=list)

    company: Mapped[Company] = relationship(back_populates="plans", lazy="joined")

    def runs_on(self, day: date) -> bool:
        """Whether the plan can be spent on this day."""
        return self.starts_on <= day <= self.ends_on

    def covers(self, service_code: str) -> bool:
        """Whether the plan pays for this service."""
        return service_code in self.services


class PlanInput(BaseModel):
    """A plan as a company asks for it."""

    name: str = Field(min_length=1, max_length=120)
    mode: PlanMode = PlanMode.CREDIT
    yearly_credit_cents: int = Field(gt=0)
    starts_on: date
    ends_on: date
    services: tuple[str, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _ends_after_start(self) -> PlanInput:
        if self.ends_on < self.starts_on:
            raise ValueError("a plan cannot end before it starts")
        return self


async def add_company(ctx: DomainContext, name: str, code: str, vat_number: str = "") -> Company:
    """A new member company with its enrolment code."""
    name, code = name.strip(), code.strip().upper()
    if not name or not code:
        raise InvalidValue("a company needs a name and an enrolment code", why="why.company_needs")
    taken = select(Company.id).where((Company.name == name) | (Company.code == code))
    if await ctx.session.scalar(taken):
        raise InvalidValue(
            f"a company named {name!r} or with code {code!r} exists",
            why="why.company_exists",
            name=name,
            code=code,
        )
    # Its plans start empty and loaded: reading them later in this unit needs no lazy load.
    company = Company(name=name, code=code, vat_number=vat_number, created_at=ctx.now(), plans=[])
    ctx.session.add(company)
    await ctx.session.flush()
    return company


async def add_plan(ctx: DomainContext, company: Company, plan: PlanInput) -> Plan:
    """A plan for a company; every service it covers must be in the catalogue, and its dates
    must not overlap another plan of the company (a day would have two credits)."""
    for code in plan.services:
        await get_service(ctx.session, code)
    other = await ctx.session.scalar(
        select(Plan).where(
            Plan.company_id == company.id,
            Plan.starts_on <= plan.ends_on,
            Plan.ends_on >= plan.starts_on,
        )
    )
    if other is not None:
        raise InvalidValue(
            f"the plan overlaps {other.name!r} ({other.starts_on} to {other.ends_on})",
            plan=other.name,
            starts_on=other.starts_on,
            ends_on=other.ends_on,
        )
    row = Plan(company_id=company.id, **plan.model_dump(exclude={"services"}))
    row.services = list(plan.services)
    ctx.session.add(row)
    await ctx.session.flush()
    await ctx.session.refresh(company, ["plans"])
    return row


async def company_named(ctx: DomainContext, name: str) -> Company:
    """The company with this name (case-insensitive); NotFound if there is none."""
    company = await ctx.session.scalar(select(Company).where(Company.name.ilike(name.strip())))
    if company is None:
        raise NotFound(f"no company named {name!r}", why="why.no_company", what=name)
    return company


async def company_with_code(ctx: DomainContext, code: str) -> Company:
    """The company whose enrolment code this is; NotFound if none."""
    company = await ctx.session.scalar(select(Company).where(Company.code == code.strip().upper()))
    if company is None:
        raise NotFound(f"no company with code {code!r}", why="why.no_company_code", what=code)
    return company


async def all_companies(ctx: DomainContext) -> list[Company]:
    """Every member company, by name."""
    return list((await ctx.session.scalars(select(Company).order_by(Company.name))).all())


def plan_on(company: Company, day: date) -> Plan | None:
    """The company's plan running on a day, if any."""
    return next((plan for plan in company.plans if plan.runs_on(day)), None)
