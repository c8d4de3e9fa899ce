"""The live queue as staff watch it: open requests, filtered, with what should stand out, and a
cheap signature that changes whenever the queue does (so pages refresh only then)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Select, func, select

from concierge.context import DomainContext
from concierge.requests.lifecycle import OPEN_STATUSES, RequestStatus
from concierge.requests.notes import RequestNote
from concierge.requests.request import RequestEvent, ServiceRequest
from concierge.team.users import Role, User

WAITING_STATUSES = (RequestStatus.NEW, RequestStatus.QUEUED)
# The queue shows everything open; a board longer than this is cut, oldest urgent first.
QUEUE_LIMIT = 500


class QueueFilter(BaseModel):
    """What a coordinator narrows the queue to (all optional)."""

    model_config = ConfigDict(frozen=True)

    status: RequestStatus | None = None
    service: str | None = None
    operator_id: int | None = None
    overdue: bool = False


@dataclass(frozen=True)
class QueueLine:
    """One open request on the board."""

    request: ServiceRequest
    age: timedelta
    overdue: bool
    waiting: bool  # nobody has it: new or queued

    @property
    def stands_out(self) -> bool:
        """Unassigned or overdue: what a coordinator must see first."""
        return self.overdue or self.waiting


def scoped(query: Select[ServiceRequest], user: User) -> Select[ServiceRequest]:
    """Only the requests the user may see: a cooperative's, or an operator's own tasks."""
    if user.role == Role.COORDINATOR:
        return query.where(ServiceRequest.cooperative_id == user.cooperative_id)
    if user.role == Role.OPERATOR:
        return query.where(ServiceRequest.operator_id == user.operator_id)
    return query


async def queue_lines(ctx: DomainContext, user: User, wanted: QueueFilter) -> list[QueueLine]:
    """The open requests the user may see that match the filter: urgent first, then oldest."""
    now = ctx.now()
    query = scoped(select(ServiceRequest).where(ServiceRequest.status.in_(OPEN_STATUSES)), user)
    if wanted.status is not None:
        query = query.where(ServiceRequest.status == wanted.status)
    if wanted.service:
        query = query.where(ServiceRequest.service_code == wanted.service)
    if wanted.operator_id is not None:
        query = query.where(ServiceRequest.operator_id == wanted.operator_id)
    if wanted.overdue:
        query = query.where(ServiceRequest.due_at < now)
    query = query.order_by(
        ServiceRequest.urgent.desc(), ServiceRequest.created_at, ServiceRequest.id
    ).limit(QUEUE_LIMIT)
    return [
        QueueLine(
            request=request,
            age=now - request.created_at,
            overdue=request.due_at is not None and request.due_at < now,
            waiting=request.status in WAITING_STATUSES,
        )
        for request in (await ctx.session.scalars(query)).unique().all()
    ]


async def queue_signature(ctx: DomainContext) -> str:
    """Changes when any request moves, is noted on, or falls overdue; the same otherwise."""
    last_event = await ctx.session.scalar(select(func.max(RequestEvent.id)))
    last_note = await ctx.session.scalar(select(func.max(RequestNote.id)))
    last_change = await ctx.session.scalar(select(func.max(ServiceRequest.updated_at)))
    overdue = await ctx.session.scalar(
        select(func.count(ServiceRequest.id)).where(
            ServiceRequest.status.in_(OPEN_STATUSES), ServiceRequest.due_at < ctx.now()
        )
    )
    stamp = last_change.isoformat() if isinstance(last_change, datetime) else last_change
    return f"{last_event}:{last_note}:{stamp}:{overdue}"
