"""Erasing a person (GDPR art. 17): identity, contacts, texts and notes go; anonymous rows stay,
so the numbers (requests made, done, rated) still count. The ledger stays whole: bookkeeping
must be kept by law (art. 17(3)(b)), and it holds no text of the person's."""

from __future__ import annotations

from sqlalchemy import delete, or_, select, update

from concierge.audit import AuditAction, audit
from concierge.checkins.plans import CheckinPlan, plan_next_checkin
from concierge.checkins.proposals import forget_proposals
from concierge.context import DomainContext
from concierge.dead_letters import DeadLetter
from concierge.errors import DomainError
from concierge.outbox import OutboxMessage, OutboxStatus
from concierge.people.conversations import Conversation, InboundRecord
from concierge.people.person import ChannelIdentity, Person
from concierge.requests.lifecycle import OPEN_STATUSES, SYSTEM, RequestStatus
from concierge.requests.notes import RequestNote
from concierge.requests.request import RequestEvent, ServiceRequest, transition
from concierge.requests.satisfaction import Satisfaction
from concierge.requests.task_reports import TaskReport
from concierge.standing.changes import forget_orders
from concierge.team.coordinators import Coordinator
from concierge.team.operators import Operator
from concierge.welfare.enrolment import Enrolment

ERASED = "[erased]"


class ErasureRefused(DomainError):
    """The person cannot be erased now (an open request, or they are staff)."""


async def _open_requests(ctx: DomainContext, person: Person) -> list[ServiceRequest]:
    rows = await ctx.session.scalars(
        select(ServiceRequest).where(
            ServiceRequest.requester_id == person.id, ServiceRequest.status.in_(OPEN_STATUSES)
        )
    )
    return list(rows.unique().all())


async def _refusal(ctx: DomainContext, person: Person, force: bool) -> None:
    for staff in (Operator, Coordinator):
        if await ctx.session.scalar(select(staff.id).where(staff.person_id == person.id)):
            raise ErasureRefused(
                "staff are erased by taking them off the team first", why="why.erase_staff"
            )
    open_ones = await _open_requests(ctx, person)
    if open_ones and not force:
        numbers = ", ".join(str(r.id) for r in open_ones)
        raise ErasureRefused(
            f"open requests ({numbers}): close them or use --force",
            why="why.erase_open",
            numbers=numbers,
        )
    for request in open_ones:  # forced: nobody is left to serve
        await transition(ctx, request, RequestStatus.CANCELLED, SYSTEM, "requester erased")


async def _erase_requests(ctx: DomainContext, person: Person) -> list[int]:
    ids = list(
        (await ctx.session.scalars(
            select(ServiceRequest.id).where(ServiceRequest.requester_id == person.id)
        )).all()
    )  # fmt: skip
    run = ctx.session.execute
    await run(
        update(ServiceRequest)
        .where(ServiceRequest.id.in_(ids))
        .values(details=ERASED, attachments=[])
    )
    await run(update(RequestNote).where(RequestNote.request_id.in_(ids)).values(text=ERASED))
    await run(update(RequestEvent).where(RequestEvent.request_id.in_(ids)).values(reason=""))
    await run(
        update(TaskReport).where(TaskReport.request_id.in_(ids)).values(text=ERASED, media=[])
    )
    await run(update(Satisfaction).where(Satisfaction.request_id.in_(ids)).values(comment=""))
    return ids


async def _erase_messages(
    ctx: DomainContext, person: Person, addresses: list[str], request_ids: list[int]
) -> None:
    mine = or_(
        OutboxMessage.person_id == person.id,
        OutboxMessage.address.in_(addresses),
        OutboxMessage.request_id.in_(request_ids),  # offers to operators carry name and number
        *(OutboxMessage.text.contains(address) for address in addresses),
    )
    run = ctx.session.execute
    await run(
        update(OutboxMessage).where(mine, OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.DEAD, last_error="recipient erased")
    )  # fmt: skip
    await run(update(OutboxMessage).where(mine).values(text=ERASED, media=[], choices=[]))
    await run(
        update(OutboxMessage).where(OutboxMessage.address.in_(addresses)).values(address=ERASED)
    )
    await run(
        update(InboundRecord)
        .where(InboundRecord.person_id == person.id)
        .values(text=ERASED, choice="")
    )
    for address in addresses:  # a raw webhook kept for a retry carries the sender's number
        await run(update(DeadLetter).where(DeadLetter.raw.contains(address)).values(raw=ERASED))


async def erase_person(ctx: DomainContext, person: Person, actor: str, force: bool = False) -> None:
    """Erase what identifies `person`; ErasureRefused while a request of theirs is open (unless
    `force`, which cancels it) or when they are staff. The erasure is audited."""
    await _refusal(ctx, person, force)
    addresses = [identity.address for identity in person.identities]
    request_ids = await _erase_requests(ctx, person)
    await _erase_messages(ctx, person, addresses, request_ids)
    run = ctx.session.execute
    await run(update(Enrolment).where(Enrolment.person_id == person.id).values(fiscal_code=""))
    await run(delete(Conversation).where(Conversation.person_id == person.id))
    await run(delete(ChannelIdentity).where(ChannelIdentity.person_id == person.id))
    for plan in (
        await ctx.session.scalars(select(CheckinPlan).where(CheckinPlan.person_id == person.id))
    ).unique():
        plan.sealed_notes, plan.contacts, plan.active = "", [], False
        await plan_next_checkin(ctx, plan)
    await forget_proposals(ctx, person, addresses, ERASED)
    await forget_orders(ctx, person, ERASED)
    person.first_name, person.last_name, person.address = ERASED, "", ""
    person.fiscal_code = ""
    audit(ctx.session, ctx.now(), actor, AuditAction.ERASE, f"person:{person.id}")
    ctx.session.expire(person, ["identities"])
