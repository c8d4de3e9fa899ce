"""The one append-only ledger: every movement of money is a set of entries that sum to zero.

Balances are never stored: an account's balance is the sum of its entries. A movement is never
changed or removed; a refund is a new movement with the opposite entries.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Integer,
    String,
    Text,
    event,
    func,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from concierge.context import DomainContext
from concierge.database import Base, UTCDateTime
from concierge.errors import DomainError, InvalidValue, NotFound

FUND = "fund"


def company_account(company_id: int) -> str:
    """What a company has put into its plans (negative: credit and vouchers it funded)."""
    return f"company:{company_id}"


def credit_account(plan_id: int, person_id: int) -> str:
    """A worker's credit under one plan."""
    return f"credit:{plan_id}:{person_id}"


def voucher_account(voucher_id: int) -> str:
    """One voucher: its full value until it pays for one service, then nothing."""
    return f"voucher:{voucher_id}"


def cooperative_account(cooperative_id: int) -> str:
    """What a cooperative earned for the services it gave."""
    return f"cooperative:{cooperative_id}"


def referral_account(referral_id: int) -> str:
    """What a municipality's budget paid under one social-services referral."""
    return f"referral:{referral_id}"


def person_account(person_id: int) -> str:
    """What a person owes for services nobody else paid (negative: due from them)."""
    return f"person:{person_id}"


def received_account(cooperative_id: int) -> str:
    """What a cooperative collected directly from people (cash, card, transfer)."""
    return f"received:{cooperative_id}"


class MovementKind(StrEnum):
    """Why money moved."""

    CREDIT_GRANT = "credit_grant"
    VOUCHER_ISSUE = "voucher_issue"
    PURCHASE = "purchase"
    FUND_GRANT = "fund_grant"
    REFUND = "refund"
    EXPIRY = "expiry"
    PAYMENT = "payment"  # a person paid the cooperative what a service left due from them


class Payer(StrEnum):
    """Who paid for a service."""

    CREDIT = "credit"
    VOUCHER = "voucher"
    MUNICIPALITY = "municipality"
    FUND = "fund"
    PERSON = "person"


class LedgerImmutable(DomainError):
    """Someone tried to change or remove a ledger movement: refunds are new movements."""


class Movement(Base):
    """One movement of money, described for receipts and reports; its entries carry the money."""

    __tablename__ = "ledger_movements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    kind: Mapped[MovementKind] = mapped_column(String(20))
    # For purchases and grants: who was served, what, by whom, who paid and the price.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), nullable=True)
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id"), nullable=True, index=True
    )
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), nullable=True)
    service_code: Mapped[str | None] = mapped_column(ForeignKey("services.code"), nullable=True)
    cooperative_id: Mapped[int | None] = mapped_column(ForeignKey("cooperatives.id"), nullable=True)
    payer: Mapped[Payer | None] = mapped_column(String(20), nullable=True)
    purpose: Mapped[str | None] = mapped_column(String(20), nullable=True)
    minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    gross_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    vat_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    # A refund names the movement it reverses; each movement is refunded at most once.
    refund_of: Mapped[int | None] = mapped_column(
        ForeignKey("ledger_movements.id"), nullable=True, unique=True
    )
    memo: Mapped[str] = mapped_column(Text, default="")
    by: Mapped[str] = mapped_column(String(120), default="")

    entries: Mapped[list[Entry]] = relationship(
        back_populates="movement", lazy="selectin", order_by="Entry.id"
    )


class Entry(Base):
    """An amount in cents added to (positive) or taken from (negative) one account."""

    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    movement_id: Mapped[int] = mapped_column(ForeignKey("ledger_movements.id"), index=True)
    account: Mapped[str] = mapped_column(String(60), index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)

    movement: Mapped[Movement] = relationship(back_populates="entries")


def _refuse_change(_mapper: Any, _connection: Any, target: Movement | Entry) -> None:
    raise LedgerImmutable(f"the ledger is append-only: {type(target).__name__} {target.id}")


for _model in (Movement, Entry):
    event.listen(_model, "before_update", _refuse_change)
    event.listen(_model, "before_delete", _refuse_change)


async def post(
    ctx: DomainContext, kind: MovementKind, amounts: Mapping[str, int], **described: Any
) -> Movement:
    """Append one movement whose amounts (account → cents) sum to zero; zero amounts are left
    out. InvalidValue, changing nothing, when they do not balance or move nothing."""
    moving = {account: amount for account, amount in amounts.items() if amount != 0}
    if sum(moving.values()) != 0 or len(moving) < 2:
        raise InvalidValue(f"a ledger movement must balance and move money: {dict(amounts)}")
    movement = Movement(at=ctx.now(), kind=kind, **described)
    movement.entries = [Entry(account=a, amount_cents=n) for a, n in moving.items()]
    ctx.session.add(movement)
    await ctx.session.flush()
    return movement


