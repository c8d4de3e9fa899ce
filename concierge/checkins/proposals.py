"""Check-in plans proposed by the family ("telefonate a mia madre tutti i giorni alle 10").

A proposal is a plan in the `proposed` state: the hour and days asked for, the requester as its
family contact, the requester's words and whom they named, and the cooperative serving the
requester's zone. It never places a call. A coordinator of that cooperative agrees it with the
family and confirms it (the number and name of the person to call, the hour, their language):
from the next day it runs like any plan. Or they decline it, with a reason. The requester is told
either way, in their language.
"""

from __future__ import annotations

from datetime import time, timedelta

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from concierge.checkins.belonging import cooperative_of_person
from concierge.checkins.plans import (
    CHECKIN_SERVICE,
    CheckinPlan,
    Contact,
    PlanStatus,
    plan_next_checkin,
)
from concierge.context import DomainContext
from concierge.errors import InvalidValue, NotFound
from concierge.i18n import t
from concierge.messages import Channel, IdentityKind, Reply
from concierge.people.person import (
    ChannelIdentity,
    Person,
    PersonKind,
    find_person,
    normalise_phone,
)
from concierge.requests.notifications import language_of, tell_person
from concierge.team.coordinators import coordinators_of
from concierge.team.operators import serving_cooperative

EVERY_DAY = [0, 1, 2, 3, 4, 5, 6]
DEFAULT_TIME = "09:00"  # when the ask names no hour: the coordinator agrees one anyway


def _family_contact(person: Person) -> list[dict[str, str]]:
    """The requester as the contact alerted when nobody answers: by SMS, else on Telegram."""
    phone = person.address_for(IdentityKind.PHONE)
    name = person.display_name
    if phone is not None:
        return [Contact(name=name, phone=phone).model_dump(mode="json")]
    chat = person.address_for(IdentityKind.TELEGRAM)
    if chat is not None:
        return [Contact(name=name, phone=chat, channel=Channel.TELEGRAM).model_dump(mode="json")]
    return []


async def propose_plan(
    ctx: DomainContext,
    requester: Person,
    channel: Channel,
    text: str,
    label: str,
    at: time | None,
    phone: str = "",
) -> CheckinPlan:
    """A proposed daily plan for whom the requester named; their coordinators are told."""
    plan = CheckinPlan(
        person_id=None, status=PlanStatus.PROPOSED, active=False,
        cooperative_id=await serving_cooperative(ctx.session, requester, CHECKIN_SERVICE),
        weekdays=EVERY_DAY, at_time=at.strftime("%H:%M") if at else DEFAULT_TIME,
        channel=Channel.VOICE, retries=2, retry_minutes=10,
        contacts=_family_contact(requester), sealed_notes="",
        proposed_by_id=requester.id, proposed_on=channel.value, proposal_text=text.strip(),
        call_label=label[:80], call_phone=phone, created_at=ctx.now(),
    )  # fmt: skip
    ctx.session.add(plan)
    await ctx.session.flush()
    await ctx.session.refresh(plan, ["proposed_by"])
    for coordinator in await coordinators_of(ctx, plan.cooperative_id):
        lang = language_of(ctx, coordinator.person)
        words = t(
            lang, "checkin.proposal.staff", id=plan.id, requester=requester.display_name,
            label=plan.call_label, time=plan.at_time, text=plan.proposal_text,
        )  # fmt: skip
        await tell_person(
            ctx, coordinator.person, coordinator.contact_channel, Reply(text=words),
            f"checkin:proposal:{plan.id}:coordinator:{coordinator.id}",
            cooperative_id=plan.cooperative_id,
        )  # fmt: skip
    return plan


async def pending_proposal(
    ctx: DomainContext, requester: Person, label: str, phone: str = ""
) -> CheckinPlan | None:
    """The requester's proposal for the same person (named alike, same number if both gave
    one) still waiting for a coordinator, if any: asking again must not file a second one."""
    waiting = await ctx.session.scalars(
        select(CheckinPlan)
        .where(CheckinPlan.proposed_by_id == requester.id)
        .where(CheckinPlan.status == PlanStatus.PROPOSED)
        .order_by(CheckinPlan.id)
    )
    for plan in waiting.unique():
        same_phone = not (phone and plan.call_phone) or phone == plan.call_phone
        if plan.call_label.casefold() == label[:80].casefold() and same_phone:
            return plan
    return None


async def proposals(ctx: DomainContext, cooperative_id: int | None) -> list[CheckinPlan]:
    """The plans waiting for a coordinator (of one cooperative, or all), oldest first."""
    query = select(CheckinPlan).where(CheckinPlan.status == PlanStatus.PROPOSED)
    if cooperative_id is not None:
        query = query.where(CheckinPlan.cooperative_id == cooperative_id)
    return list((await ctx.session.scalars(query.order_by(CheckinPlan.id))).unique().all())


