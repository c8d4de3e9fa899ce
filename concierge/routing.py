"""Routing: offer a queued request to an operator on duty, and take their answer."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from concierge.context import DomainContext
from concierge.database import Base, UTCDateTime
from concierge.errors import NotYours
from concierge.lifecycle import SYSTEM, Actor, RequestStatus
from concierge.notifications import tell_operator
from concierge.operators import Operator, operators_on_duty
from concierge.requests import ServiceRequest, get_request, transition
from concierge.timers import Timer


class OfferStatus(StrEnum):
    """The answer to one offer of a request to one operator."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"


class Offer(Base):
    """A request offered to one operator, waiting for their answer (a reservation)."""

    __tablename__ = "offers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("requests.id", ondelete="CASCADE"), index=True
    )
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    status: Mapped[OfferStatus] = mapped_column(String(20), default=OfferStatus.PENDING)
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


async def _refused_by(ctx: DomainContext, request_id: int) -> set[int]:
    rows = await ctx.session.scalars(
        select(Offer.operator_id).where(
            Offer.request_id == request_id,
            Offer.status.in_([OfferStatus.DECLINED, OfferStatus.EXPIRED]),
        )
    )
    return set(rows.all())


async def choose_operator(ctx: DomainContext, request: ServiceRequest) -> Operator | None:
    """The first operator on duty with the skill who has not already turned this request down."""
    refused = await _refused_by(ctx, request.id)
    for operator in await operators_on_duty(ctx.session, ctx.now(), ctx.zone, request.service_code):
        if operator.id not in refused and operator.person_id != request.requester_id:
            return operator
    return None


async def offer_next(ctx: DomainContext, request: ServiceRequest) -> Offer | None:
    """Offer a queued request to the next eligible operator; None when nobody is on duty for it."""
    if request.status != RequestStatus.QUEUED:
        return None
    operator = await choose_operator(ctx, request)
    if operator is None:
        return None
    offer = Offer(
        request_id=request.id,
        operator_id=operator.id,
        status=OfferStatus.PENDING,
        offered_at=ctx.now(),
    )
    ctx.session.add(offer)
    request.operator = operator
    await transition(
        ctx, request, RequestStatus.OFFERED, SYSTEM, f"offered to operator {operator.id}"
    )
    return offer


async def _pending_offer(ctx: DomainContext, operator: Operator, request_id: int) -> Offer:
    offer = await ctx.session.scalar(
        select(Offer).where(
            Offer.request_id == request_id,
            Offer.operator_id == operator.id,
            Offer.status == OfferStatus.PENDING,
        )
    )
    if offer is None:
        raise NotYours(
            f"request {request_id} is not offered to operator {operator.id}", request_id=request_id
        )
    return offer


async def accept_offer(ctx: DomainContext, operator: Operator, request_id: int) -> ServiceRequest:
    """The operator takes the request offered to them."""
    offer = await _pending_offer(ctx, operator, request_id)
    request = await get_request(ctx, request_id)
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


async def offer_queued_to(ctx: DomainContext, operator: Operator) -> list[Offer]:
    """Offer the waiting requests this operator can do (when they come on duty), oldest first."""
    rows = await ctx.session.scalars(
        select(ServiceRequest)
        .where(ServiceRequest.status == RequestStatus.QUEUED)
        .order_by(ServiceRequest.urgent.desc(), ServiceRequest.id)
    )
    offers = []
    for request in rows.unique().all():
        if operator.can_do(request.service_code):
            offer = await offer_next(ctx, request)
            if offer is not None:
                offers.append(offer)
    return offers


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
