"""Charging a service when it is done: from a social-services referral, a voucher, the worker's
credit, or else due from the person; a share of every purchase feeds the solidarity fund."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel, Field
from sqlalchemy import select

from concierge.context import DomainContext
from concierge.errors import InvalidValue, NotFound
from concierge.people.person import Person
from concierge.requests.request import ServiceRequest
from concierge.welfare.companies import PlanMode, plan_on
from concierge.welfare.enrolment import Enrolment, confirmed_enrolments
from concierge.welfare.ledger import (
    FUND,
    Movement,
    MovementKind,
    Payer,
    balance,
    cooperative_account,
    credit_account,
    lock_fund,
    person_account,
    post,
    referral_account,
    voucher_account,
)
from concierge.welfare.money import share_of
from concierge.welfare.prices import Quote, price_of, purpose_of, quote
from concierge.welfare.referrals import Referral, paying_referral
from concierge.welfare.vouchers import Voucher, usable_voucher


class ServiceDone(BaseModel):
    """A service given to a person by a cooperative, as recorded at completion."""

    person_id: int
    service_code: str
    cooperative_id: int
    minutes: int | None = Field(default=None, gt=0)
    request_id: int | None = None
    by: str = ""


@dataclass(frozen=True)
class Charge:
    """How a service was paid: the movement, who paid, and the price."""

    movement: Movement
    payer: Payer
    quote: Quote


async def _credit_enrolment(
    ctx: DomainContext,
    enrolments: list[Enrolment],
    person_id: int,
    service_code: str,
    day: date,
    gross: int,
) -> tuple[Enrolment, str] | None:
    for enrolment in enrolments:
        plan = plan_on(enrolment.company, day)
        if plan is None or plan.mode != PlanMode.CREDIT or not plan.covers(service_code):
            continue
        account = credit_account(plan.id, person_id)
        if await balance(ctx, account) >= gross:
            return enrolment, account
    return None


@dataclass(frozen=True)
class Source:
    """Who pays a service of a given price: the first of a referral, a voucher, the credit."""

    payer: Payer
    referral: Referral | None = None
    voucher: Voucher | None = None
    credit: tuple[Enrolment, str] | None = None
    # The person's confirmed enrolments, read when no referral or voucher pays (a quote says
    # "not covered by your plan" from them without reading them again).
    enrolments: tuple[Enrolment, ...] = ()


async def paying_source(
    ctx: DomainContext, person_id: int, service_code: str, gross: int
) -> Source:
    """Who would pay this service for this person today."""
    day = ctx.now().astimezone(ctx.zone).date()
    referral = await paying_referral(ctx, person_id, service_code, day, gross)
    if referral is not None:
        return Source(Payer.MUNICIPALITY, referral=referral)
    voucher = await usable_voucher(ctx, person_id, service_code, day)
    if voucher is not None:
        return Source(Payer.VOUCHER, voucher=voucher)
    enrolments = await confirmed_enrolments(ctx, person_id)
    credit = await _credit_enrolment(ctx, enrolments, person_id, service_code, day, gross)
    if credit is not None:
        return Source(Payer.CREDIT, credit=credit, enrolments=tuple(enrolments))
    return Source(Payer.PERSON, enrolments=tuple(enrolments))


def _split(total: int, ctx: DomainContext, cooperative_id: int) -> dict[str, int]:
    """The receiving side of a purchase: the cooperative, less the fund's share."""
    fund = share_of(total, ctx.settings.welfare_fund_share_percent)
    return {cooperative_account(cooperative_id): total - fund, FUND: fund}


async def _lock_person(ctx: DomainContext, person_id: int) -> None:
    # One purchase at a time per person: the row lock keeps two charges from both reading
    # the same credit, voucher or budget (PostgreSQL; SQLite has one writer anyway).
    found = await ctx.session.scalar(
        select(Person.id).where(Person.id == person_id).with_for_update()
    )
    if found is None:
        raise NotFound(f"no person {person_id}", why="why.no_person", what=str(person_id))


