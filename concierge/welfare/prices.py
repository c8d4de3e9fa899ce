"""Prices per service and cooperative (fixed, or per hour with the hours recorded when the
service is done), VAT, and the welfare purpose of each catalogue entry (TUIR)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from concierge.context import DomainContext
from concierge.database import Base
from concierge.errors import InvalidValue, NotFound
from concierge.intake.catalogue import get_service


class PriceUnit(StrEnum):
    """A price for the whole service, or for each hour of work."""

    FIXED = "fixed"
    HOUR = "hour"


class Purpose(StrEnum):
    """Why a service is (or is not) free of income tax for a worker (TUIR)."""

    ART51_F = "art51_f"  # art. 51 c.2 lett. f: education, recreation, social assistance
    ART51_F_BIS = "art51_f_bis"  # f-bis: education and childcare, summer camps
    ART51_F_TER = "art51_f_ter"  # f-ter: care of elderly or non-self-sufficient relatives
    ART100 = "art100"  # art. 100: social utility services
    FRINGE = "fringe"  # other goods and services: a fringe benefit, tax-free up to a limit


class Price(Base):
    """What a cooperative asks for a service, before VAT."""

    __tablename__ = "prices"
    __table_args__ = (UniqueConstraint("service_code", "cooperative_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_code: Mapped[str] = mapped_column(ForeignKey("services.code"))
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    unit: Mapped[PriceUnit] = mapped_column(String(10))
    net_cents: Mapped[int] = mapped_column(BigInteger)
    # VAT in hundredths of a per cent: 2200 is 22 %, 500 is 5 % (social cooperatives).
    vat_basis_points: Mapped[int] = mapped_column(Integer, default=2200)


class ServicePurpose(Base):
    """The welfare purpose of one catalogue entry; an entry without one is a fringe benefit."""

    __tablename__ = "service_purposes"

    service_code: Mapped[str] = mapped_column(ForeignKey("services.code"), primary_key=True)
    purpose: Mapped[Purpose] = mapped_column(String(20))


@dataclass(frozen=True)
class Quote:
    """A price worked out for one service: net, VAT and what is paid."""

    net_cents: int
    vat_cents: int
    minutes: int | None

    @property
    def gross_cents(self) -> int:
        """What the service costs, VAT included."""
        return self.net_cents + self.vat_cents


def _rounded(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def quote(price: Price, minutes: int | None = None) -> Quote:
    """The price of one service; an hourly price needs the minutes worked."""
    net = Decimal(price.net_cents)
    if price.unit == PriceUnit.HOUR:
        if minutes is None or minutes <= 0:
            raise InvalidValue(
                "an hourly service needs the time worked",
                why="why.hours_needed",
                service=price.service_code,
            )
        net = net * minutes / 60
    else:
        minutes = None
    net_cents = _rounded(net)
    vat_cents = _rounded(Decimal(net_cents) * price.vat_basis_points / 10000)
    return Quote(net_cents=net_cents, vat_cents=vat_cents, minutes=minutes)


async def set_price(
    ctx: DomainContext,
    service_code: str,
    cooperative_id: int,
    unit: PriceUnit,
    net_cents: int,
    vat_basis_points: int = 2200,
) -> Price:
    """Set (or change) what a cooperative asks for a service."""
    await get_service(ctx.session, service_code)
    if net_cents <= 0 or not 0 <= vat_basis_points <= 10000:
        raise InvalidValue("a price is positive and its VAT between 0 and 100 %", why="why.price")
    price = await ctx.session.scalar(
        select(Price).where(
            Price.service_code == service_code, Price.cooperative_id == cooperative_id
        )
    )
    if price is None:
        price = Price(service_code=service_code, cooperative_id=cooperative_id)
        ctx.session.add(price)
    price.unit, price.net_cents, price.vat_basis_points = unit, net_cents, vat_basis_points
    await ctx.session.flush()
    return price


async def price_of(ctx: DomainContext, service_code: str, cooperative_id: int) -> Price:
    """A cooperative's price for a service; NotFound when it set none."""
    price = await ctx.session.scalar(
        select(Price).where(
            Price.service_code == service_code, Price.cooperative_id == cooperative_id
        )
    )
    if price is None:
        raise NotFound(f"no price for {service_code} at cooperative {cooperative_id}")
    return price


async def price_list(ctx: DomainContext, cooperative_id: int | None = None) -> list[Price]:
    """Every price set (or one cooperative's), by cooperative and service code."""
    query = select(Price).order_by(Price.cooperative_id, Price.service_code)
    if cooperative_id is not None:
        query = query.where(Price.cooperative_id == cooperative_id)
    return list((await ctx.session.scalars(query)).all())


async def set_purpose(ctx: DomainContext, service_code: str, purpose: Purpose) -> None:
    """Say which welfare purpose a catalogue entry serves."""
    await get_service(ctx.session, service_code)
    row = await ctx.session.get(ServicePurpose, service_code)
    if row is None:
        ctx.session.add(ServicePurpose(service_code=service_code, purpose=purpose))
    else:
        row.purpose = purpose
    await ctx.session.flush()


async def purpose_of(ctx: DomainContext, service_code: str) -> Purpose:
    """A service's welfare purpose; a fringe benefit when none was set."""
    row = await ctx.session.get(ServicePurpose, service_code)
    return Purpose(row.purpose) if row is not None else Purpose.FRINGE
