"""People and their channel identities: phone numbers in E.164, one person per address."""

from __future__ import annotations

import pytest

from concierge.errors import InvalidPhoneNumber
from concierge.messages import IdentityKind
from concierge.people.person import find_or_register, normalise_address, normalise_phone
from tests.conftest import Domain


@pytest.mark.parametrize(
    "raw",
    ["+39 333 123 4567", "333 1234567", "0039 333 123 4567", "whatsapp:+393331234567",
     "+39-333-123-45-67"],
)  # fmt: skip
def test_italian_mobile_forms_become_e164(raw: str) -> None:
    assert normalise_phone(raw) == "+393331234567"


def test_landline_and_foreign_numbers() -> None:
    assert normalise_phone("06 1234 5678") == "+390612345678"
    assert normalise_phone("+44 20 7946 0958") == "+442079460958"
    assert normalise_phone("020 7946 0958", "GB") == "+442079460958"


@pytest.mark.parametrize("raw", ["12", "hello", "+39 1", ""])
def test_invalid_numbers_are_refused(raw: str) -> None:
    with pytest.raises(InvalidPhoneNumber) as raised:
        normalise_phone(raw)
    assert raised.value.params == {"number": raw}


def test_telegram_ids_are_kept_as_given() -> None:
    assert normalise_address(IdentityKind.TELEGRAM, " 123456789 ") == "123456789"


async def test_same_address_same_person(domain: Domain) -> None:
    async with domain.unit() as ctx:
        first, created = await find_or_register(
            ctx.session, IdentityKind.PHONE, "+393331234567", ctx.now()
        )
        again, created_again = await find_or_register(
            ctx.session, IdentityKind.PHONE, "+393331234567", ctx.now()
        )
        other, _ = await find_or_register(ctx.session, IdentityKind.TELEGRAM, "42", ctx.now())
    assert created and not created_again
    assert first.id == again.id != other.id
    assert first.display_name == "+393331234567"
    assert first.address_for(IdentityKind.TELEGRAM) is None
