"""Requests and their lifecycle: one table of allowed transitions, one function to move."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, and_, select
from sqlalchemy.orm import Mapped, foreign, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value

from concierge.context import DomainContext
from concierge.database import Base, UTCDateTime
from concierge.errors import ForbiddenTransition, NotFound, NotYours
from concierge.intake.catalogue import Service
from concierge.messages import Channel
from concierge.people.person import Person
from concierge.requests.lifecycle import OPEN_STATUSES, SYSTEM, Actor, RequestStatus, is_allowed
from concierge.requests.lifecycle import RequestStatus as S
from concierge.requests.notifications import notify_transition
from concierge.requests.offers import withdraw_pending_offers
from concierge.requests.promises import plan_timers
from concierge.requests.threads import mark_request
from concierge.team.catalogue import CooperativeService, service_as_offered
from concierge.team.operators import Operator, serving_cooperative
from concierge.timers import note_new_request


class ServiceRequest(Base):
    """One errand asked by a person, from creation to its end."""

    __tablename__ = "requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    service_code: Mapped[str] = mapped_column(ForeignKey("services.code"))
    details: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[Channel] = mapped_column(String(20))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # How the requester put it: at an hour ("time"), a part of a day, a whole day, or a limit.
    due_kind: Mapped[str] = mapped_column(String(20), default="time", server_default="time")
    # Photos the requester sent with it (the channel's file references).
    attachments: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    status: Mapped[RequestStatus] = mapped_column(String(20), default=S.NEW, index=True)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"), nullable=True)
    # The cooperative that serves it: only its operators are offered it, its coordinators see it.
    cooperative_id: Mapped[int | None] = mapped_column(
        ForeignKey("cooperatives.id"), nullable=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Optimistic locking: an UPDATE based on a stale read (an Accept racing a time-out or a
    # reassignment) matches no row and fails, and the turn starts over, on SQLite and PostgreSQL.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    requester: Mapped[Person] = relationship(lazy="joined")
    service: Mapped[Service] = relationship(lazy="joined")
    operator: Mapped[Operator | None] = relationship(lazy="joined")
    events: Mapped[list[RequestEvent]] = relationship(
        back_populates="request", lazy="selectin", order_by="RequestEvent.id"
    )
    # How its cooperative offers the service (its own names), when it changed the default.
    offered_as: Mapped[CooperativeService | None] = relationship(
        primaryjoin=lambda: and_(
            foreign(ServiceRequest.cooperative_id) == CooperativeService.cooperative_id,
            foreign(ServiceRequest.service_code) == CooperativeService.service_code,
        ),
        viewonly=True,
        lazy="joined",
    )

    def service_name(self, language: str) -> str:
        """The service's name as the request's cooperative calls it, in `language`."""
        entry = self.offered_as
        named = (entry.name_en if language == "en" else entry.name_it) if entry else None
        return named or self.service.name(language)


class RequestEvent(Base):
    """One line of a request's timeline: who moved it, when, from where to where, and why."""

    __tablename__ = "request_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("requests.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    from_status: Mapped[RequestStatus | None] = mapped_column(String(20), nullable=True)
    to_status: Mapped[RequestStatus] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")

    request: Mapped[ServiceRequest] = relationship(back_populates="events")


async def transition(
    ctx: DomainContext,
    request: ServiceRequest,
    target: RequestStatus,
    actor: Actor,
    reason: str = "",
) -> RequestEvent:
    """Move a request along the lifecycle table, record the event and queue notifications.

    Raises ForbiddenTransition, changing nothing, when the table does not allow the move.
    """
    current = RequestStatus(request.status)
    if not is_allowed(current, target):
        raise ForbiddenTransition(
            f"request {request.id} cannot go from {current} to {target}",
            request_id=request.id,
            current=current.value,
            target=target.value,
        )
    now = ctx.now()
    request.status = target
    request.updated_at = now
    return await _moved(ctx, request, current, target, actor, reason)


async def _moved(
    ctx: DomainContext,
    request: ServiceRequest,
    current: RequestStatus,
    target: RequestStatus,
    actor: Actor,
    reason: str,
) -> RequestEvent:
    """The move of a request (already at `target`) recorded: its event, then what follows."""
    now = ctx.now()
    event = RequestEvent(
        request_id=request.id,
        at=now,
        actor_kind=actor.kind,
        actor_id=actor.id,
        from_status=current,
        to_status=target,
        reason=reason,
    )
    ctx.session.add(event)
    await ctx.session.flush()
    mark_request(ctx, request.id)
    if target in (S.CANCELLED, S.FAILED):
        await withdraw_pending_offers(ctx.session, request.id, now)
    await notify_transition(ctx, request, event)
    await plan_timers(ctx, request, event)
    return event


