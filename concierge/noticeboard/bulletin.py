"""The weekly bulletin: residents subscribe on their channel ("bollettino", "bulletin") and
every week hear the notices of the week ahead, out of the quiet hours, never where they said
STOP (it is not a message they need), on WhatsApp through the approved template "bulletin"."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import Boolean, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from concierge.context import DomainContext
from concierge.database import Base, UTCDateTime
from concierge.i18n import format_day, t
from concierge.local_time import at_local, outside_quiet_hours
from concierge.messages import Channel, MessageTemplate, Reply
from concierge.noticeboard.lines import notice_line
from concierge.noticeboard.notices import notices_between
from concierge.people.person import Person
from concierge.requests.notifications import language_of, tell_person
from concierge.team.operators import serving_cooperative
from concierge.timers import Timer, TimerKind, plan_service_timer

BULLETIN_WEEKDAY = 0  # Monday: the week ahead is the whole of the coming one
BULLETIN_TIME = time(9, 0)
# The service whose cooperative answers a resident's questions: theirs is the board they read.
INFORMATION_SERVICE = "information"


class BulletinSubscription(Base):
    """A resident who asked for the weekly bulletin, on one channel."""

    __tablename__ = "bulletin_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), unique=True)
    cooperative_id: Mapped[int | None] = mapped_column(
        ForeignKey("cooperatives.id"), nullable=True, index=True
    )
    channel: Mapped[Channel] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    person: Mapped[Person] = relationship(lazy="joined")


async def board_for(ctx: DomainContext, person: Person) -> int | None:
    """The cooperative whose noticeboard a resident reads: the one serving their zone."""
    return await serving_cooperative(ctx.session, person, INFORMATION_SERVICE)


def next_bulletin_at(ctx: DomainContext, after: datetime) -> datetime:
    """The first bulletin moment strictly after `after`, moved out of the quiet hours."""
    day = after.astimezone(ctx.zone).date()
    day += timedelta(days=(BULLETIN_WEEKDAY - day.weekday()) % 7)
    moment = at_local(day, BULLETIN_TIME, ctx.zone)
    if moment <= after:
        moment = at_local(day + timedelta(days=7), BULLETIN_TIME, ctx.zone)
    return outside_quiet_hours(moment, ctx.settings.quiet_span, ctx.zone)


async def subscription_of(ctx: DomainContext, person_id: int) -> BulletinSubscription | None:
    """A person's subscription, active or not."""
    return await ctx.session.scalar(
        select(BulletinSubscription).where(BulletinSubscription.person_id == person_id)
    )


async def subscribe(ctx: DomainContext, person: Person, channel: Channel) -> datetime:
    """Send a person the bulletin on `channel` from now on; when the next one goes."""
    found = await subscription_of(ctx, person.id)
    cooperative_id = await board_for(ctx, person)
    if found is None:
        found = BulletinSubscription(person_id=person.id, created_at=ctx.now(), channel=channel)
        ctx.session.add(found)
    found.channel, found.cooperative_id, found.active = channel, cooperative_id, True
    due = next_bulletin_at(ctx, ctx.now())
    await plan_service_timer(ctx, TimerKind.BULLETIN, due)
    await ctx.session.flush()
    return due


async def unsubscribe(ctx: DomainContext, person: Person) -> bool:
    """Stop a person's bulletin; False if they had none."""
    found = await subscription_of(ctx, person.id)
    if found is None or not found.active:
        return False
    found.active = False
    await ctx.session.flush()
    return True


def _week_of(moment: datetime, ctx: DomainContext) -> date:
    day = moment.astimezone(ctx.zone).date()
    return day - timedelta(days=(day.weekday() - BULLETIN_WEEKDAY) % 7)


async def _send_one(ctx: DomainContext, subscription: BulletinSubscription, week: date) -> bool:
    last = week + timedelta(days=6)
    notices = await notices_between(ctx, subscription.cooperative_id, week, last)
    if not notices:
        return False  # nothing on the board: no message is better than an empty one
    person = subscription.person
    lang = language_of(ctx, person)
    lines = [notice_line(notice, lang) for notice in notices]
    first = format_day(week, lang)
    text = t(lang, "bulletin.weekly", week=first, lines="\n".join(lines))
    # Outside WhatsApp's 24-hour window only the approved template "bulletin" may go: its
    # variables are the week's first day and the notices in one line.
    template = MessageTemplate(
        name="bulletin", variables={"1": first, "2": " · ".join(n.text(lang) for n in notices)}
    )
    await tell_person(
        ctx, person, subscription.channel, Reply(text=text, template=template),
        f"bulletin:{week.isoformat()}:{person.id}", cooperative_id=subscription.cooperative_id,
        essential=False,
    )  # fmt: skip
    return True


async def send_bulletin(ctx: DomainContext, timer: Timer) -> None:
    """The weekly timer fired: the week's notices to every subscriber, then the next week's
    timer (none once nobody is subscribed)."""
    week = _week_of(timer.due_at, ctx)
    subscriptions = (
        await ctx.session.scalars(
            select(BulletinSubscription)
            .where(BulletinSubscription.active.is_(True))
            .order_by(BulletinSubscription.id)
        )
    ).all()
    for subscription in subscriptions:
        await _send_one(ctx, subscription, week)
    due = next_bulletin_at(ctx, max(ctx.now(), timer.due_at)) if subscriptions else None
    await plan_service_timer(ctx, TimerKind.BULLETIN, due)
