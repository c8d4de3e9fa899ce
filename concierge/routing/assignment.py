"""Routing: offer a queued request to an operator on duty, and take their answer."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Integer, cast, func, literal_column, null, select, union_all
from sqlalchemy.orm import joinedload

from concierge.context import DomainContext
from concierge.database import UTCDateTime
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
from concierge.people.person import Person
from concierge.requests.lifecycle import SYSTEM, Actor, RequestStatus
from concierge.requests.notifications import tell_coordinators, tell_operator
from concierge.requests.offers import Offer, OfferStatus
from concierge.requests.request import ServiceRequest, get_request, transition
from concierge.team.operators import Operator
from concierge.team.rota import covers, covers_from_now, working_spans
from concierge.team.rota_cache import OperatorRota, rota
from concierge.timers import Timer

BUSY_STATUSES = (RequestStatus.OFFERED, RequestStatus.ACCEPTED, RequestStatus.IN_PROGRESS)


async def _standing(
    ctx: DomainContext, request_id: int, operator_ids: Collection[int]
) -> tuple[set[int], dict[int, int], dict[int, datetime]]:
    """In one statement: who turned the request down; the open tasks (offered, accepted, in
    progress) and the last offer made of each of these operators."""
    refused = select(
        literal_column("0", Integer), Offer.operator_id, cast(null(), Integer),
        cast(null(), UTCDateTime()),
    ).where(
        Offer.request_id == request_id,
        Offer.status.in_([OfferStatus.DECLINED, OfferStatus.EXPIRED]),
    )  # fmt: skip
    loads = (
        select(
            literal_column("1", Integer), ServiceRequest.operator_id, func.count(ServiceRequest.id),
            cast(null(), UTCDateTime()),
        )
        .where(
            ServiceRequest.status.in_(BUSY_STATUSES),
            ServiceRequest.operator_id.in_(list(operator_ids)),
        )
        .group_by(ServiceRequest.operator_id)
    )  # fmt: skip
    last = (
        select(
            literal_column("2", Integer), Offer.operator_id, cast(null(), Integer),
            func.max(Offer.offered_at),
        )
        .where(Offer.operator_id.in_(list(operator_ids)))
        .group_by(Offer.operator_id)
    )  # fmt: skip
    refusing: set[int] = set()
    counts: dict[int, int] = {}
    offered: dict[int, datetime] = {}
    rows: list[Any] = list(await ctx.session.execute(union_all(refused, loads, last)))
    for kind, operator_id, count, at in rows:
        if operator_id is None:
            continue
        if kind == 0:
            refusing.add(operator_id)
        elif kind == 1:
            counts[operator_id] = count or 0
        elif at is not None:
            offered[operator_id] = at
    return refusing, counts, offered


async def _ranked(ctx: DomainContext, request: ServiceRequest) -> list[OperatorRota]:
    """Who may be offered the request now, best first, from the kept rota: on shift, available,
    skilled, in zone, of its cooperative, under capacity, not the requester, not one who turned
    it down; least loaded, then idle longest. Two statements at most (the reference version,
    once per unit; refusals, loads and last offers together)."""
    now, calendar, zone = ctx.now(), ctx.calendar, request.requester.zone
    skilled = [
        operator
        for operator in (await rota(ctx.session)).skilled(request.service_code)
        if serves(operator, request)
        and operator.covers_zone(zone)
        and operator.person_id != request.requester_id
        and operator.available(now, calendar)
    ]
    if not skilled:
        return []
    refused, loads, last = await _standing(ctx, request.id, [op.id for op in skilled])
    candidates = [
        operator
        for operator in skilled
        if loads.get(operator.id, 0) < operator.capacity and operator.id not in refused
    ]
    never = datetime.min.replace(tzinfo=UTC)
    return sorted(candidates, key=lambda op: (loads.get(op.id, 0), last.get(op.id, never), op.id))


# An operator offered work with what telling them needs, in one statement (no selectin rounds).
_WHOLE_OPERATOR = (
    joinedload(Operator.person).joinedload(Person.identities),
    joinedload(Operator.shifts),
    joinedload(Operator.exceptions),
)


async def _operator(ctx: DomainContext, operator_id: int) -> Operator | None:
    """An Operator chosen from the kept rota (from the unit's identity map when it holds it);
    None if they were removed, deactivated or paused after this unit read the rota's version
    (PostgreSQL's read committed lets such a change land between the two)."""
    operator = await ctx.session.get(Operator, operator_id, options=_WHOLE_OPERATOR)
    if operator is None or not operator.active or operator.paused:
        return None
    return operator


async def eligible_operators(ctx: DomainContext, request: ServiceRequest) -> list[Operator]:
    """Who may be offered the request now: on shift, available, skilled, in zone, under
    capacity, not the requester, not one who turned it down; least loaded, then idle longest.
    Only these operators are loaded as ORM objects."""
    ranked = await _ranked(ctx, request)
    if not ranked:
        return []
    rows = await ctx.session.scalars(
        select(Operator).where(Operator.id.in_([op.id for op in ranked])).options(*_WHOLE_OPERATOR)
    )
    by_id = {operator.id: operator for operator in rows.unique().all()}
    return [by_id[op.id] for op in ranked if op.id in by_id]


def serves(operator: Operator | OperatorRota, request: ServiceRequest) -> bool:
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
        op for op in (await rota(ctx.session)).skilled(request.service_code) if serves(op, request)
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
        for op in (await rota(ctx.session)).skilled(request.service_code)
        if serves(op, request)
        for start, _ in working_spans(op, day, ctx.calendar)
        if start <= due
    ]
    return min(starts, default=None)


async def offer_next(ctx: DomainContext, request: ServiceRequest) -> Offer | None:
    """Offer a queued request to the best eligible operator; None when nobody can take it now
    (when it waits for a later shift on purpose, or when nobody is left: coordinators hear)."""
    if request.status != RequestStatus.QUEUED or await waits_for_its_shift(ctx, request):
        return None
    for choice in await _ranked(ctx, request):
        operator = await _operator(ctx, choice.id)
        if operator is not None:
            return await _offer(ctx, request, operator, SYSTEM)
    await _tell_coordinators_nobody_is_left(ctx, request)
    return None


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


async def _anyone_on_duty(ctx: DomainContext) -> bool:
    """Whether the service is open: someone of the kept rota is on duty."""
    now, calendar = ctx.now(), ctx.calendar
    return any(operator.on_duty(now, calendar) for operator in (await rota(ctx.session)).operators)


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