async def create_request(
    ctx: DomainContext,
    requester: Person,
    service_code: str,
    details: str,
    channel: Channel,
    *,
    urgent: bool = False,
    due_at: datetime | None = None,
    due_kind: str = "time",
    attachments: tuple[str, ...] = (),
    by_service: bool = False,
) -> ServiceRequest:
    """Record a confirmed request (status new, with its first event) and queue it.

    `by_service`: the service opened it for the person (a check-in nobody answered), so it is
    not theirs to be told "registered".
    """
    actor = SYSTEM if by_service else Actor.person(requester.id)
    cooperative_id = await serving_cooperative(ctx.session, requester, service_code)
    service, offered_as = await service_as_offered(ctx.session, service_code, cooperative_id)
    now = ctx.now()
    request = ServiceRequest(
        requester=requester,
        service=service,
        details=details.strip(),
        channel=channel,
        urgent=urgent,
        due_at=due_at,
        due_kind=due_kind,
        attachments=list(attachments),
        cooperative_id=cooperative_id,
        # Born new and confirmed at once: inserted queued, with both events, rather than
        # inserted new then updated to queued (one statement less a request: issue 20).
        status=S.QUEUED,
        created_at=now,
        updated_at=now,
    )
    assert is_allowed(S.NEW, S.QUEUED)
    set_committed_value(request, "offered_as", offered_as)  # read with the service: no query
    ctx.session.add(request)
    ctx.session.add(
        RequestEvent(
            request=request,
            at=now,
            actor_kind=actor.kind,
            actor_id=actor.id,
            from_status=None,
            to_status=S.NEW,
            reason="created",
        )
    )
    await ctx.session.flush()
    # Its events stay unloaded, as for any request whose events were not read in this unit.
    ctx.session.expire(request, ["events"])
    mark_request(ctx, request.id, created=True)
    note_new_request(ctx, request.id)
    await _moved(ctx, request, S.NEW, S.QUEUED, actor, "confirmed")
    return request


async def get_request(ctx: DomainContext, request_id: int) -> ServiceRequest:
    """The request with this number; NotFound otherwise."""
    request = await ctx.session.get(ServiceRequest, request_id)
    if request is None:
        raise NotFound(f"no request {request_id}", why="why.no_request", what=request_id)
    return request


def _require_assignee(request: ServiceRequest, operator: Operator) -> None:
    if request.operator_id != operator.id:
        raise NotYours(
            f"request {request.id} is not assigned to operator {operator.id}",
            request_id=request.id,
        )


async def start_request(ctx: DomainContext, operator: Operator, request_id: int) -> ServiceRequest:
    """The assigned operator starts working on the request."""
    request = await get_request(ctx, request_id)
    _require_assignee(request, operator)
    await transition(ctx, request, S.IN_PROGRESS, Actor.operator(operator.id), "started")
    return request


async def finish_request(ctx: DomainContext, operator: Operator, request_id: int) -> ServiceRequest:
    """The assigned operator marks the request done."""
    request = await get_request(ctx, request_id)
    _require_assignee(request, operator)
    await transition(ctx, request, S.DONE, Actor.operator(operator.id), "finished")
    return request


async def cancel_request(ctx: DomainContext, person: Person, request_id: int) -> ServiceRequest:
    """The requester cancels one of their own open requests."""
    request = await get_request(ctx, request_id)
    if request.requester_id != person.id:
        raise NotYours(f"request {request_id} is not {person.id}'s", request_id=request_id)
    await transition(ctx, request, S.CANCELLED, Actor.person(person.id), "cancelled by requester")
    return request


async def open_requests_of(ctx: DomainContext, person: Person) -> list[ServiceRequest]:
    """A person's requests that are not finished yet, oldest first."""
    rows = await ctx.session.scalars(
        select(ServiceRequest)
        .where(ServiceRequest.requester_id == person.id, ServiceRequest.status.in_(OPEN_STATUSES))
        .order_by(ServiceRequest.id)
    )
    return list(rows.unique().all())


async def tasks_of(ctx: DomainContext, operator: Operator) -> list[ServiceRequest]:
    """The requests an operator has been offered, has accepted or is doing."""
    rows = await ctx.session.scalars(
        select(ServiceRequest)
        .where(
            ServiceRequest.operator_id == operator.id,
            ServiceRequest.status.in_([S.OFFERED, S.ACCEPTED, S.IN_PROGRESS]),
        )
        .order_by(ServiceRequest.id)
    )
    return list(rows.unique().all())
