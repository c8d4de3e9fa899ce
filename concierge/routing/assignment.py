"""Routing: offer a queued request to an operator on duty, and take their answer."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Text, cast, func, or_, select

from concierge.context import DomainContext
from concierge.errors import (
    AlreadyTaken,
    DomainError,
    InvalidValue,
    NotYours,
    OfferAnswered,
    OfferExpired,
    OfferWithdrawn,
    RequestCancelled,
)
from concierge.requests.lifecycle import SYSTEM, Actor, RequestStatus
from concierge.requests.notifications import tell_coordinators, tell_operator
from concierge.requests.offers import Offer, OfferStatus
from concierge.requests.request import ServiceRequest, get_request, transition
from concierge.team.operators import (
    Operator,
    active_operators,
    operators_on_duty,
    session_holds_rota,
)
from concierge.team.rota import covers, covers_from_now, working_spans
from concierge.timers import Timer

BUSY_STATUSES = (RequestStatus.OFFERED, RequestStatus.ACCEPTED, RequestStatus.IN_PROGRESS)


async def _refused_by(ctx: DomainContext, request_id: int) -> set[int]:
    rows = await ctx.session.scalars(
        select(Offer.operator_id).where(
            Offer.request_id == request_id,
            Offer.status.in_([OfferStatus.DECLINED, OfferStatus.EXPIRED]),
        )
    )
    return set(rows.all())


async def _loads(ctx: DomainContext, operator_ids: Collection[int]) -> dict[int, int]:
    """Open tasks of these operators: offered, accepted or in progress."""
    rows = await ctx.session.execute(
        select(ServiceRequest.operator_id, func.count(ServiceRequest.id))
        .where(
            ServiceRequest.status.in_(BUSY_STATUSES),
            ServiceRequest.operator_id.in_(list(operator_ids)),
        )
        .group_by(ServiceRequest.operator_id)
    )
    return {operator_id: count for operator_id, count in rows.all() if operator_id is not None}


async def _last_offered(ctx: DomainContext, operator_ids: Collection[int]) -> dict[int, datetime]:
    rows = await ctx.session.execute(
        select(Offer.operator_id, func.max(Offer.offered_at))
        .where(Offer.operator_id.in_(list(operator_ids)))
        .group_by(Offer.operator_id)
    )
    return {operator_id: at for operator_id, at in rows.all() if at is not None}


def _lists(column: Any, value: str) -> Any:
    """Whether a JSON list of strings may hold `value`: its text holds the value's JSON (a
    superset of membership, narrowed in Python; the column is JSON, not JSONB, on PostgreSQL)."""
    return cast(column, Text).contains(json.dumps(value), autoescape=True)


async def _skilled_operators(ctx: DomainContext, request: ServiceRequest) -> list[Operator]:
    """Active, unpaused operators of the request's cooperative who may have its skill and zone,
    by id: narrowed in SQL, so a decision loads a few operators and their rota, not all.

    A unit that already holds every active operator (a turn that read the rota) uses that."""
    if session_holds_rota(ctx.session):
        return await active_operators(ctx.session)
    zone = request.requester.zone
    query = select(Operator).where(
        Operator.active.is_(True),
        Operator.paused.is_(False),
        _lists(Operator.skills, request.service_code),
    )
    if request.cooperative_id is not None:
        query = query.where(Operator.cooperative_id == request.cooperative_id)
    if zone is not None:  # no zones (no quoted string in the list) covers every zone
        query = query.where(
            or_(_lists(Operator.zones, zone), ~cast(Operator.zones, Text).contains('"'))
        )
    rows = await ctx.session.scalars(query.order_by(Operator.id))
    return list(rows.unique().all())


async def eligible_operators(ctx: DomainContext, request: ServiceRequest) -> list[Operator]:
    """Who may be offered the request now: on shift, available, skilled, in zone, under
    capacity, not the requester, not one who turned it down; least loaded, then idle longest."""
    refused = await _refused_by(ctx, request.id)
    skilled = await _skilled_operators(ctx, request)
    loads = await _loads(ctx, [operator.id for operator in skilled])
    now = ctx.now()
    candidates = [
        operator
        for operator in skilled
        if operator.available(now, ctx.calendar)
        and operator.can_do(request.service_code)
        and operator.covers_zone(request.requester.zone)
        and loads.get(operator.id, 0) < operator.capacity
        and serves(operator, request)
        and operator.id not in refused
        and operator.person_id != request.requester_id
    ]
    last = await _last_offered(ctx, [operator.id for operator in candidates])
    never = datetime.min.replace(tzinfo=UTC)
    return sorted(candidates, key=lambda op: (loads.get(op.id, 0), last.get(op.id, never), op.id))


def serves(operator: Operator, request: ServiceRequest) -> bool:
    """Whether the operator works for the cooperative the request belongs to."""
    return request.cooperative_id is None or operator.cooperative_id == request.cooperative_id


async def waits_for_its_shift(ctx: DomainContext, request: ServiceRequest) -> bool:
    """A request for a later day, or for an hour today in a shift that has not begun, waits for
    that shift: it goes to the operators who will be working then. Urgent requests and
    deadlines ("entro giovedì": sooner is fine) never wait, nor does a request for a time
    nobody works."""
    due = request.due_at
    now = ctx.now()
    if due is None or request.urgent or due <= now or request.due_kind == "deadline":
        return False
    skilled = [
        op
        for op in await active_operators(ctx.session)
        if op.can_do(request.service_code) and serves(op, request)
    ]
    calendar = ctx.calendar
    if due.astimezone(ctx.zone).date() > now.astimezone(ctx.zone).date():
        return any(covers(op, due, calendar, exact=False) for op in skilled)
    if request.due_kind != "time":
        return False  # later today, at no set hour: today's operators will do
    if not any(covers(op, due, calendar, exact=True) for op in skilled):
        return False
    return not any(
        op.available(now, calendar) and covers_from_now(op, now, due, calendar) for op in skilled
    )


async def handed_out_at(ctx: DomainContext, request: ServiceRequest) -> datetime | None:
    """When a request waiting for its shift will be offered: the first start, on its day, of a
    shift of a skilled operator that has begun by its due time."""
    due = request.due_at
    if due is None:
        return None
    day = due.astimezone(ctx.zone).date()
    starts = [
        start
        for op in await active_operators(ctx.session)
        if op.can_do(request.service_code) and serves(op, request)
        for start, _ in working_spans(op, day, ctx.calendar)
        if start <= due
    ]
    return min(starts, default=None)


async def offer_next(ctx: DomainContext, request: ServiceRequest) -> Offer | None:
    """Offer a queued request to the best eligible operator; None when nobody can take it now
    (when it waits for a later shift on purpose, or when nobody is left: coordinators hear)."""
    if request.status != RequestStatus.QUEUED or await waits_for_its_shift(ctx, request):
        return None
    eligible = await eligible_operators(ctx, request)
    if not eligible:
        await _tell_coordinators_nobody_is_left(ctx, request)
        return None
    return await _offer(ctx, request, eligible[0], SYSTEM)


async def _offer(
    ctx: DomainContext, request: ServiceRequest, operator: Operator, actor: Actor
) -> Offer:
    offer = Offer(
        request_id=request.id,
        operator_id=operator.id,
        status=OfferStatus.PENDING,
        offered_at=ctx.now(),
    )
    ctx.session.add(offer)
    request.operator = operator
    await transition(
        ctx, request, RequestStatus.OFFERED, actor, f"offered to operator {operator.id}"
    )
    return offer


async def reassign(ctx: DomainContext, request_id: int, operator: Operator, actor: Actor) -> Offer:
    """A coordinator gives a request to a chosen operator: whoever had it is released and told,
    and the chosen one is offered it (and may still decline)."""
    request = await get_request(ctx, request_id)
    if not serves(operator, request):
        raise InvalidValue(
            f"{operator.person.display_name} works for another cooperative"
            f" than the one of request {request.id}"
        )
    previous = request.operator
    if request.status in BUSY_STATUSES:
        live = await ctx.session.scalars(
            select(Offer).where(
                Offer.request_id == request.id,
                Offer.status.in_([OfferStatus.PENDING, OfferStatus.ACCEPTED]),
            )
        )
        for offer in live.all():
            offer.status = OfferStatus.WITHDRAWN
            offer.answered_at = ctx.now()
        await ctx.session.flush()
        await transition(ctx, request, RequestStatus.QUEUED, actor, "reassigned")
        request.operator = None
        if previous is not None and previous.id != operator.id:
            await tell_operator(
                ctx, previous, "task.reassigned_away", request, f"reassign:{request.id}:{ctx.now()}"
            )
    return await _offer(ctx, request, operator, actor)


async def _tell_coordinators_nobody_is_left(ctx: DomainContext, request: ServiceRequest) -> None:
    """While the service is open, a request nobody can take is news for coordinators (once)."""
    if not await _anyone_on_duty(ctx):
        return  # closed: the requester was told when it reopens
    await tell_coordinators(ctx, "queue.nobody", request, f"nobody:{request.id}")


ON_DUTY_PAGE = 25  # operators read at a time when asking whether anyone is on duty


async def _anyone_on_duty(ctx: DomainContext) -> bool:
    """Whether the service is open: a page of operators at a time, so that while it is open
    the first page usually answers and a decision does not load the whole team."""
    now, calendar = ctx.now(), ctx.calendar
    if session_holds_rota(ctx.session):
        return bool(await operators_on_duty(ctx.session, now, calendar))
    after = 0
    while True:
        rows = await ctx.session.scalars(
            select(Operator)
            .where(Operator.active.is_(True), Operator.id > after)
            .order_by(Operator.id)
            .limit(ON_DUTY_PAGE)
        )
        page = list(rows.unique().all())
        if any(operator.on_duty(now, calendar) for operator in page):
            return True
        if len(page) < ON_DUTY_PAGE:
            return False
        after = page[-1].id


async def _pending_offer(ctx: DomainContext, operator: Operator, request_id: int) -> Offer:
    offer = await ctx.session.scalar(
        select(Offer).where(
            Offer.request_id == request_id,
            Offer.operator_id == operator.id,
            Offer.status == OfferStatus.PENDING,
        )
    )
    if offer is None:
        raise await _why_not_offered(ctx, operator, request_id)
    return offer


async def _why_not_offered(ctx: DomainContext, operator: Operator, request_id: int) -> DomainError:
    """What happened to an offer an old button answers: the reason the operator is told."""
    request = await get_request(ctx, request_id)
    message = f"request {request_id} is not offered to operator {operator.id}"
    if request.status == RequestStatus.CANCELLED:
        return RequestCancelled(message, request_id=request_id)
    last = await ctx.session.scalar(
        select(Offer.status)
        .where(Offer.request_id == request_id, Offer.operator_id == operator.id)
        .order_by(Offer.offered_at.desc(), Offer.id.desc())
        .limit(1)
    )
    if last == OfferStatus.EXPIRED:
        return OfferExpired(message, request_id=request_id)
    if last in (OfferStatus.ACCEPTED, OfferStatus.DECLINED):
        return OfferAnswered(message, request_id=request_id)
    if last == OfferStatus.WITHDRAWN:
        return OfferWithdrawn(message, request_id=request_id)
    if last is not None and request.operator_id not in (None, operator.id):
        return AlreadyTaken(message, request_id=request_id)
    return NotYours(message, request_id=request_id)  # never offered to them


async def accept_offer(ctx: DomainContext, operator: Operator, request_id: int) -> ServiceRequest:
    """The operator takes the request offered to them."""
    offer = await _pending_offer(ctx, operator, request_id)
    request = await get_request(ctx, request_id)
    if request.status != RequestStatus.OFFERED or request.operator_id != operator.id:
        raise AlreadyTaken(f"request {request_id} went to someone else", request_id=request_id)
    await transition(ctx, request, RequestStatus.ACCEPTED, Actor.operator(operator.id), "accepted")
    offer.status = OfferStatus.ACCEPTED
    offer.answered_at = ctx.now()
    return request


async def decline_offer(
    ctx: DomainContext, operator: Operator, request_id: int
) -> tuple[ServiceRequest, Offer | None]:
    """The operator turns the offer down; the request goes back to the queue and on to the next."""
    offer = await _pending_offer(ctx, operator, request_id)
    request = await get_request(ctx, request_id)
    await transition(ctx, request, RequestStatus.QUEUED, Actor.operator(operator.id), "declined")
    offer.status = OfferStatus.DECLINED
    offer.answered_at = ctx.now()
    request.operator = None
    await ctx.session.flush()
    return request, await offer_next(ctx, request)


async def dispatch_queue(ctx: DomainContext) -> list[Offer]:
    """Offer every waiting request that can go out now: urgent first, then oldest."""
    rows = await ctx.session.scalars(
        select(ServiceRequest)
        .where(ServiceRequest.status == RequestStatus.QUEUED)
        .order_by(ServiceRequest.urgent.desc(), ServiceRequest.created_at, ServiceRequest.id)
    )
    offers = []
    for request in rows.unique().all():
        offer = await offer_next(ctx, request)
        if offer is not None:
            offers.append(offer)
    return offers


async def offer_queued_to(ctx: DomainContext, operator: Operator) -> list[Offer]:
    """An operator became available: dispatch the queue; the offers that went to them."""
    return [offer for offer in await dispatch_queue(ctx) if offer.operator_id == operator.id]


async def expire_offer(ctx: DomainContext, timer: Timer) -> None:
    """An offer went unanswered: withdraw it from that operator and pass the request on."""
    request = await ctx.session.get(ServiceRequest, timer.request_id)
    if request is None or request.status != RequestStatus.OFFERED:
        return
    operator = request.operator
    if operator is None or operator.id != timer.subject_id:
        return
    offer = await _pending_offer(ctx, operator, request.id)
    offer.status = OfferStatus.EXPIRED
    offer.answered_at = ctx.now()
    await transition(ctx, request, RequestStatus.QUEUED, SYSTEM, "offer timed out")
    request.operator = None
    await tell_operator(ctx, operator, "offer.expired", request, f"timer:{timer.id}:operator")
    await ctx.session.flush()
    await offer_next(ctx, request)
