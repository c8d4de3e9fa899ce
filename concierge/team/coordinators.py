"""Coordinators: the people who watch a cooperative's queue and are alerted when it slips."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column, relationship

from concierge.context import DomainContext
from concierge.database import Base
from concierge.messages import Channel
from concierge.people.person import Person
from concierge.team.operators import Cooperative, Operator


class Coordinator(Base):
    """A person who coordinates a cooperative's operators."""

    __tablename__ = "coordinators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), unique=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    contact_channel: Mapped[Channel] = mapped_column(String(20), default=Channel.WEBCHAT)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    person: Mapped[Person] = relationship(lazy="joined")


async def coordinators_of(ctx: DomainContext, cooperative_id: int | None) -> list[Coordinator]:
    """The active coordinators of one cooperative, by id: whom to alert about its requests.
    Nobody for no cooperative (a request made before there was any is for admins to see)."""
    if cooperative_id is None:
        return []
    rows = await ctx.session.scalars(
        select(Coordinator)
        .where(Coordinator.active.is_(True), Coordinator.cooperative_id == cooperative_id)
        .order_by(Coordinator.id)
    )
    return list(rows.unique().all())


async def one_cooperative(ctx: DomainContext) -> bool:
    """Whether the service has at most one cooperative: only then may a staff group configured
    for the whole service (Telegram's) hear about requests, since it would cross cooperatives."""
    count = await ctx.session.scalar(select(func.count(Cooperative.id)))
    return (count or 0) <= 1


async def coordinator_for_person(session: AsyncSession, person_id: int) -> Coordinator | None:
    """The active coordinator record of a person, if they are one."""
    return await session.scalar(
        select(Coordinator).where(Coordinator.person_id == person_id, Coordinator.active.is_(True))
    )


async def staff_roles(
    session: AsyncSession, person_id: int
) -> tuple[Operator | None, Coordinator | None]:
    """The person's active operator and coordinator records, either None: one statement where
    two look-ups ran on every chat turn (most senders are residents and have neither)."""
    row = (
        await session.execute(
            select(Operator, Coordinator)
            .select_from(Person)
            .outerjoin(Operator, (Operator.person_id == Person.id) & Operator.active.is_(True))
            .outerjoin(
                Coordinator, (Coordinator.person_id == Person.id) & Coordinator.active.is_(True)
            )
            .where(Person.id == person_id)
        )
    ).first()
    return (row[0], row[1]) if row is not None else (None, None)
