"""Reading the options of the welfare set-up commands as the domain wants them: euros as exact
cents ("12,50" or "12.50", never a float), calendar days, VAT as basis points, lists of codes.
A wrong one is a one-line error naming the option, in the command's language."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from babel.dates import format_date
from babel.numbers import format_decimal

from bot.cli.support import fail
from concierge.errors import InvalidValue
from concierge.i18n import t
from concierge.settings import Language
from concierge.welfare.money import cents


def positive_cents(text: str, option: str, language: Language) -> int:
    """A positive amount of euros as cents; fails naming the option otherwise."""
    try:
        amount = cents(text)
    except InvalidValue:
        amount = 0
    if amount <= 0:
        fail(t(language, "cli.welfare.bad_amount", option=option, given=repr(text)))
    return amount


def day(text: str, option: str, language: Language) -> date:
    """A calendar day written as 2027-01-31; fails naming the option otherwise."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        fail(t(language, "cli.welfare.bad_date", option=option, given=repr(text)))


def vat_basis_points(text: str, language: Language) -> int:
    """A VAT rate in per cent ("22", "5", "4,5") as hundredths of a per cent (2200)."""
    try:
        points = Decimal(text.strip().replace(",", ".")) * 100
    except InvalidOperation:
        points = Decimal(-1)
    if not points.is_finite() or points != points.to_integral_value() or not 0 <= points <= 10000:
        fail(t(language, "cli.welfare.bad_vat_rate", given=repr(text)))
    return int(points)


def codes(text: str) -> tuple[str, ...]:
    """Comma-separated codes, trimmed and lower-cased, each once, in the order given."""
    return tuple(dict.fromkeys(c.strip().lower() for c in text.split(",") if c.strip()))


def long_day(value: date, language: str) -> str:
    """A day with its year, as people write it: '1 gennaio 2027', '1 January 2027'."""
    return str(format_date(value, "d MMMM y", locale=language))


def percent(basis_points: int, language: str) -> str:
    """A VAT rate in the language's numbers: 2200 → '22', 450 → '4,5' in Italian."""
    return str(format_decimal(Decimal(basis_points) / 100, format="#,##0.##", locale=language))
