"""Everything held about one person, as one JSON-ready document (GDPR art. 15 and 20)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect, or_, select

from concierge.audit import AuditAction, audit
from concierge.checkins.plans import CheckinPlan, CheckinRound
from concierge.checkins.private_notes import plan_notes
from concierge.context import DomainContext
from concierge.database import Base
from concierge.errors import NotFound
from concierge.messages import IdentityKind
from concierge.outbox import OutboxMessage
from concierge.people.conversations import InboundRecord
from concierge.people.person import Person, find_person, normalise_phone
from concierge.requests.notes import RequestNote
from concierge.requests.request import RequestEvent, ServiceRequest
from concierge.requests.satisfaction import Satisfaction
from concierge.requests.task_reports import TaskReport
from concierge.standing.orders import StandingOrder
from concierge.welfare.enrolment import Enrolment
from concierge.welfare.ledger import Entry, Movement
from concierge.welfare.receipts import Receipt
from concierge.welfare.referrals import Referral
from concierge.welfare.vouchers import Voucher

Document = dict[str, Any]


def plain(value: Any) -> Any:
    """A stored value as JSON can hold it."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def row(obj: Base, leave_out: tuple[str, ...] = ()) -> Document:
    """A row's columns (attribute names), JSON-ready."""
    columns = inspect(type(obj)).column_attrs
    return {c.key: plain(getattr(obj, c.key)) for c in columns if c.key not in leave_out}


async def person_by_phone(ctx: DomainContext, phone: str) -> Person:
    """The person owning this number; NotFound when nobody does."""
    found = await find_person(
        ctx.session, IdentityKind.PHONE, normalise_phone(phone, ctx.settings.default_region)
    )
    if found is None:
        raise NotFound(f"nobody has the number {phone}", why="why.no_phone", what=phone)
    return found


async def _all(ctx: DomainContext, query: Any) -> list[Any]:
    return list((await ctx.session.scalars(query)).unique().all())


async def _request(ctx: DomainContext, request: ServiceRequest) -> Document:
    rid = request.id
    return {
        **row(request),
        "history": [row(e) for e in await _all(ctx, select(RequestEvent).where(RequestEvent.request_id == rid).order_by(RequestEvent.id))],  # noqa: E501
        "notes": [row(n) for n in await _all(ctx, select(RequestNote).where(RequestNote.request_id == rid))],  # noqa: E501
        "task_reports": [row(r) for r in await _all(ctx, select(TaskReport).where(TaskReport.request_id == rid))],  # noqa: E501
        "ratings": [row(s) for s in await _all(ctx, select(Satisfaction).where(Satisfaction.request_id == rid))],  # noqa: E501
    }  # fmt: skip


async def _plans(ctx: DomainContext, person: Person, actor: str) -> list[Document]:
    # Their own plans, and those they proposed for someone close (their words, their number).
    mine = or_(CheckinPlan.person_id == person.id, CheckinPlan.proposed_by_id == person.id)
    plans = await _all(ctx, select(CheckinPlan).where(mine))
    found = []
    for plan in plans:
        rounds = await _all(ctx, select(CheckinRound).where(CheckinRound.plan_id == plan.id))
        found.append({
            **row(plan, leave_out=("sealed_notes",)),
            "notes": plan_notes(ctx, plan, actor, AuditAction.EXPORT),
            "rounds": [row(r) for r in rounds],
        })  # fmt: skip
    return found


async def _welfare(ctx: DomainContext, person: Person) -> Document:
    pid = person.id
    movements = await _all(
        ctx, select(Movement).where(Movement.person_id == pid).order_by(Movement.id)
    )
    ledger = []
    for movement in movements:
        entries = await _all(ctx, select(Entry).where(Entry.movement_id == movement.id))
        ledger.append({**row(movement), "entries": [row(e) for e in entries]})
    paid = [m.id for m in movements]
    receipts = await _all(ctx, select(Receipt).where(Receipt.movement_id.in_(paid)))
    return {
        "enrolments": [row(e) for e in await _all(ctx, select(Enrolment).where(Enrolment.person_id == pid))],  # noqa: E501
        "vouchers": [row(v) for v in await _all(ctx, select(Voucher).where(Voucher.person_id == pid))],  # noqa: E501
        "referrals": [row(r) for r in await _all(ctx, select(Referral).where(Referral.person_id == pid))],  # noqa: E501
        "ledger": ledger,
        "receipts": [{**row(r), "number": r.number} for r in receipts],
    }  # fmt: skip


async def export_person(ctx: DomainContext, person: Person, actor: str) -> Document:
    """Everything held about `person`; the export is audited."""
    addresses = [identity.address for identity in person.identities]
    requests = await _all(
        ctx, select(ServiceRequest).where(ServiceRequest.requester_id == person.id)
        .order_by(ServiceRequest.id)
    )  # fmt: skip
    inbound = await _all(
        ctx, select(InboundRecord).where(InboundRecord.person_id == person.id)
        .order_by(InboundRecord.id)
    )  # fmt: skip
    outbound = await _all(
        ctx, select(OutboxMessage).where(
            or_(OutboxMessage.person_id == person.id, OutboxMessage.address.in_(addresses))
        ).order_by(OutboxMessage.id)
    )  # fmt: skip
    audit(ctx.session, ctx.now(), actor, AuditAction.EXPORT, f"person:{person.id}")
    return {
        "person": row(person),
        "identities": [row(identity) for identity in person.identities],
        "requests": [await _request(ctx, request) for request in requests],
        "messages_received": [row(message) for message in inbound],
        "messages_sent": [row(m, leave_out=("claim_token", "claimed_until")) for m in outbound],
        "checkin_plans": await _plans(ctx, person, actor),
        "standing_orders": [
            row(order)
            for order in await _all(
                ctx, select(StandingOrder).where(StandingOrder.requester_id == person.id)
            )
        ],
        "welfare": await _welfare(ctx, person),
    }
