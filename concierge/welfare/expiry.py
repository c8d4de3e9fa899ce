"""Credits expire at their plan's end: once a day a durable timer warns the workers whose plan
ends within the notice period of the credit they still hold (once per plan), and gives back to
each company what is left of the plans that have ended."""

from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy import select

from concierge.context import DomainContext
from concierge.i18n import format_day, t
from concierge.local_time import next_daily
from concierge.messages import Channel, IdentityKind, Reply
from concierge.requests.notifications import language_of, tell_person
from concierge.timers import Timer, TimerKind, plan_service_timer
from concierge.welfare.companies import Plan
from concierge.welfare.credit import expire_credits
from concierge.welfare.enrolment import Enrolment, EnrolmentStatus, grant_started_plans
from concierge.welfare.ledger import balance, credit_account
from concierge.welfare.money import show

NOTICE_DAYS = 14  # how long before a plan's end its workers are told what they still hold
ROUND_AT = time(9, 0)  # local time of the daily round: a notice arrives in the morning


async def plan_credit_round(ctx: DomainContext) -> Timer | None:
    """Make sure the next daily credit round is planned."""
    due = next_daily(ROUND_AT, ctx.now(), ctx.zone)
    return await plan_service_timer(ctx, TimerKind.CREDIT_ROUND, due)


async def credit_round(ctx: DomainContext, _timer: Timer) -> None:
    """The daily round: credit of plans just begun, notices for plans about to end, expiry of
    ended ones, the next round."""
    await grant_started_plans(ctx)
    await send_expiry_notices(ctx)
    await expire_credits(ctx)
    await plan_credit_round(ctx)


async def send_expiry_notices(ctx: DomainContext) -> int:
    """Tell each confirmed worker of a plan ending within the notice period what credit they
    still hold and until when; the dedupe key makes it once per plan and worker."""
    today = ctx.now().astimezone(ctx.zone).date()
    ending = await ctx.session.scalars(
        select(Plan).where(Plan.ends_on >= today, Plan.ends_on <= today + timedelta(NOTICE_DAYS))
    )
    sent = 0
    for plan in ending.all():
        enrolments = await ctx.session.scalars(
            select(Enrolment).where(
                Enrolment.company_id == plan.company_id,
                Enrolment.status == EnrolmentStatus.CONFIRMED,
            )
        )
        for enrolment in enrolments.all():
            left = await balance(ctx, credit_account(plan.id, enrolment.person_id))
            if left <= 0:
                continue
            person = enrolment.person
            lang = language_of(ctx, person)
            text = t(lang, "welfare.expiry.notice", amount=show(left, lang),
                     plan=plan.name, day=format_day(plan.ends_on, lang))  # fmt: skip
            telegram = person.address_for(IdentityKind.TELEGRAM) is not None
            await tell_person(
                ctx, person, Channel.TELEGRAM if telegram else Channel.SMS, Reply(text=text),
                f"credit-notice:{plan.id}:{person.id}", essential=False,
            )  # fmt: skip
            sent += 1
    return sent
