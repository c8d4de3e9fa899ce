"""Social-services referrals: a coordinator records that the municipality refers a person, with
its rules and budget; the services it covers are free to the person, paid from that budget."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field, model_validator
from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from concierge.context import DomainContext
from concierge.database import Base, UTCDateTime
from concierge.intake.catalogue import get_service
from concierge.welfare.ledger import balance, referral_account


class Referral(Base):
    """A municipality's referral of one person, with the budget it pays services from."""

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    municipality: Mapped[str] = mapped_column(String(120))
    rules: Mapped[str] = mapped_column(Text, default="")
    budget_cents: Mapped[int] = mapped_column(BigInteger)
    # The services it covers; empty covers every service.
    services: Mapped[list[str]] = mapped_column(JSON, default=list)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(120))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())

    def covers(self, service_code: str, day: date) -> bool:
        """Whether the referral pays for this service on this day."""
        in_time = self.starts_on <= day <= self.ends_on
        return in_time and (not self.services or service_code in self.services)


class ReferralInput(BaseModel):
    """A referral as the coordinator records it."""

    municipality: str = Field(min_length=1, max_length=120)
    rules: str = ""
    budget_cents: int = Field(gt=0)
    services: tuple[str, ...] = ()
    starts_on: date
    ends_on: date

    @model_validator(mode="after")
    def _ends_after_start(self) -> ReferralInput:
        if self.ends_on < self.starts_on:
            raise ValueError("a referral cannot end before it starts")
        return self


async def record_referral(
    ctx: DomainContext, person_id: int, referral: ReferralInput, by: str
) -> Referral:
    """Record a social-services referral for a person."""
    for code in referral.services:
        await get_service(ctx.session, code)
    row = Referral(
        person_id=person_id, recorded_by=by, recorded_at=ctx.now(),
        **referral.model_dump(exclude={"services"}),
    )  # fmt: skip
    row.services = list(referral.services)
    ctx.session.add(row)
    await ctx.session.flush()
    return row


async def budget_left(ctx: DomainContext, referral: Referral) -> int:
    """What is left of the referral's budget, in cents."""
    return referral.budget_cents + await balance(ctx, referral_account(referral.id))


async def paying_referral(
    ctx: DomainContext, person_id: int, service_code: str, day: date, gross_cents: int
) -> Referral | None:
    """A referral of this person that covers the service today with enough budget left."""
    rows = await ctx.session.scalars(
        select(Referral).where(Referral.person_id == person_id).order_by(Referral.id)
    )
    for referral in rows.all():
        if referral.covers(service_code, day) and await budget_left(ctx, referral) >= gross_cents:
            return referral
    return None


async def all_referrals(ctx: DomainContext) -> list[Referral]:
    """Every referral, newest first."""
    rows = await ctx.session.scalars(select(Referral).order_by(Referral.id.desc()))
    return list(rows.all())
