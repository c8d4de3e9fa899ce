"""A standing order: a request that comes back ("ogni martedì ritirate le camicie"), who asked
it, how often, where it stands (active, paused, stopped, finished), the days skipped, what each
occurrence became, and every change made to it."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from concierge.context import DomainContext
from concierge.database import Base, UTCDateTime
from concierge.errors import NotFound
from concierge.intake.catalogue import Service
from concierge.intake.due_dates import PartOfDay, When
from concierge.messages import Channel
from concierge.people.person import Person
from concierge.standing.schedule import Rule


class OrderStatus(StrEnum):
    """Where a series stands."""

    ACTIVE = "active"
    PAUSED = "paused"
    STOPPED = "stopped"  # by the requester or a coordinator
    FINISHED = "finished"  # past its last day


LIVE_STATUSES = (OrderStatus.ACTIVE, OrderStatus.PAUSED)


class StandingOrder(Base):
    """One recurring request and its schedule."""

    __tablename__ = "standing_orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    service_code: Mapped[str] = mapped_column(ForeignKey("services.code"))
    details: Mapped[str] = mapped_column(Text, default="")
    # Asked as urgent ("subito"): every occurrence's request is urgent too.
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    channel: Mapped[Channel] = mapped_column(String(20))
    # Whose coordinators see and steer it: the cooperative serving the requester for it.
    cooperative_id: Mapped[int | None] = mapped_column(
        ForeignKey("cooperatives.id"), nullable=True, index=True
    )
    rule: Mapped[dict[str, Any]] = mapped_column(JSON)  # a schedule.Rule
    at_time: Mapped[str | None] = mapped_column(String(5), nullable=True)  # local "HH:MM"
    part: Mapped[str | None] = mapped_column(String(20), nullable=True)  # "morning"…
    status: Mapped[OrderStatus] = mapped_column(String(20), default=OrderStatus.ACTIVE, index=True)
    # The next occurrence: the day the schedule planned, and the day it falls (a holiday moves it).
    next_planned: Mapped[date | None] = mapped_column(Date, nullable=True)
    next_day: Mapped[date | None] = mapped_column(Date, nullable=True)
    skipped: Mapped[list[str]] = mapped_column(JSON, default=list)  # planned days, ISO
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    requester: Mapped[Person] = relationship(lazy="joined")
    service: Mapped[Service] = relationship(lazy="joined")

    @property
    def schedule(self) -> Rule:
        """The schedule as a rule."""
        return Rule.model_validate(self.rule)

    def when_on(self, day: date) -> When:
        """The occurrence of `day` as a due time: its hour, part of the day, or the whole day."""
        at = time.fromisoformat(self.at_time) if self.at_time else None
        part = PartOfDay(self.part) if self.part and at is None else None
        return When(day=day, at=at, part=part)

    def skips(self, planned: date) -> bool:
        """Whether the requester or a coordinator skipped this planned day."""
        return planned.isoformat() in self.skipped


class StandingOccurrence(Base):
    """What one planned day of a series became: a request (at most one: fired twice, made once)."""

    __tablename__ = "standing_occurrences"
    __table_args__ = (UniqueConstraint("order_id", "planned"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("standing_orders.id"), index=True)
    planned: Mapped[date] = mapped_column(Date)
    day: Mapped[date] = mapped_column(Date)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StandingEvent(Base):
    """One change to a series: who made it, what, and about which day."""

    __tablename__ = "standing_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("standing_orders.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(60))  # "person:4", "user:2", "system"
    action: Mapped[str] = mapped_column(String(30))  # created, paused, skipped, moved…
    detail: Mapped[str] = mapped_column(String(200), default="")


def record(
    ctx: DomainContext, order: StandingOrder, actor: str, action: str, detail: str = ""
) -> None:
    """Add a line to the series' history, in the same transaction as the change."""
    order.updated_at = ctx.now()
    ctx.session.add(
        StandingEvent(order_id=order.id, at=ctx.now(), actor=actor, action=action, detail=detail)
    )


async def get_order(ctx: DomainContext, order_id: int) -> StandingOrder:
    """The series with this number; NotFound otherwise."""
    order = await ctx.session.get(StandingOrder, order_id)
    if order is None:
        raise NotFound(f"no standing order {order_id}", why="why.no_order", what=order_id)
    return order


async def live_orders_of(ctx: DomainContext, person: Person) -> list[StandingOrder]:
    """A person's series still running or paused, oldest first."""
    rows = await ctx.session.scalars(
        select(StandingOrder)
        .where(StandingOrder.requester_id == person.id, StandingOrder.status.in_(LIVE_STATUSES))
        .order_by(StandingOrder.id)
    )
    return list(rows.unique().all())


async def orders_of_cooperative(
    ctx: DomainContext, cooperative_id: int | None
) -> list[StandingOrder]:
    """Every series of a cooperative (all when `cooperative_id` is None), newest first."""
    query = select(StandingOrder).order_by(StandingOrder.id.desc())
    if cooperative_id is not None:
        query = query.where(StandingOrder.cooperative_id == cooperative_id)
    return list((await ctx.session.scalars(query)).unique().all())


async def history_of(ctx: DomainContext, order_id: int) -> list[StandingEvent]:
    """A series' changes, oldest first."""
    rows = await ctx.session.scalars(
        select(StandingEvent).where(StandingEvent.order_id == order_id).order_by(StandingEvent.id)
    )
    return list(rows.all())
