"""The price a person is told before confirming a request, and who will pay it: "dal tuo credito
welfare: restano €184,00 dopo questo servizio", free by a referral, or not covered by the plan."""

from __future__ import annotations

from concierge.context import DomainContext
from concierge.errors import NotFound
from concierge.i18n import t
from concierge.welfare.charging import paying_source
from concierge.welfare.ledger import balance
from concierge.welfare.money import show
from concierge.welfare.prices import PriceUnit, price_of, quote


async def quote_line(
    ctx: DomainContext, person_id: int, service_code: str, cooperative_id: int, language: str
) -> str | None:
    """What the service will cost this person and who pays, in their language; None when the
    cooperative set no price for it. An hourly price is quoted for one hour."""
    try:
        price = await price_of(ctx, service_code, cooperative_id)
    except NotFound:
        return None
    priced = quote(price, 60)
    amount = show(priced.gross_cents, language)
    hourly = price.unit == PriceUnit.HOUR
    shown = t(language, "welfare.quote.per_hour", price=amount) if hourly else amount
    source = await paying_source(ctx, person_id, service_code, priced.gross_cents)
    if source.referral is not None:
        return t(language, "welfare.quote.municipality", municipality=source.referral.municipality)
    if source.voucher is not None:
        return t(language, "welfare.quote.voucher")
    if source.credit is not None:
        left = await balance(ctx, source.credit[1])
        if hourly:
            return t(
                language, "welfare.quote.credit_hourly", price=shown, left=show(left, language)
            )
        after = show(left - priced.gross_cents, language)
        return t(language, "welfare.quote.credit", price=shown, left=after)
    if source.enrolments:
        return t(language, "welfare.quote.not_covered", price=shown)
    return t(language, "welfare.quote.person", price=shown)
