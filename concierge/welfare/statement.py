"""What a worker reads when they ask for their credit: what is left under each plan, until when,
unused vouchers and the last movements, in their language."""

from __future__ import annotations

from concierge.context import DomainContext
from concierge.i18n import format_day, t
from concierge.intake.catalogue import get_service
from concierge.welfare.credit import credit_lines, last_movements
from concierge.welfare.ledger import Movement, MovementKind
from concierge.welfare.money import show
from concierge.welfare.report import welfare_paid


async def _movement_line(ctx: DomainContext, movement: Movement, language: str) -> str:
    service = ""
    if movement.service_code is not None:
        service = (await get_service(ctx.session, movement.service_code)).name(language)
    if movement.kind in (MovementKind.CREDIT_GRANT, MovementKind.VOUCHER_ISSUE):
        amount = sum(e.amount_cents for e in movement.entries if e.amount_cents > 0)
    elif movement.kind == MovementKind.EXPIRY:
        amount = -sum(e.amount_cents for e in movement.entries if e.amount_cents > 0)
    else:
        amount = -welfare_paid(movement) or -movement.gross_cents
    what = t(language, f"welfare.movement.{movement.kind}", service=service)
    day = format_day(movement.at.astimezone(ctx.zone).date(), language)
    return t(language, "welfare.credit.movement", day=day, what=what, amount=show(amount, language))


async def credit_statement(ctx: DomainContext, person_id: int, language: str) -> str:
    """The worker's credit, its expiry, unused vouchers and last five movements."""
    lines = await credit_lines(ctx, person_id)
    if not lines:
        return t(language, "welfare.credit.none")
    text = []
    for line in lines:
        text.append(
            t(language, "welfare.credit.line", company=line.company, plan=line.plan,
              amount=show(line.credit_cents, language), day=format_day(line.expires_on, language))
        )  # fmt: skip
        if line.vouchers:
            amount = show(line.voucher_cents, language)
            text.append(t(language, "welfare.credit.vouchers", count=line.vouchers, amount=amount))
    movements = await last_movements(ctx, person_id)
    if movements:
        text.append(t(language, "welfare.credit.movements"))
        text.extend([await _movement_line(ctx, m, language) for m in movements])
    return "\n".join(text)