async def balance(ctx: DomainContext, account: str, before: datetime | None = None) -> int:
    """An account's balance in cents: the sum of its entries (those before a moment, if given)."""
    query = select(func.coalesce(func.sum(Entry.amount_cents), 0)).where(Entry.account == account)
    if before is not None:
        query = query.join(Movement).where(Movement.at < before)
    return int(await ctx.session.scalar(query) or 0)


async def balances(ctx: DomainContext, prefix: str, before: datetime | None = None) -> int:
    """The sum of the balances of every account whose name starts with `prefix`."""
    query = select(func.coalesce(func.sum(Entry.amount_cents), 0)).where(
        Entry.account.startswith(prefix, autoescape=True)
    )
    if before is not None:
        query = query.join(Movement).where(Movement.at < before)
    return int(await ctx.session.scalar(query) or 0)


async def movements_of(ctx: DomainContext, account: str, limit: int = 5) -> list[Movement]:
    """The latest movements touching an account, newest first."""
    rows = await ctx.session.scalars(
        select(Movement)
        .join(Entry)
        .where(Entry.account == account)
        .order_by(Movement.at.desc(), Movement.id.desc())
        .limit(limit)
    )
    return list(rows.all())


def amount_on(movement: Movement, account: str) -> int:
    """What one movement added to (or took from) one account."""
    return sum(e.amount_cents for e in movement.entries if e.account == account)


async def refund(ctx: DomainContext, movement_id: int, reason: str, by: str) -> Movement:
    """Reverse a purchase or a fund grant with a new movement of the opposite entries."""
    original = await ctx.session.get(Movement, movement_id)
    if original is None:
        raise NotFound(f"no ledger movement {movement_id}", what=str(movement_id))
    if original.kind not in (MovementKind.PURCHASE, MovementKind.FUND_GRANT):
        raise InvalidValue(
            f"only purchases and fund grants are refunded, not {original.kind}",
            why="why.not_refundable",
            kind=str(original.kind),
        )
    if await ctx.session.scalar(select(Movement.id).where(Movement.refund_of == movement_id)):
        raise InvalidValue(
            f"movement {movement_id} was already refunded", why="why.refunded", id=movement_id
        )
    reversed_amounts: dict[str, int] = {}
    for entry in original.entries:
        reversed_amounts[entry.account] = (
            reversed_amounts.get(entry.account, 0) - entry.amount_cents
        )
    await _spent_share_from_provider(ctx, original, reversed_amounts)
    return await post(
        ctx, MovementKind.REFUND, reversed_amounts, refund_of=original.id, memo=reason, by=by,
        person_id=original.person_id, company_id=original.company_id,
        request_id=original.request_id, service_code=original.service_code,
        cooperative_id=original.cooperative_id, payer=original.payer, purpose=original.purpose,
        minutes=original.minutes, gross_cents=-original.gross_cents, vat_cents=-original.vat_cents,
    )  # fmt: skip


# The solidarity fund has no row of its own: what takes money out of it takes a
# transaction-scoped advisory lock keyed by this number, released at commit or rollback
# (PostgreSQL; SQLite has one writer anyway).
FUND_LOCK_KEY = 0x46554E44  # "FUND"


async def lock_fund(ctx: DomainContext) -> None:
    """Hold the fund until the transaction ends, so two withdrawals cannot both pass a check."""
    if ctx.session.get_bind().dialect.name == "postgresql":
        await ctx.session.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": FUND_LOCK_KEY}
        )


async def _spent_share_from_provider(
    ctx: DomainContext, original: Movement, reversed_amounts: dict[str, int]
) -> None:
    """A purchase's fund share may have been granted away since: the fund gives back what it
    holds, and the cooperative that was paid returns the rest, so the fund never goes below
    zero and the person still gets back exactly what they paid."""
    taken = -reversed_amounts.get(FUND, 0)
    if taken <= 0 or original.cooperative_id is None:
        return
    await lock_fund(ctx)
    short = taken - max(await balance(ctx, FUND), 0)
    if short > 0:
        reversed_amounts[FUND] += short
        provider = cooperative_account(original.cooperative_id)
        reversed_amounts[provider] = reversed_amounts.get(provider, 0) - short
