"""A cooperative's partita IVA (Italian VAT number), printed on the receipts of its services:
eleven digits whose last is a Luhn-style check digit, optionally written with the IT prefix."""

from __future__ import annotations

from sqlalchemy import select

from concierge.context import DomainContext
from concierge.errors import InvalidValue, NotFound
from concierge.team.operators import Cooperative


def valid_vat_number(text: str) -> str:
    """The eleven digits of a partita IVA; InvalidValue unless the check digit is right."""
    digits = "".join(text.split()).upper().removeprefix("IT")
    if len(digits) != 11 or not digits.isdecimal():
        raise InvalidValue(
            f"{text!r} is not a partita IVA (eleven digits)", why="why.vat_digits", given=text
        )
    odd = sum(int(d) for d in digits[0:10:2])
    even = sum(int(d) * 2 - 9 if int(d) * 2 > 9 else int(d) * 2 for d in digits[1:10:2])
    if (10 - (odd + even) % 10) % 10 != int(digits[10]):
        raise InvalidValue(
            f"{text!r} is not a partita IVA: its check digit is wrong",
            why="why.vat_check",
            given=text,
        )
    return digits


async def set_vat_number(ctx: DomainContext, cooperative_name: str, vat_number: str) -> Cooperative:
    """Give a cooperative its partita IVA (validated)."""
    cooperative = await ctx.session.scalar(
        select(Cooperative).where(Cooperative.name == cooperative_name.strip())
    )
    if cooperative is None:
        raise NotFound(
            f"no cooperative named {cooperative_name!r}",
            why="why.no_cooperative",
            what=cooperative_name,
        )
    cooperative.vat_number = valid_vat_number(vat_number)
    await ctx.session.flush()
    return cooperative
