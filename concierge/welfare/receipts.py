"""Receipts of paid services: a number, the beneficiary and their codice fiscale, the provider
(the cooperative) and its VAT number, the service, the amount with VAT, the payment date and
who paid. A service due from the person has its receipt once staff record the payment (date and
method), which also settles what the person owed in the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, Integer, String, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, relationship

from concierge.context import DomainContext
from concierge.database import Base, UTCDateTime
from concierge.errors import DomainError, InvalidValue, NotFound
from concierge.intake.catalogue import get_service
from concierge.people.person import Person
from concierge.requests.request import ServiceRequest
from concierge.team.operators import Cooperative
from concierge.welfare.enrolment import Enrolment
from concierge.welfare.ledger import (
    Movement,
    MovementKind,
    Payer,
    amount_on,
    person_account,
    post,
    received_account,
)

PAID_KINDS = (MovementKind.PURCHASE, MovementKind.FUND_GRANT)


class PaymentMethod(StrEnum):
    """How a person paid the cooperative."""

    CASH = "cash"
    CARD = "card"
    TRANSFER = "transfer"


class NotPaidYet(DomainError):
    """Part of the service is due from the person and their payment is not recorded."""

    key = "error.not_paid_yet"


# Two receipts numbered at once by the same issuer clash on the unique number: the later one
# takes the next number; more clashes than this in a row is no race but a fault.
NUMBERING_ATTEMPTS = 5


class NotIssuedYet(DomainError):
    """Nothing is due from the person but the receipt is not issued: reading it issues none."""

    key = "error.receipt_not_issued"


class Receipt(Base):
    """The receipt of one paid service (a purchase or a fund grant), issued once. Its number
    is the issuer's (the cooperative's) own sequence in the year of issue, in the service's
    time zone: 2026-000012 is the twelfth receipt the cooperative issued in 2026."""

    __tablename__ = "receipts"
    # Receipts of movements with no cooperative (before cooperatives) number as issuer 0: a
    # NULL would make every such number distinct to a plain unique constraint.
    __table_args__ = (
        Index(
            "uq_receipts_issuer_year_sequence",
            text("coalesce(issuer_id, 0)"),
            "year",
            "sequence",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    movement_id: Mapped[int] = mapped_column(ForeignKey("ledger_movements.id"), unique=True)
    # The ledger movement of the person's payment, when part was due from them.
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_movements.id"), nullable=True)
    paid_on: Mapped[date] = mapped_column(Date)
    # A PaymentMethod when the person paid, else who paid (credit, voucher, municipality, fund).
    method: Mapped[str] = mapped_column(String(20))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    by: Mapped[str] = mapped_column(String(120))
    # The cooperative that issues it (the movement's), the local year and the number in it.
    issuer_id: Mapped[int | None] = mapped_column(ForeignKey("cooperatives.id"), nullable=True)
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)

    movement: Mapped[Movement] = relationship(foreign_keys=[movement_id], lazy="joined")

    @property
    def number(self) -> str:
        """The receipt's number: the year it was issued and its sequence, e.g. 2026-000012."""
        return f"{self.year}-{self.sequence:06d}"


async def paid_movement(ctx: DomainContext, request_id: int) -> Movement:
    """The purchase or fund grant that paid a request and was not refunded; NotFound if none."""
    refunded = select(Movement.refund_of).where(Movement.refund_of.is_not(None))
    found = await ctx.session.scalar(
        select(Movement)
        .where(Movement.request_id == request_id, Movement.kind.in_(PAID_KINDS))
        .where(Movement.id.not_in(refunded))
        .order_by(Movement.id.desc())
    )
    if found is None:
        raise NotFound(
            f"request {request_id} has no charge", why="why.no_charge", what=str(request_id)
        )
    return found


def due_from_person(movement: Movement) -> int:
    """What a paid movement left due from the person, in cents."""
    if movement.person_id is None:
        return 0
    return -amount_on(movement, person_account(movement.person_id))