async def get_proposal(ctx: DomainContext, plan_id: int) -> CheckinPlan:
    """One proposal; NotFound for no plan, InvalidValue for one already decided."""
    plan = await ctx.session.get(CheckinPlan, plan_id)
    if plan is None:
        raise NotFound(f"no check-in plan {plan_id}", why="why.no_plan", what=plan_id)
    if plan.status != PlanStatus.PROPOSED:
        raise InvalidValue(
            f"check-in plan {plan_id} is already {plan.status}",
            why="why.plan_decided",
            id=plan_id,
        )
    return plan


class Confirmation(BaseModel):
    """What the coordinator agreed with the family."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    phone: str = Field(min_length=3, max_length=40)
    name: str = Field(min_length=1, max_length=80)
    at_time: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    language: str = Field(pattern=r"^(it|en)$")


class PhoneElsewhere(InvalidValue):
    """The number given belongs to someone another cooperative looks after."""

    key = "error.phone_elsewhere"


async def _person_to_call(ctx: DomainContext, plan: CheckinPlan, said: Confirmation) -> Person:
    """Whoever has the number already, else a new resident by that name and number."""
    phone = normalise_phone(said.phone, ctx.settings.default_region)
    person = await find_person(ctx.session, IdentityKind.PHONE, phone)
    if person is not None:
        # Someone another cooperative looks after (or one of its staff) is not this
        # cooperative's to call every morning: refused, not taken over.
        theirs = await cooperative_of_person(ctx.session, person.id)
        if theirs is not None and theirs != plan.cooperative_id:
            raise PhoneElsewhere(
                f"{phone} belongs to another cooperative", why="why.phone_elsewhere", phone=phone
            )
        return person
    first, _, last = said.name.partition(" ")
    zone = plan.proposed_by.zone if plan.proposed_by is not None else None
    person = Person(
        kind=PersonKind.RESIDENT, first_name=first, last_name=last, language=said.language,
        zone=zone, created_at=ctx.now(),
    )  # fmt: skip
    person.identities.append(ChannelIdentity(kind=IdentityKind.PHONE, address=phone))
    ctx.session.add(person)
    await ctx.session.flush()
    return person


async def _tell_requester(ctx: DomainContext, plan: CheckinPlan, key: str, **params: str) -> None:
    requester = plan.proposed_by
    if requester is None:
        return
    lang = language_of(ctx, requester)
    text = t(lang, key, label=plan.call_label, **params)
    channel = Channel(plan.proposed_on) if plan.proposed_on else Channel.SMS
    await tell_person(
        ctx, requester, channel, Reply(text=text), f"checkin:proposal:{plan.id}:{plan.status}",
        cooperative_id=plan.cooperative_id,
    )  # fmt: skip


async def confirm_proposal(ctx: DomainContext, plan: CheckinPlan, said: Confirmation) -> None:
    """The family agreed: the plan runs from the next day at the hour agreed."""
    person = await _person_to_call(ctx, plan, said)
    plan.person_id = person.id
    plan.at_time = said.at_time
    plan.status, plan.active = PlanStatus.ACTIVE, True
    plan.starts_on = ctx.now().astimezone(ctx.zone).date() + timedelta(days=1)
    await ctx.session.flush()
    await ctx.session.refresh(plan, ["person"])
    await plan_next_checkin(ctx, plan)
    await _tell_requester(ctx, plan, "checkin.proposal.confirmed", time=plan.at_time)


async def decline_proposal(ctx: DomainContext, plan: CheckinPlan, reason: str) -> None:
    """No plan after all; the requester is told why."""
    reason = reason.strip()
    if not reason:
        raise InvalidValue("a declined proposal needs a reason", why="why.decline_reason")
    plan.status, plan.active, plan.decline_reason = PlanStatus.DECLINED, False, reason[:2000]
    await _tell_requester(ctx, plan, "checkin.proposal.declined", reason=plan.decline_reason)


async def forget_proposals(
    ctx: DomainContext, requester: Person, addresses: list[str], erased: str
) -> None:
    """The requester is erased: their words and the number they gave go, they are no longer a
    plan's family contact, and what they proposed and nobody confirmed will never run."""
    plans = await ctx.session.scalars(
        select(CheckinPlan).where(CheckinPlan.proposed_by_id == requester.id)
    )
    for plan in plans.unique():
        plan.proposal_text, plan.call_label, plan.call_phone = erased, "", ""
        plan.contacts = [c for c in plan.contacts if c.get("phone") not in addresses]
        if plan.status == PlanStatus.PROPOSED:
            plan.status, plan.active = PlanStatus.DECLINED, False
