"""Parcels on the desk's shelf: recorded when they arrive, the resident told on their channel,
reminded when one waits too long, and handed over to the resident or a named delegate."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from concierge.context import DomainContext
from concierge.database import Base, UTCDateTime
from concierge.errors import InvalidValue, NotFound
from concierge.i18n import t
from concierge.messages import Reply
from concierge.people.lookup import own_channel
from concierge.people.person import Person
from concierge.requests.notifications import language_of, tell_person
from concierge.timers import Timer, TimerKind, keep_timer, pending_timer


class Parcel(Base):
    """One parcel held for one resident by one cooperative's desk."""

    __tablename__ = "parcels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    # The desk that holds it: only that cooperative's staff see it and hand it over.
    cooperative_id: Mapped[int | None] = mapped_column(
        ForeignKey("cooperatives.id"), nullable=True, index=True
    )
    carrier: Mapped[str] = mapped_column(String(60))
    sender: Mapped[str] = mapped_column(String(120), default="")
    shelf: Mapped[str] = mapped_column(String(40))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    collected_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    # Who took it away: empty for the resident in person, else the delegate's name.
    collected_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    handed_over_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    person: Mapped[Person] = relationship(lazy="joined")


class ParcelInput(BaseModel):
    """A parcel as the desk records it."""

    model_config = ConfigDict(str_strip_whitespace=True)

    person_id: int = Field(gt=0)
    carrier: str = Field(min_length=1, max_length=60)
    sender: str = Field(default="", max_length=120)
    shelf: str = Field(min_length=1, max_length=40)


async def _tell(
    ctx: DomainContext, parcel: Parcel, key: str, dedupe_key: str, **params: str
) -> None:
    person = parcel.person
    channel = await own_channel(ctx.session, person)
    if channel is None:  # no address: the desk tells them when they come by
        return
    lang = language_of(ctx, person)
    sender = parcel.sender or t(lang, "parcel.unknown_sender")
    text = t(lang, key, number=parcel.id, carrier=parcel.carrier, sender=sender, **params)
    await tell_person(
        ctx, person, channel, Reply(text=text), dedupe_key, cooperative_id=parcel.cooperative_id
    )


async def receive_parcel(
    ctx: DomainContext, entry: ParcelInput, cooperative_id: int | None, staff_id: int
) -> Parcel:
    """Put a parcel on the shelf, tell its resident, and promise a reminder if it waits."""
    person = await ctx.session.get(Person, entry.person_id)
    if person is None:
        raise NotFound(f"no person {entry.person_id}", why="why.no_person", what=entry.person_id)
    parcel = Parcel(
        person=person, cooperative_id=cooperative_id, carrier=entry.carrier, sender=entry.sender,
        shelf=entry.shelf, received_at=ctx.now(), received_by=staff_id,
    )  # fmt: skip
    ctx.session.add(parcel)
    await ctx.session.flush()
    await _tell(ctx, parcel, "parcel.received", f"parcel:{parcel.id}:received")
    due = ctx.now() + timedelta(days=ctx.settings.parcel_reminder_days)
    await keep_timer(ctx, TimerKind.PARCEL_REMINDER, due, None, parcel.id)
    return parcel


async def held_parcel(ctx: DomainContext, parcel_id: int, scope: int | None) -> Parcel:
    """A parcel of the desk `scope` (None: every desk, for an admin); NotFound otherwise."""
    parcel = await ctx.session.get(Parcel, parcel_id)
    if parcel is None or (scope is not None and parcel.cooperative_id != scope):
        raise NotFound(f"no parcel {parcel_id} here", why="why.no_parcel", what=parcel_id)
    return parcel


async def hand_over(
    ctx: DomainContext, parcel_id: int, scope: int | None, staff_id: int, delegate: str = ""
) -> Parcel:
    """Record who collected a parcel and when (the resident, or the delegate named), call off
    its reminder, and tell the resident (it matters most when someone else took it)."""
    parcel = await held_parcel(ctx, parcel_id, scope)
    if parcel.collected_at is not None:
        raise InvalidValue(
            f"parcel {parcel_id} was collected already", why="why.collected", number=parcel_id
        )
    parcel.collected_at = ctx.now()
    parcel.collected_by = delegate.strip()[:120]
    parcel.handed_over_by = staff_id
    await ctx.session.flush()
    pending = await pending_timer(ctx, TimerKind.PARCEL_REMINDER, parcel.id)
    await keep_timer(ctx, TimerKind.PARCEL_REMINDER, None, pending, parcel.id)
    if parcel.collected_by:
        key, params = "parcel.collected_by", {"delegate": parcel.collected_by}
    else:
        key, params = "parcel.collected", {}
    await _tell(ctx, parcel, key, f"parcel:{parcel.id}:collected", **params)
    return parcel


async def remind_collection(ctx: DomainContext, timer: Timer) -> None:
    """The timer's parcel still waits on the shelf: remind its resident once."""
    parcel = await ctx.session.get(Parcel, timer.subject_id)
    if parcel is None or parcel.collected_at is not None:
        return
    parcel.reminded_at = ctx.now()
    days = str(max(1, (ctx.now() - parcel.received_at).days))
    await _tell(ctx, parcel, "parcel.reminder", f"timer:{timer.id}:parcel", days=days)


async def on_the_shelf(ctx: DomainContext, scope: int | None) -> list[Parcel]:
    """The parcels a desk holds now (every desk's, for `scope` None), oldest first."""
    query = select(Parcel).where(Parcel.collected_at.is_(None))
    if scope is not None:
        query = query.where(Parcel.cooperative_id == scope)
    rows = await ctx.session.scalars(query.order_by(Parcel.received_at, Parcel.id))
    return list(rows.unique().all())