async def receipt_of(ctx: DomainContext, movement: Movement) -> Receipt | None:
    """The receipt issued for a paid movement, if any."""
    return await ctx.session.scalar(select(Receipt).where(Receipt.movement_id == movement.id))


async def issued_receipt(ctx: DomainContext, movement: Movement) -> Receipt:
    """The receipt issued for a paid movement, for reading; never issues one. NotPaidYet while
    the person's payment is not recorded, NotIssuedYet when it only waits to be issued."""
    receipt = await receipt_of(ctx, movement)
    if receipt is not None:
        return receipt
    if due_from_person(movement) > 0:
        raise NotPaidYet(f"movement {movement.id} waits for the person's payment")
    raise NotIssuedYet(
        f"movement {movement.id} has no receipt issued",
        why="why.receipt_not_issued",
        request_id=movement.request_id,
    )


def _day(ctx: DomainContext, moment: datetime) -> date:
    return moment.astimezone(ctx.zone).date()


async def _issue(ctx: DomainContext, receipt: Receipt) -> Receipt:
    """Number the receipt (the issuer's next in the local year) and store it. A clash with a
    receipt issued at the same moment (PostgreSQL; SQLite has one writer) is retried with the
    next number; if the clash was this movement's receipt issued by the other, that one is it."""
    receipt.issuer_id = receipt.movement.cooperative_id
    receipt.year = receipt.issued_at.astimezone(ctx.zone).year
    issuer = (
        Receipt.issuer_id.is_(None)
        if receipt.issuer_id is None
        else Receipt.issuer_id == receipt.issuer_id
    )
    for _ in range(NUMBERING_ATTEMPTS):
        last = await ctx.session.scalar(
            select(func.max(Receipt.sequence)).where(issuer, Receipt.year == receipt.year)
        )
        receipt.sequence = (last or 0) + 1
        if ctx.session.get_bind().dialect.name == "sqlite":
            # One writer: no clash to retry. And no savepoint: pysqlite sends no BEGIN before a
            # unit's first write, so a SAVEPOINT would open the transaction and its RELEASE
            # commit it, ahead of the unit.
            ctx.session.add(receipt)
            await ctx.session.flush()
            return receipt
        try:
            async with ctx.session.begin_nested():
                ctx.session.add(receipt)
                await ctx.session.flush()
        except IntegrityError:
            issued = await receipt_of(ctx, receipt.movement)
            if issued is not None:
                return issued
            continue
        return receipt
    # Not a race any more but a fault: the person is told to try again, nothing is stored.
    raise DomainError(f"no free receipt number for cooperative {receipt.issuer_id}")


async def hold_request_money(ctx: DomainContext, request_id: int) -> None:
    """Hold a request's money until the transaction ends: recording the person's payment and
    paying the same service from the fund cannot both pass their checks (PostgreSQL; SQLite
    has one writer)."""
    await ctx.session.execute(
        select(ServiceRequest.id).where(ServiceRequest.id == request_id).with_for_update()
    )


async def record_payment(
    ctx: DomainContext, request_id: int, paid_on: date, method: PaymentMethod, by: str
) -> Receipt:
    """The person paid what a request left due from them: the ledger is settled, the receipt
    issued. InvalidValue when nothing was due, it was already recorded, or the date is future."""
    await hold_request_money(ctx, request_id)
    movement = await paid_movement(ctx, request_id)
    due = due_from_person(movement)
    if due <= 0 or movement.cooperative_id is None or movement.person_id is None:
        raise InvalidValue(
            f"nothing of request {request_id} is due from the person",
            why="why.nothing_due",
            request_id=request_id,
        )
    if await receipt_of(ctx, movement) is not None:
        raise InvalidValue(
            f"the payment of request {request_id} is already recorded",
            why="why.already_paid",
            request_id=request_id,
        )
    if paid_on > _day(ctx, ctx.now()) or paid_on < _day(ctx, movement.at):
        raise InvalidValue("a payment date is between the service and today", why="why.paid_on")
    settled = {person_account(movement.person_id): due}
    settled[received_account(movement.cooperative_id)] = -due
    payment = await post(
        ctx, MovementKind.PAYMENT, settled, person_id=movement.person_id,
        request_id=request_id, cooperative_id=movement.cooperative_id, payer=Payer.PERSON,
        memo=method.value, by=by,
    )  # fmt: skip
    receipt = Receipt(
        movement=movement, movement_id=movement.id, payment_id=payment.id, paid_on=paid_on,
        method=method.value, issued_at=ctx.now(), by=by,
    )  # fmt: skip
    return await _issue(ctx, receipt)


