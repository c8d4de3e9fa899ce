"""Coordinators: the people who watch a cooperative's queue and are alerted when it slips."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column, relationship

from concierge.context import DomainContext
from concierge.database import Base
from concierge.messages import Channel
from concierge.people.person import Person


class Coordinator(Base):
    """A person who coordinates a cooperative's operators."""

    __tablename__ = "coordinators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), unique=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    contact_channel: Mapped[Channel] = mapped_column(String(20), default=Channel.WEBCHAT)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    person: Mapped[Person] = relationship(lazy="joined")


async def active_coordinators(ctx: DomainContext) -> list[Coordinator]:
    """Everyone to alert, by id."""
    rows = await ctx.session.scalars(
        select(Coordinator).where(Coordinator.active.is_(True)).order_by(Coordinator.id)
    )
    return list(rows.unique().all())


async def coordinator_for_person(session: AsyncSession, person_id: int) -> Coordinator | None:
    """The active coordinator record of a person, if they are one."""
    return await session.scalar(
        select(Coordinator).where(Coordinator.person_id == person_id, Coordinator.active.is_(True))
    )
