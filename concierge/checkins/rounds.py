"""A day's check-in as it happens: ask, hear the answer, ask again, escalate.

"1" (well) closes the round. "2" (help) makes an urgent request for the operators on duty to
call back. Silence (no answer, busy, an answering machine) means asking again `retry_minutes`
later, up to `retries` more times; then an urgent `elder_checkin` request goes to the operators
on duty and the plan's contacts are alerted in order, and outside opening hours the
coordinators too, at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from concierge.checkins.plans import (
    CHECKIN_SERVICE,
    AttemptOutcome,
    CheckinAttempt,
    CheckinPlan,
    CheckinRound,
    RoundStatus,
    plan_next_checkin,
)
from concierge.context import DomainContext
from concierge.i18n import t
from concierge.messages import Channel, Choice, MessageTemplate, Reply, identity_kind
from concierge.outbox import enqueue
from concierge.requests.notifications import language_of, tell_coordinators
from concierge.requests.request import ServiceRequest, create_request
from concierge.routing.assignment import offer_next
from concierge.routing.opening_hours import reopens_at
from concierge.timers import Timer, TimerKind, keep_timer, pending_timer

WELL, HELP = "well", "help"
PAYLOAD_PREFIX = "checkin:"


def _question(ctx: DomainContext, round_: CheckinRound) -> Reply:
    person = round_.plan.person
    lang = language_of(ctx, person)
    name = person.first_name or person.display_name
    text = t(lang, "checkin.ask", name=name)
    return Reply(
        text=text,
        choices=(
            Choice(label=t(lang, "checkin.well"), payload=f"{PAYLOAD_PREFIX}{round_.id}:{WELL}"),
            Choice(label=t(lang, "checkin.help"), payload=f"{PAYLOAD_PREFIX}{round_.id}:{HELP}"),
        ),
        template=MessageTemplate(name="check_in", variables={"1": name}),
    )


async def _keep_retry(ctx: DomainContext, round_: CheckinRound, due: datetime | None) -> None:
    pending = await pending_timer(ctx, TimerKind.CHECKIN_RETRY, round_.id)
    await keep_timer(ctx, TimerKind.CHECKIN_RETRY, due, pending, round_.id)


async def _ask(ctx: DomainContext, round_: CheckinRound) -> None:
    """One more attempt: the question on the plan's channel, and a retry timer after it."""
    plan = round_.plan
    round_.attempts += 1
    ctx.session.add(
        CheckinAttempt(
            round_id=round_.id, number=round_.attempts, channel=plan.channel, at=ctx.now()
        )
    )
    # Not `tell_person`: on the voice channel this is a call to place, not a line to text.
    address = plan.person.address_for(identity_kind(plan.channel))
    if address is not None:
        await enqueue(
            ctx.session, channel=plan.channel, address=address, reply=_question(ctx, round_),
            dedupe_key=f"checkin:{round_.id}:attempt:{round_.attempts}", now=ctx.now(),
            person_id=plan.person.id, language=language_of(ctx, plan.person),
            cooperative_id=plan.cooperative_id,
        )  # fmt: skip
    due = ctx.now() + timedelta(minutes=plan.retry_minutes)
    await _keep_retry(ctx, round_, due)


async def start_checkin(ctx: DomainContext, timer: Timer) -> None:
    """A plan's time came: open today's round (once) and ask; then plan the next day."""
    plan = await ctx.session.get(CheckinPlan, timer.subject_id)
    if plan is None:
        return
    day = timer.due_at.astimezone(ctx.zone).date()
    exists = await ctx.session.scalar(
        select(CheckinRound.id).where(CheckinRound.plan_id == plan.id, CheckinRound.day == day)
    )
    if plan.runs and not plan.paused_on(day) and exists is None:
        round_ = CheckinRound(
            plan_id=plan.id, day=day, status=RoundStatus.PENDING, attempts=0,
            started_at=ctx.now(),
        )  # fmt: skip
        ctx.session.add(round_)
        await ctx.session.flush()
        await ctx.session.refresh(round_, ["plan"])
        await _ask(ctx, round_)
    await plan_next_checkin(ctx, plan)


async def _latest_attempt(ctx: DomainContext, round_: CheckinRound) -> CheckinAttempt | None:
    found: CheckinAttempt | None = await ctx.session.scalar(
        select(CheckinAttempt)
        .where(CheckinAttempt.round_id == round_.id)
        .order_by(CheckinAttempt.number.desc())
        .limit(1)
    )
    return found


async def _close(ctx: DomainContext, round_: CheckinRound, status: RoundStatus) -> None:
    round_.status = status
    round_.closed_at = ctx.now()
    await _keep_retry(ctx, round_, None)