async def receipt_for(ctx: DomainContext, movement: Movement, by: str) -> Receipt:
    """The receipt of a paid movement, issued now if it needs no payment from the person;
    NotPaidYet while what is due from them is not recorded."""
    receipt = await receipt_of(ctx, movement)
    if receipt is not None:
        return receipt
    if due_from_person(movement) > 0:
        raise NotPaidYet(f"movement {movement.id} waits for the person's payment")
    # The movement given, not its id alone: reading receipt.movement later needs no lazy load
    # (which an async session cannot do once the movement has left the identity map).
    receipt = Receipt(
        movement=movement, movement_id=movement.id, paid_on=_day(ctx, movement.at),
        method=str(movement.payer or Payer.FUND), issued_at=ctx.now(), by=by,
    )  # fmt: skip
    return await _issue(ctx, receipt)


async def last_paid(ctx: DomainContext, person_id: int) -> Movement | None:
    """A person's latest service that has (or can have) its receipt: paid and not refunded."""
    refunded = select(Movement.refund_of).where(Movement.refund_of.is_not(None))
    receipted = select(Receipt.movement_id)
    candidates = await ctx.session.scalars(
        select(Movement)
        .where(Movement.person_id == person_id, Movement.kind.in_(PAID_KINDS))
        .where(Movement.id.not_in(refunded))
        .order_by(Movement.at.desc(), Movement.id.desc())
        .limit(20)
    )
    receipted_ids = set((await ctx.session.scalars(receipted)).all())
    for movement in candidates.all():
        if movement.id in receipted_ids or due_from_person(movement) <= 0:
            return movement
    return None


@dataclass(frozen=True)
class ReceiptView:
    """What a receipt carries, ready to print."""

    number: str
    beneficiary: str
    fiscal_code: str
    provider: str
    vat_number: str
    service: str
    gross_cents: int
    vat_cents: int
    paid_on: date
    payer: str  # a Payer value
    method: str


async def _fiscal_code(ctx: DomainContext, person: Person) -> str:
    if person.fiscal_code:
        return person.fiscal_code
    # Else the one the person's company gave with its list of workers.
    given = await ctx.session.scalars(
        select(Enrolment.fiscal_code).where(
            Enrolment.person_id == person.id, Enrolment.fiscal_code != ""
        )
    )
    return next(iter(given.all()), "")


async def receipt_view(ctx: DomainContext, receipt: Receipt, language: str) -> ReceiptView:
    """The receipt's figures and names, service name in `language`."""
    movement = receipt.movement
    person = await ctx.session.get(Person, movement.person_id) if movement.person_id else None
    cooperative = (
        await ctx.session.get(Cooperative, movement.cooperative_id)
        if movement.cooperative_id
        else None
    )
    service = (
        (await get_service(ctx.session, movement.service_code)).name(language)
        if movement.service_code
        else ""
    )
    return ReceiptView(
        number=receipt.number, beneficiary=person.display_name if person else "",
        fiscal_code=await _fiscal_code(ctx, person) if person else "",
        provider=cooperative.name if cooperative else "",
        vat_number=cooperative.vat_number if cooperative else "", service=service,
        gross_cents=movement.gross_cents, vat_cents=movement.vat_cents, paid_on=receipt.paid_on,
        payer=str(movement.payer or Payer.PERSON), method=receipt.method,
    )  # fmt: skip
