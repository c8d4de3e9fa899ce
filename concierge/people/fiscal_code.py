"""A person's codice fiscale, printed on the receipts of the services they paid or were given.

Checked with python-codicefiscale (maintained, typed): the check character and the birth date
and place encoded in the code must agree, so a mistyped letter is caught before a receipt
carries it."""

from __future__ import annotations

from codicefiscale import codicefiscale

from concierge.errors import DomainError
from concierge.people.person import Person


class InvalidFiscalCode(DomainError):
    """Sixteen characters that are not a valid codice fiscale."""

    key = "error.invalid_fiscal_code"


def normal_fiscal_code(text: str) -> str:
    """The code upper-cased without spaces; InvalidFiscalCode unless its checksum and fields
    are right."""
    code = "".join(text.split()).upper()
    if len(code) != 16 or not codicefiscale.is_valid(code):
        raise InvalidFiscalCode(f"{code!r} is not a valid codice fiscale", code=code)
    return code


def set_fiscal_code(person: Person, text: str) -> str:
    """Give a person their codice fiscale (validated); the code kept."""
    person.fiscal_code = normal_fiscal_code(text)
    return person.fiscal_code
