"""A coordinator pays a done request from the solidarity fund: the charge left due from the
person is refunded and the fund grants the service instead, both as new ledger movements (the
ledger is append-only). Only a charge still due from the person and not yet paid qualifies:
a service already paid by a plan, a voucher or a referral needs no fund."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select

from concierge.context import DomainContext
from concierge.errors import InvalidValue
from concierge.people.person import Person
from concierge.welfare.charging import Charge, ServiceDone, grant_from_fund
from concierge.welfare.ledger import FUND, Entry, Movement, MovementKind, Payer, amount_on, refund
from concierge.welfare.receipts import (
    due_from_person,
    hold_request_money,
    paid_movement,
    receipt_of,
)


class NotForTheFund(InvalidValue):
    """The request has no charge left due from the person for the fund to pay."""

    key = "error.fund_not_due"


async def grant_request(ctx: DomainContext, request_id: int, reason: str, by: str) -> Charge:
    """Pay a done request's charge from the fund, for a stated reason: the purchase due from
    the person is refunded and the fund grants the same service. NotForTheFund when nothing is
    due from the person (or it was paid); FundShort when the fund holds too little."""
    if not reason.strip():
        raise InvalidValue("a grant from the solidarity fund needs a reason")
    await hold_request_money(ctx, request_id)
    purchase = await paid_movement(ctx, request_id)
    if (
        purchase.kind != MovementKind.PURCHASE
        or purchase.payer != Payer.PERSON
        or due_from_person(purchase) <= 0
        or await receipt_of(ctx, purchase) is not None
        or purchase.person_id is None
        or purchase.cooperative_id is None
        or purchase.service_code is None
    ):
        raise NotForTheFund(f"request {request_id} has nothing due from the person")
    done = ServiceDone(
        person_id=purchase.person_id, service_code=purchase.service_code,
        cooperative_id=purchase.cooperative_id, minutes=purchase.minutes,
        request_id=request_id, by=by,
    )  # fmt: skip
    # Refunded first, so the fund's balance checked by the grant no longer counts this
    # purchase's share; a refused grant rolls the refund back with it.
    await refund(ctx, purchase.id, f"paid from the solidarity fund: {reason.strip()}", by)
    return await grant_from_fund(ctx, done, reason)


@dataclass(frozen=True)
class FundLine:
    """One movement of the fund as staff read it."""

    at: datetime
    kind: str
    amount_cents: int  # positive: into the fund
    request_id: int | None
    person: str
    cooperative_id: int | None
    reason: str


async def fund_movements(
    ctx: DomainContext, cooperative_id: int | None = None, limit: int = 50
) -> list[FundLine]:
    """The fund's latest movements, newest first. For one cooperative: only the grants it made
    (and their refunds), never another cooperative's or what purchases paid in."""
    query = (
        select(Movement)
        .join(Entry)
        .where(Entry.account == FUND)
        .order_by(Movement.at.desc(), Movement.id.desc())
        .limit(limit)
    )
    if cooperative_id is not None:
        grants = Movement.kind == MovementKind.FUND_GRANT
        refunds = (Movement.kind == MovementKind.REFUND) & (Movement.payer == Payer.FUND)
        query = query.where(Movement.cooperative_id == cooperative_id, or_(grants, refunds))
    lines = []
    for movement in (await ctx.session.scalars(query)).all():
        person = await ctx.session.get(Person, movement.person_id) if movement.person_id else None
        granted = movement.kind == MovementKind.FUND_GRANT or movement.payer == Payer.FUND
        lines.append(
            FundLine(
                at=movement.at, kind=str(movement.kind), amount_cents=amount_on(movement, FUND),
                request_id=movement.request_id, cooperative_id=movement.cooperative_id,
                person=person.display_name if person and granted else "", reason=movement.memo,
            )
        )  # fmt: skip
    return lines
