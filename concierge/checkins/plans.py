"""Daily check-ins for elderly residents: the plan (when, how, who to alert) and its rounds.

A plan asks a resident at a local time on chosen weekdays "tutto bene?". Each day it runs makes
one round (unique per plan and day, so nobody is asked twice), made of attempts: the first at the
planned time, then up to `retries` more, `retry_minutes` apart. A round ends answered (well, or
asking for help) or escalated.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from concierge.context import DomainContext
from concierge.database import Base, UTCDateTime
from concierge.errors import InvalidValue
from concierge.local_time import at_local
from concierge.messages import Channel
from concierge.people.person import Person, normalise_phone
from concierge.sealing import seal
from concierge.team.operators import serving_cooperative
from concierge.timers import Timer, TimerKind, TimerStatus, keep_timer, pending_timer

# The service a resident's check-in is: who serves it decides whose coordinators watch it.
CHECKIN_SERVICE = "elder_checkin"
LOOK_AHEAD_DAYS = 400  # a pause longer than a year is treated as the plan being off


class Contact(BaseModel):
    """Someone to alert when the resident does not answer (a relative, a neighbour with keys)."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1, max_length=80)
    phone: str = Field(min_length=3, max_length=40)
    channel: Channel = Channel.SMS


class RoundStatus(StrEnum):
    """Where a day's check-in stands."""

    PENDING = "pending"  # asked, no answer yet
    WELL = "well"
    HELP = "help"
    ESCALATED = "escalated"


class AttemptOutcome(StrEnum):
    """What became of one attempt."""

    ASKED = "asked"
    WELL = "well"
    HELP = "help"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    MACHINE = "machine"


class PlanStatus(StrEnum):
    """Whether a plan runs: a proposed one (asked for by the family in a chat) waits for a
    coordinator to confirm it and never places a call; a declined one never will."""

    PROPOSED = "proposed"
    ACTIVE = "active"
    DECLINED = "declined"


class CheckinPlan(Base):
    """When and how a resident is checked on, and who is alerted when they do not answer."""

    __tablename__ = "checkin_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # None only while the plan is proposed or declined (nobody to call is known yet); a plan
    # that runs always has its person, and only running plans' person is read.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    status: Mapped[PlanStatus] = mapped_column(
        String(20), default=PlanStatus.ACTIVE, server_default=PlanStatus.ACTIVE.value
    )
    # A proposal: who asked (the family contact), on which channel they are answered, their
    # words, whom they named ("mia madre") and the number they gave, if any.
    proposed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id"), nullable=True, index=True
    )
    proposed_on: Mapped[str] = mapped_column(String(20), default="", server_default="")
    proposal_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    call_label: Mapped[str] = mapped_column(String(80), default="", server_default="")
    call_phone: Mapped[str] = mapped_column(String(40), default="", server_default="")
    decline_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    starts_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # no round before it
    # The cooperative whose coordinators watch this resident's check-ins.
    cooperative_id: Mapped[int | None] = mapped_column(
        ForeignKey("cooperatives.id"), nullable=True, index=True
    )
    weekdays: Mapped[list[int]] = mapped_column(JSON)  # 0 = Monday
    at_time: Mapped[str] = mapped_column(String(5))  # local "HH:MM"
    channel: Mapped[Channel] = mapped_column(String(20))
    retries: Mapped[int] = mapped_column(Integer, default=2)
    retry_minutes: Mapped[int] = mapped_column(Integer, default=10)
    contacts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Keys, door codes, health: sealed (concierge.sealing), opened only through
    # checkins.private_notes, which checks the reader and audits the read.
    sealed_notes: Mapped[str] = mapped_column("notes", Text, default="")
    paused_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    paused_until: Mapped[date | None] = mapped_column(Date, nullable=True)  # the last day off
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    person: Mapped[Person] = relationship(lazy="joined", foreign_keys=[person_id])
    proposed_by: Mapped[Person | None] = relationship(lazy="joined", foreign_keys=[proposed_by_id])

    @property
    def runs(self) -> bool:
        """Whether the plan places calls: confirmed and on (a proposal never does)."""
        return self.active and self.status == PlanStatus.ACTIVE

    @property
    def contact_list(self) -> list[Contact]:
        """The contacts to alert, in order."""
        return [Contact.model_validate(c) for c in self.contacts]

    def paused_on(self, day: date) -> bool:
        """Whether the plan is paused on a day (a holiday, a hospital stay)."""
        if self.paused_from is None:
            return False
        return self.paused_from <= day and (self.paused_until is None or day <= self.paused_until)

    def next_time(self, after: datetime, ctx: DomainContext) -> datetime | None:
        """The next moment, strictly after `after`, the resident is to be asked."""
        hour, minute = (int(part) for part in self.at_time.split(":"))
        day = after.astimezone(ctx.zone).date()
        for offset in range(LOOK_AHEAD_DAYS):
            candidate = day + timedelta(days=offset)
            if self.starts_on is not None and candidate < self.starts_on:
                continue
            if candidate.weekday() not in self.weekdays or self.paused_on(candidate):
                continue
            moment = at_local(candidate, time(hour, minute), ctx.zone)
            if moment > after:
                return moment
        return None