async def charge_service(ctx: DomainContext, done: ServiceDone) -> Charge:
    """Charge a completed service to whoever pays for it, in one balanced movement."""
    await _lock_person(ctx, done.person_id)
    priced = quote(await price_of(ctx, done.service_code, done.cooperative_id), done.minutes)
    gross = priced.gross_cents
    described = {
        "person_id": done.person_id, "request_id": done.request_id,
        "service_code": done.service_code, "cooperative_id": done.cooperative_id,
        "purpose": await purpose_of(ctx, done.service_code), "minutes": priced.minutes,
        "gross_cents": gross, "vat_cents": priced.vat_cents, "by": done.by,
    }  # fmt: skip
    amounts = _split(gross, ctx, done.cooperative_id)
    source, company_id = await paying_source(ctx, done.person_id, done.service_code, gross), None
    if source.referral is not None:
        amounts[referral_account(source.referral.id)] = -gross
        described["memo"] = source.referral.municipality
    elif source.voucher is not None:
        # The whole voucher pays for this one service; what it does not cover is due.
        voucher = source.voucher
        total = max(gross, voucher.value_cents)
        amounts = _split(total, ctx, done.cooperative_id)
        amounts[voucher_account(voucher.id)] = -voucher.value_cents
        amounts[person_account(done.person_id)] = voucher.value_cents - total
        company_id, described["gross_cents"] = voucher.plan.company_id, total
    elif source.credit is not None:
        enrolment, account = source.credit
        company_id, amounts[account] = enrolment.company_id, -gross
    else:
        amounts[person_account(done.person_id)] = -gross
    movement = await post(
        ctx, MovementKind.PURCHASE, amounts, payer=source.payer, company_id=company_id, **described
    )
    return Charge(movement=movement, payer=source.payer, quote=priced)


async def charge_request(
    ctx: DomainContext, request: ServiceRequest, minutes: int | None, by: str
) -> Charge:
    """Charge a request done by its cooperative (the minutes worked, for an hourly price)."""
    if request.cooperative_id is None:
        raise InvalidValue(
            f"request {request.id} has no cooperative to be paid",
            why="why.no_cooperative_to_pay",
            request_id=request.id,
        )
    done = ServiceDone(
        person_id=request.requester_id, service_code=request.service_code,
        cooperative_id=request.cooperative_id, minutes=minutes, request_id=request.id, by=by,
    )  # fmt: skip
    return await charge_service(ctx, done)


class FundShort(InvalidValue):
    """The solidarity fund does not hold enough for the service asked of it."""

    key = "error.fund_short"


async def grant_from_fund(ctx: DomainContext, done: ServiceDone, reason: str) -> Charge:
    """The solidarity fund pays a service for a named person, for a stated reason."""
    if not reason.strip():
        raise InvalidValue(
            "a grant from the solidarity fund needs a reason", why="why.grant_reason"
        )
    if await ctx.session.get(Person, done.person_id) is None:
        raise NotFound(f"no person {done.person_id}", why="why.no_person", what=str(done.person_id))
    priced = quote(await price_of(ctx, done.service_code, done.cooperative_id), done.minutes)
    gross = priced.gross_cents
    # One grant at a time: two grants reading the same balance could both pass and overdraw.
    await lock_fund(ctx)
    if await balance(ctx, FUND) < gross:
        raise FundShort(
            "the solidarity fund does not hold enough for this service", why="why.fund_short"
        )
    paid = {FUND: -gross, cooperative_account(done.cooperative_id): gross}
    movement = await post(
        ctx, MovementKind.FUND_GRANT, paid,
        person_id=done.person_id, request_id=done.request_id, service_code=done.service_code,
        cooperative_id=done.cooperative_id, payer=Payer.FUND, minutes=priced.minutes,
        purpose=await purpose_of(ctx, done.service_code), gross_cents=gross,
        vat_cents=priced.vat_cents, memo=reason.strip(), by=done.by,
    )  # fmt: skip
    return Charge(movement=movement, payer=Payer.FUND, quote=priced)
