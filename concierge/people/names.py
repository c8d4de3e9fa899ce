"""How a person is named to the people who run the service: one rule for the mapped `Person`
and for reads without the ORM (`concierge jobs`)."""

from __future__ import annotations

from collections.abc import Iterable


def display_name(
    person_id: int, first_name: str, last_name: str, identities: Iterable[tuple[str, str]]
) -> str:
    """First and last name, or the first identity (`(kind, address)`, in their order) when the
    person gave no name, or `#id` when they have none to show."""
    name = f"{first_name} {last_name}".strip()
    if name:
        return name
    # Imported here: the messages' models are of no use to a listing of named people.
    from concierge.messages import IdentityKind

    # A withheld caller's identity is the id of their call: meaningless to a reader.
    shown = (address for kind, address in identities if kind != IdentityKind.ANONYMOUS_CALL)
    return next(shown, f"#{person_id}")
