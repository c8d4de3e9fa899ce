"""Money as integer cents: read from text exactly, shown in a person's language, never floats."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_currency

from concierge.errors import InvalidValue

CENT = Decimal("0.01")
LIMIT = Decimal(10) ** 10  # ten billion euros: no amount of this service comes near it


def cents(text: str | Decimal) -> int:
    """An amount of euros as cents ("12,50" or "12.50" → 1250); InvalidValue when it is not one
    or has fractions of a cent."""
    try:
        value = Decimal(text.strip().replace(",", ".")) if isinstance(text, str) else text
    except InvalidOperation as exc:
        raise InvalidValue(
            f"not an amount of euros: {text!r}", why="why.amount", value=str(text)
        ) from exc
    # Bounded first: quantizing a huge exponent would overflow the decimal context.
    if not value.is_finite() or abs(value) >= LIMIT or value != value.quantize(CENT):
        raise InvalidValue(
            f"not an amount in euros and cents: {text!r}", why="why.amount", value=str(text)
        )
    return int(value * 100)


def euros(amount: int) -> Decimal:
    """Cents as an exact decimal of euros (1250 → Decimal('12.50'))."""
    return (Decimal(amount) / 100).quantize(CENT)


def show(amount: int, language: str) -> str:
    """Cents as a person reads them: '€ 12,50' in Italian, '€12.50' in English."""
    return str(format_currency(euros(amount), "EUR", locale=language))


def share_of(amount: int, percent: Decimal) -> int:
    """`percent` per cent of an amount in cents, rounded half up to the cent."""
    exact = Decimal(amount) * percent / 100
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
