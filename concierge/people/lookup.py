"""Finding a person by name or number at the front desk, and adding a walk-in who is new."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from concierge.errors import InvalidValue
from concierge.messages import Channel, IdentityKind
from concierge.people.conversations import Conversation
from concierge.people.person import (
    ChannelIdentity,
    Person,
    PersonKind,
    find_person,
    normalise_phone,
    phone_or_none,
)

MAX_FOUND = 10


async def search_people(session: AsyncSession, query: str, default_region: str) -> list[Person]:
    """People whose name contains every word of `query`, or whose number is the one typed."""
    query = query.strip()
    if len(query) < 2:
        return []
    phone = phone_or_none(query, default_region)
    if phone is not None:
        found = await find_person(session, IdentityKind.PHONE, phone)
        return [found] if found is not None else []
    statement = select(Person)
    for word in query.split()[:4]:
        pattern = f"%{word.lower()}%"
        statement = statement.where(
            or_(
                func.lower(Person.first_name).like(pattern),
                func.lower(Person.last_name).like(pattern),
            )
        )
    rows = await session.scalars(
        statement.order_by(Person.last_name, Person.first_name).limit(MAX_FOUND)
    )
    return list(rows.all())


async def add_walk_in(
    session: AsyncSession,
    *,
    first_name: str,
    last_name: str,
    phone: str,
    language: str,
    default_region: str,
    now: datetime,
) -> Person:
    """A new resident met at the desk; a number already known is refused (find them instead)."""
    if not first_name.strip() or not last_name.strip():
        raise InvalidValue("a walk-in needs a first and a last name", why="why.walk_in_name")
    number = normalise_phone(phone, default_region) if phone.strip() else None
    if number is not None and await find_person(session, IdentityKind.PHONE, number):
        raise InvalidValue(f"{number} is someone's already", why="why.phone_taken", number=number)
    person = Person(
        first_name=first_name.strip(), last_name=last_name.strip(), kind=PersonKind.RESIDENT,
        language=language, created_at=now, identities=[],
    )  # fmt: skip
    if number is not None:
        person.identities.append(ChannelIdentity(kind=IdentityKind.PHONE, address=number))
    session.add(person)
    await session.flush()
    return person


async def own_channel(session: AsyncSession, person: Person) -> Channel | None:
    """Where the person hears from us: the channel they last wrote on, else Telegram, else SMS
    to their number; None when they have no address at all (a printed receipt instead)."""
    last = await session.scalar(
        select(Conversation.channel)
        .where(Conversation.person_id == person.id)
        .order_by(Conversation.updated_at.desc())
        .limit(1)
    )
    if last is not None and last != Channel.VOICE:
        return Channel(last)
    if person.address_for(IdentityKind.TELEGRAM) is not None:
        return Channel.TELEGRAM
    if person.address_for(IdentityKind.PHONE) is not None:
        return Channel.SMS
    return None
