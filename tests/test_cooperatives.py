"""Requests belong to a cooperative: only its operators are offered them, a coordinator cannot
hand one to another cooperative's operator, and an ended request leaves no offer waiting."""

from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy import select

from concierge.errors import InvalidValue
from concierge.messages import Channel, IdentityKind
from concierge.people.person import PersonKind, find_person
from concierge.requests.lifecycle import SYSTEM, RequestStatus
from concierge.requests.offers import Offer, OfferStatus
from concierge.requests.request import ServiceRequest, cancel_request, create_request
from concierge.routing.assignment import offer_next, reassign
from concierge.team.editing import add_operator, add_weekly_slot
from concierge.team.operators import Cooperative, Operator
from tests.conftest import Domain

MARIA = "+393402000001"


async def _aurora_operator(domain: Domain, zones: list[str]) -> int:
    async with domain.unit() as ctx:
        nadia = await add_operator(
            ctx, first_name="Nadia", last_name="Neri", phone="+393331000020",
            skills=["ironing", "shopping"], capacity=3, zones=zones, language="it",
            cooperative="Cooperativa Aurora",
        )  # fmt: skip
        for weekday in range(7):
            await add_weekly_slot(ctx, nadia, weekday, time(0, 0), time(23, 59))
        return nadia.id


async def _request(domain: Domain, service: str) -> tuple[int, str, str | None]:
    async with domain.unit() as ctx:
        maria = await find_person(ctx.session, IdentityKind.PHONE, MARIA)
        assert maria is not None and maria.kind == PersonKind.RESIDENT
        request = await create_request(ctx, maria, service, "6 camicie", Channel.WEBCHAT)
        await offer_next(ctx, request)
        cooperative = await ctx.session.get(Cooperative, request.cooperative_id)
        assert cooperative is not None
        operator = request.operator.first_name if request.operator else None
        return request.id, cooperative.name, operator


async def test_a_request_goes_to_the_cooperative_that_serves_its_zone(demo_domain: Domain) -> None:
    nadia_id = await _aurora_operator(demo_domain, zones=["Navile"])
    # Il Portico's operators cover every zone and came first: its request, its operators.
    request_id, cooperative, operator = await _request(demo_domain, "shopping")
    assert cooperative == "Cooperativa Il Portico"
    assert operator == "Giulia"

    async with demo_domain.unit() as ctx:
        maria = await find_person(ctx.session, IdentityKind.PHONE, MARIA)
        assert maria is not None
        maria.zone = "Navile"
        portico = (await ctx.session.scalars(select(Operator).where(Operator.id != nadia_id))).all()
        for operator in portico:
            operator.zones = ["Centro"]
    # Il Portico now works only in the centre: Aurora serves Maria's zone, and only Nadia is asked.
    _, cooperative, operator = await _request(demo_domain, "ironing")
    assert (cooperative, operator) == ("Cooperativa Aurora", "Nadia")

    async with demo_domain.unit() as ctx:
        nadia = await ctx.session.get(Operator, nadia_id)
        assert nadia is not None
        with pytest.raises(InvalidValue, match="another cooperative"):
            await reassign(ctx, request_id, nadia, SYSTEM)
    assert (await _request_state(demo_domain, request_id)) == (RequestStatus.OFFERED, "Giulia")


async def _request_state(domain: Domain, request_id: int) -> tuple[str, str | None]:
    async with domain.unit() as ctx:
        request = await ctx.session.get(ServiceRequest, request_id)
        assert request is not None
        return request.status, request.operator.first_name if request.operator else None


async def test_a_cancelled_request_leaves_no_offer_waiting(demo_domain: Domain) -> None:
    request_id, _, operator = await _request(demo_domain, "shopping")
    assert operator == "Giulia"
    async with demo_domain.unit() as ctx:
        maria = await find_person(ctx.session, IdentityKind.PHONE, MARIA)
        assert maria is not None
        await cancel_request(ctx, maria, request_id)
    async with demo_domain.unit() as ctx:
        offers = (await ctx.session.scalars(select(Offer))).all()
        request = await ctx.session.get(ServiceRequest, request_id)
    assert request is not None and request.status == RequestStatus.CANCELLED
    assert [offer.status for offer in offers] == [OfferStatus.WITHDRAWN]
