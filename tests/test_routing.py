"""Routing: offers go to the first eligible operator on duty; a decline passes to the next."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from concierge.errors import NotYours
from concierge.messages import Channel, IdentityKind
from concierge.outbox import OutboxMessage
from concierge.people.person import find_person
from concierge.requests.lifecycle import RequestStatus
from concierge.requests.request import ServiceRequest, create_request, finish_request, start_request
from concierge.routing.assignment import Offer, OfferStatus, accept_offer, decline_offer, offer_next
from concierge.team.operators import Operator
from tests.conftest import Domain

MARIA = "+393402000001"


async def _operator(domain: Domain, first_name: str) -> int:
    async with domain.unit() as ctx:
        operators = (await ctx.session.scalars(select(Operator))).unique().all()
        return next(op.id for op in operators if op.first_name == first_name)


async def _new_request(domain: Domain, service: str = "home_repair") -> int:
    async with domain.unit() as ctx:
        maria = await find_person(ctx.session, IdentityKind.PHONE, MARIA)
        assert maria is not None
        request = await create_request(ctx, maria, service, "il rubinetto perde", Channel.WEBCHAT)
        await offer_next(ctx, request)
        return request.id


async def _state(domain: Domain, request_id: int) -> tuple[RequestStatus, str | None]:
    async with domain.unit() as ctx:
        request = await ctx.session.get(ServiceRequest, request_id)
        assert request is not None
        return request.status, request.operator.first_name if request.operator else None


async def _texts_to(domain: Domain, address: str) -> list[str]:
    async with domain.unit() as ctx:
        rows = await ctx.session.scalars(
            select(OutboxMessage).where(OutboxMessage.address == address).order_by(OutboxMessage.id)
        )
        return [row.text for row in rows]


async def test_offer_decline_and_next_operator(demo_domain: Domain) -> None:
    request_id = await _new_request(demo_domain)
    assert await _state(demo_domain, request_id) == (RequestStatus.OFFERED, "Giulia")
    giulia = await _operator(demo_domain, "Giulia")
    async with demo_domain.unit() as ctx:
        operator = await ctx.session.get(Operator, giulia)
        assert operator is not None
        _, next_offer = await decline_offer(ctx, operator, request_id)
    assert next_offer is not None
    assert await _state(demo_domain, request_id) == (RequestStatus.OFFERED, "Marco")
    assert any("Nuova richiesta" in text for text in await _texts_to(demo_domain, "+393331000002"))

    marco = await _operator(demo_domain, "Marco")
    async with demo_domain.unit() as ctx:
        operator = await ctx.session.get(Operator, marco)
        assert operator is not None
        await decline_offer(ctx, operator, request_id)
    # Nobody else on duty repairs taps: the request waits in the queue.
    assert await _state(demo_domain, request_id) == (RequestStatus.QUEUED, None)
    async with demo_domain.unit() as ctx:
        offers = (await ctx.session.scalars(select(Offer).order_by(Offer.id))).all()
    assert [o.status for o in offers] == [OfferStatus.DECLINED, OfferStatus.DECLINED]


async def test_accept_start_finish_tells_the_requester(demo_domain: Domain) -> None:
    request_id = await _new_request(demo_domain, "parcel")
    giulia = await _operator(demo_domain, "Giulia")
    for step in (accept_offer, start_request, finish_request):
        demo_domain.runtime.clock.advance(timedelta(minutes=5))  # type: ignore[attr-defined]
        async with demo_domain.unit() as ctx:
            operator = await ctx.session.get(Operator, giulia)
            assert operator is not None
            await step(ctx, operator, request_id)
    assert await _state(demo_domain, request_id) == (RequestStatus.DONE, "Giulia")
    texts = await _texts_to(demo_domain, MARIA)
    assert [t.split(":")[0] for t in texts] == [
        "Richiesta registrata",
        "Giulia ha preso in carico la tua richiesta",
        "Giulia ha iniziato a occuparsi della tua richiesta",
        "Fatto! Giulia ha completato la tua richiesta",
    ]


async def test_only_the_offered_operator_can_answer(demo_domain: Domain) -> None:
    request_id = await _new_request(demo_domain, "parcel")
    marco = await _operator(demo_domain, "Marco")
    with pytest.raises(NotYours):
        async with demo_domain.unit() as ctx:
            operator = await ctx.session.get(Operator, marco)
            assert operator is not None
            await accept_offer(ctx, operator, request_id)
    with pytest.raises(NotYours):
        async with demo_domain.unit() as ctx:
            operator = await ctx.session.get(Operator, marco)
            assert operator is not None
            await start_request(ctx, operator, request_id)
    assert await _state(demo_domain, request_id) == (RequestStatus.OFFERED, "Giulia")


async def test_nobody_on_duty_leaves_it_queued(demo_domain: Domain) -> None:
    demo_domain.runtime.clock.advance(timedelta(days=6))  # type: ignore[attr-defined]
    request_id = await _new_request(demo_domain, "parcel")  # Sunday morning
    assert await _state(demo_domain, request_id) == (RequestStatus.QUEUED, None)
