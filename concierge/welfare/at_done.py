"""A finished request is charged to whoever pays for it, and its requester is told what was
charged: to their welfare credit, with a voucher, to the municipality, or due from them."""

from __future__ import annotations

from concierge.context import DomainContext
from concierge.errors import NotFound
from concierge.i18n import t
from concierge.messages import Reply
from concierge.requests.notifications import language_of, request_summary, tell_person
from concierge.requests.request import ServiceRequest
from concierge.welfare.charging import Charge, charge_request
from concierge.welfare.ledger import Payer, amount_on, balance, person_account
from concierge.welfare.money import show
from concierge.welfare.prices import Price, PriceUnit, price_of


async def request_price(ctx: DomainContext, request: ServiceRequest) -> Price | None:
    """The price its cooperative asks for a request's service; None when it set none."""
    if request.cooperative_id is None:
        return None
    try:
        return await price_of(ctx, request.service_code, request.cooperative_id)
    except NotFound:
        return None


async def needs_hours(ctx: DomainContext, request: ServiceRequest) -> bool:
    """Whether finishing a request needs the hours worked (its price is by the hour)."""
    price = await request_price(ctx, request)
    return price is not None and price.unit == PriceUnit.HOUR


async def charge_finished(
    ctx: DomainContext, request: ServiceRequest, minutes: int | None, by: str
) -> Charge | None:
    """Charge a request just done (None when it has no price) and tell the requester."""
    price = await request_price(ctx, request)
    if price is None:
        return None
    charge = await charge_request(
        ctx, request, minutes if price.unit == PriceUnit.HOUR else None, by
    )
    lang = language_of(ctx, request.requester)
    text = await _charged_text(ctx, request, charge, lang)
    await tell_person(
        ctx, request.requester, request.channel, Reply(text=text),
        f"charge:{charge.movement.id}", request.id, cooperative_id=request.cooperative_id,
    )  # fmt: skip
    return charge


async def _charged_text(
    ctx: DomainContext, request: ServiceRequest, charge: Charge, lang: str
) -> str:
    """What the requester reads about a charge."""
    summary = request_summary(ctx, request, lang)
    movement = charge.movement
    amount = show(movement.gross_cents, lang)
    due = -amount_on(movement, person_account(request.requester_id))
    if charge.payer == Payer.MUNICIPALITY:
        return t(lang, "welfare.charged.municipality", summary=summary, memo=movement.memo)
    if charge.payer == Payer.CREDIT:
        account = next(e.account for e in movement.entries if e.account.startswith("credit:"))
        left = show(await balance(ctx, account), lang)
        return t(lang, "welfare.charged.credit", summary=summary, amount=amount, left=left)
    if charge.payer == Payer.VOUCHER:
        text = t(lang, "welfare.charged.voucher", summary=summary, amount=amount)
        if due > 0:
            text += " " + t(lang, "welfare.charged.rest_due", amount=show(due, lang))
        return text
    return t(lang, "welfare.charged.person", summary=summary, amount=amount)
