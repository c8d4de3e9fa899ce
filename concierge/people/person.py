"""People (residents and workers) and the channel identities they are reached by."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from concierge.database import Base, UTCDateTime
from concierge.errors import InvalidPhoneNumber
from concierge.messages import IdentityKind
from concierge.people.names import display_name


class PersonKind(StrEnum):
    """Residents of the neighbourhood, or workers served through a company welfare plan."""

    RESIDENT = "resident"
    WORKER = "worker"


class Person(Base):
    """Someone who talks to the service: a resident, a worker, or an operator's own person."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_name: Mapped[str] = mapped_column(String(80), default="")
    last_name: Mapped[str] = mapped_column(String(80), default="")
    kind: Mapped[PersonKind] = mapped_column(String(20), default=PersonKind.RESIDENT)
    language: Mapped[str | None] = mapped_column(String(5), nullable=True)
    # A neighbourhood or postcode area, matched against the zones operators cover.
    zone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    # The codice fiscale printed on receipts; "" until the person or staff gives it.
    fiscal_code: Mapped[str] = mapped_column(String(16), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    identities: Mapped[list[ChannelIdentity]] = relationship(
        back_populates="person", lazy="selectin", cascade="all, delete-orphan"
    )

    @property
    def display_name(self) -> str:
        """First and last name, or the first identity when the person gave no name."""
        return display_name(self.id, self.first_name, self.last_name, self._identity_pairs())

    def _identity_pairs(self) -> Iterator[tuple[str, str]]:
        # A generator: the identities are read only when the person has no name.
        for identity in self.identities:
            yield identity.kind, identity.address

    @property
    def no_number_to_call_back(self) -> bool:
        """Known only from a call with a withheld number: nobody can call or write back."""
        return {identity.kind for identity in self.identities} == {IdentityKind.ANONYMOUS_CALL}

    @property
    def stopped_addresses(self) -> list[str]:
        """The addresses at which the person asked for no messages they did not ask for."""
        return [i.address for i in self.identities if i.stopped_at is not None]

    def stopped(self, kind: IdentityKind) -> bool:
        """Whether the person said STOP at their address of this kind."""
        return any(i.kind == kind and i.stopped_at is not None for i in self.identities)

    def address_for(self, kind: IdentityKind) -> str | None:
        """This person's address of one kind (phone number, Telegram chat id), if known."""
        for identity in self.identities:
            if identity.kind == kind:
                return identity.address
        return None


class ChannelIdentity(Base):
    """One address of a person: an E.164 phone number or a Telegram chat id."""

    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("kind", "address"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[IdentityKind] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(100))
    # When the person said STOP at this address: from then on only answers to what they write
    # and the check-ins they asked for are sent here, until they say START.
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    person: Mapped[Person] = relationship(back_populates="identities")


def normalise_phone(raw: str, default_region: str = "IT") -> str:
    """The number in E.164 (+393331234567); InvalidPhoneNumber when it is not a valid number."""
    import phonenumbers  # its metadata loads slowly; only numbers being read need it

    cleaned = raw.strip().removeprefix("whatsapp:").removeprefix("tel:")
    try:
        number = phonenumbers.parse(cleaned, default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber(f"not a phone number: {raw!r}", number=raw) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber(f"not a valid phone number: {raw!r}", number=raw)
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def phone_or_none(raw: str, default_region: str = "IT") -> str | None:
    """A sender's number as a provider reports it, in E.164; None when it is withheld or not a
    phone number ("anonymous", "restricted", "client:…", "sip:…", empty, too short or long)."""
    try:
        return normalise_phone(raw, default_region)
    except InvalidPhoneNumber:
        return None


def normalise_address(kind: IdentityKind, raw: str, default_region: str = "IT") -> str:
    """An address in its canonical form for its kind."""
    if kind == IdentityKind.PHONE:
        return normalise_phone(raw, default_region)
    return raw.strip()


async def find_person(session: AsyncSession, kind: IdentityKind, address: str) -> Person | None:
    """The person owning this (already normalised) address, if any, with all their identities
    joined in the same statement (their own `selectin` load would be a second one, on every
    turn of a known sender)."""
    found = await session.scalars(
        select(Person)
        .join(ChannelIdentity)
        .where(ChannelIdentity.kind == kind, ChannelIdentity.address == address)
        .options(joinedload(Person.identities))
    )
    return found.unique().first()


async def find_or_register(
    session: AsyncSession, kind: IdentityKind, address: str, now: datetime
) -> tuple[Person, bool]:
    """The person behind an address, registering a new resident the first time we hear of it."""
    person = await find_person(session, kind, address)
    if person is not None:
        return person, False
    return await register(session, kind, address, now), True


async def register(
    session: AsyncSession, kind: IdentityKind, address: str, now: datetime
) -> Person:
    """A new resident known by this address (the caller found nobody by it)."""
    person = Person(kind=PersonKind.RESIDENT, created_at=now)
    person.identities.append(ChannelIdentity(kind=kind, address=address))
    session.add(person)
    await session.flush()
    return person


async def link_phone(
    session: AsyncSession, person: Person, raw_phone: str, default_region: str
) -> Person:
    """Someone shared their phone number from another channel (Telegram): the person known by
    that number gets this channel's identity too; returns who the sender really is."""
    phone = normalise_phone(raw_phone, default_region)
    owner = await find_person(session, IdentityKind.PHONE, phone)
    if owner is None:
        person.identities.append(ChannelIdentity(kind=IdentityKind.PHONE, address=phone))
        await session.flush()
        return person
    if owner.id != person.id:
        for identity in list(person.identities):
            if identity.kind != IdentityKind.PHONE:
                identity.person_id = owner.id
        await session.flush()
        await session.refresh(owner, ["identities"])
    return owner