async def _urgent_request(
    ctx: DomainContext, round_: CheckinRound, reason_key: str
) -> ServiceRequest:
    plan = round_.plan
    lines = [t(ctx.default_language, reason_key)]
    if plan.sealed_notes:  # referred to, never copied: only who may read them opens them
        lines.append(t(ctx.default_language, "checkin.see_notes"))
    request = await create_request(
        ctx, plan.person, CHECKIN_SERVICE, " — ".join(lines), plan.channel, urgent=True,
        by_service=True,
    )  # fmt: skip
    if plan.cooperative_id is not None:
        # The cooperative watching the resident answers for them, and only its staff may open
        # the plan's notes (keys, health) the request refers to.
        request.cooperative_id = plan.cooperative_id
    await offer_next(ctx, request)
    round_.request_id = request.id
    return request


async def answer_checkin(ctx: DomainContext, round_id: int, answer: str) -> Reply | None:
    """The resident answered (1 well, 2 help); the reply to them, None if the round is unknown
    or already over (a late answer to a question asked again meanwhile)."""
    round_ = await ctx.session.get(CheckinRound, round_id)
    if round_ is None:
        return None
    lang = language_of(ctx, round_.plan.person)
    if round_.status == RoundStatus.ESCALATED:  # too late to call off who was sent
        return Reply(text=t(lang, "checkin.late"))
    if round_.status != RoundStatus.PENDING:
        return Reply(text=t(lang, "checkin.already"))
    attempt = await _latest_attempt(ctx, round_)
    if answer == HELP:
        if attempt is not None:
            attempt.outcome = AttemptOutcome.HELP
        await _close(ctx, round_, RoundStatus.HELP)
        await _urgent_request(ctx, round_, "checkin.asked_for_help")
        return Reply(text=t(lang, "checkin.help_coming"))
    if attempt is not None:
        attempt.outcome = AttemptOutcome.WELL
    await _close(ctx, round_, RoundStatus.WELL)
    return Reply(text=t(lang, "checkin.thanks"))


async def attempt_unanswered(ctx: DomainContext, round_id: int, outcome: AttemptOutcome) -> None:
    """The call was not answered, was busy, or met an answering machine: noted; the retry
    timer already set asks again (a machine counts as nobody)."""
    round_ = await ctx.session.get(CheckinRound, round_id)
    if round_ is None or round_.status != RoundStatus.PENDING:
        return
    attempt = await _latest_attempt(ctx, round_)
    if attempt is not None and attempt.outcome == AttemptOutcome.ASKED:
        attempt.outcome = outcome


async def _alert_contacts(ctx: DomainContext, round_: CheckinRound) -> None:
    plan = round_.plan
    name = plan.person.display_name
    lang = ctx.default_language
    for index, contact in enumerate(plan.contact_list):
        address = contact.phone  # stored normalised
        text = t(lang, "checkin.contact_alert", contact=contact.name, name=name)
        channel = Channel.SMS if contact.channel == Channel.VOICE else contact.channel
        await enqueue(
            ctx.session, channel=channel, address=address, reply=Reply(text=text),
            dedupe_key=f"checkin:{round_.id}:contact:{index}", now=ctx.now(),
            cooperative_id=plan.cooperative_id,
        )  # fmt: skip


async def retry_or_escalate(ctx: DomainContext, timer: Timer) -> None:
    """The retry timer fired: no answer since the last attempt. Ask again, or escalate."""
    round_ = await ctx.session.get(CheckinRound, timer.subject_id)
    if round_ is None or round_.status != RoundStatus.PENDING:
        return
    attempt = await _latest_attempt(ctx, round_)
    if attempt is not None and attempt.outcome == AttemptOutcome.ASKED:
        attempt.outcome = AttemptOutcome.NO_ANSWER
    if round_.attempts <= round_.plan.retries:
        await _ask(ctx, round_)
        return
    await _close(ctx, round_, RoundStatus.ESCALATED)
    request = await _urgent_request(ctx, round_, "checkin.no_answer")
    await _alert_contacts(ctx, round_)
    if await reopens_at(ctx) is not None:  # closed: nobody on duty will see the request
        name = round_.plan.person.display_name
        await tell_coordinators(
            ctx, "checkin.coordinator_alert", request, f"checkin:{round_.id}", name=name
        )


def read_payload(payload: str) -> tuple[int, str] | None:
    """(round id, answer) from a check-in choice's payload, or None for other payloads."""
    if not payload.startswith(PAYLOAD_PREFIX):
        return None
    round_id, _, answer = payload.removeprefix(PAYLOAD_PREFIX).partition(":")
    if not round_id.isdigit() or answer not in (WELL, HELP):
        return None
    return int(round_id), answer


def round_of(choices: tuple[Choice, ...]) -> int | None:
    """The round a check-in question (its choices) belongs to, if it is one."""
    for choice in choices:
        read = read_payload(choice.payload)
        if read is not None:
            return read[0]
    return None