class CheckinRound(Base):
    """One day's check-in of one plan."""

    __tablename__ = "checkin_rounds"
    __table_args__ = (UniqueConstraint("plan_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("checkin_plans.id"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[RoundStatus] = mapped_column(String(20), default=RoundStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), nullable=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    plan: Mapped[CheckinPlan] = relationship(lazy="joined")


class CheckinAttempt(Base):
    """One time the resident was asked, and what came of it."""

    __tablename__ = "checkin_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("checkin_rounds.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    outcome: Mapped[AttemptOutcome] = mapped_column(String(20), default=AttemptOutcome.ASKED)


async def _stagger(ctx: DomainContext, plan: CheckinPlan, place: int | None) -> timedelta:
    """How long after its time a plan starts: plans sharing a time go one after another at
    CHECKINS_PER_SECOND, in the order they were made. `place` is the plan's place among them
    when the caller knows it."""
    if place is None:
        earlier = select(func.count(CheckinPlan.id)).where(
            CheckinPlan.at_time == plan.at_time, CheckinPlan.id < plan.id
        )
        place = await ctx.session.scalar(earlier) or 0
    return timedelta(seconds=place / ctx.settings.checkins_per_second)


async def plan_next_checkin(
    ctx: DomainContext,
    plan: CheckinPlan,
    pending: Timer | Literal["look up"] | None = "look up",
    place: int | None = None,
) -> Timer | None:
    """Keep the plan's timer at its next time (none while it is off); `pending` is its pending
    timer and `place` its place among plans of the same time, when the caller knows them."""
    # A plan's moment is its time plus its stagger: one due at 9:00:05 is still today's at
    # 9:00:02.
    stagger = await _stagger(ctx, plan, place)
    start = plan.next_time(ctx.now() - stagger, ctx) if plan.runs else None
    due = start + stagger if start is not None else None
    if pending == "look up":
        pending = await pending_timer(ctx, TimerKind.CHECKIN, plan.id)
    return await keep_timer(ctx, TimerKind.CHECKIN, due, pending, plan.id)


async def plan_all_checkins(ctx: DomainContext) -> int:
    """Keep every plan's timer in step with its plan (plans edited elsewhere, pauses ending)."""
    plans = (await ctx.session.scalars(select(CheckinPlan))).unique().all()
    timers = await ctx.session.scalars(
        select(Timer).where(Timer.kind == TimerKind.CHECKIN, Timer.status == TimerStatus.PENDING)
    )
    pending = {timer.subject_id: timer for timer in timers}
    places: dict[str, int] = {}
    for plan in sorted(plans, key=lambda p: p.id):
        place = places.get(plan.at_time, 0)
        places[plan.at_time] = place + 1
        await plan_next_checkin(ctx, plan, pending.get(plan.id), place)
    return len(plans)


class PlanInput(BaseModel):
    """A new check-in plan as a coordinator describes it."""

    model_config = ConfigDict(frozen=True)

    weekdays: tuple[int, ...] = Field(default=(0, 1, 2, 3, 4, 5, 6), min_length=1)
    at_time: str = Field(default="09:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    channel: Channel = Channel.VOICE
    retries: int = Field(default=2, ge=0, le=10)
    retry_minutes: int = Field(default=10, ge=1, le=240)
    contacts: tuple[Contact, ...] = ()
    notes: str = Field(default="", max_length=2000)


def _normalised(ctx: DomainContext, contact: Contact) -> Contact:
    if contact.channel == Channel.TELEGRAM:  # a chat id, not a number
        return contact
    phone = normalise_phone(contact.phone, ctx.settings.default_region)
    return contact.model_copy(update={"phone": phone})


async def add_plan(ctx: DomainContext, person: Person, plan: PlanInput) -> CheckinPlan:
    """Enrol a resident: their plan, and the timer of its first check-in."""
    if any(day not in range(7) for day in plan.weekdays):
        raise InvalidValue("weekdays are 0 (Monday) to 6 (Sunday)", why="why.weekdays")
    row = CheckinPlan(
        person_id=person.id,
        cooperative_id=await serving_cooperative(ctx.session, person, CHECKIN_SERVICE),
        weekdays=sorted(set(plan.weekdays)), at_time=plan.at_time,
        channel=plan.channel, retries=plan.retries, retry_minutes=plan.retry_minutes,
        contacts=[_normalised(ctx, contact).model_dump(mode="json") for contact in plan.contacts],
        sealed_notes=seal(ctx.settings, plan.notes), active=True, created_at=ctx.now(),
    )  # fmt: skip
    ctx.session.add(row)
    await ctx.session.flush()
    await ctx.session.refresh(row, ["person"])
    await plan_next_checkin(ctx, row)
    return row


async def pause_plan(
    ctx: DomainContext, plan: CheckinPlan, first_day: date, last_day: date | None
) -> None:
    """No check-ins from `first_day` to `last_day` (open-ended when None)."""
    if last_day is not None and last_day < first_day:
        raise InvalidValue("a pause must end on or after the day it starts", why="why.pause_order")
    plan.paused_from, plan.paused_until = first_day, last_day
    await plan_next_checkin(ctx, plan)


async def resume_plan(ctx: DomainContext, plan: CheckinPlan) -> None:
    """Check-ins again from the next planned time."""
    plan.paused_from = plan.paused_until = None
    await plan_next_checkin(ctx, plan)
