"""Every allowed and every forbidden lifecycle transition, on SQLite and PostgreSQL."""

from __future__ import annotations

from itertools import product

import pytest
from sqlalchemy import func, select

from concierge.errors import ForbiddenTransition
from concierge.people.person import Person
from concierge.requests.lifecycle import SYSTEM, TRANSITIONS, Actor, RequestStatus
from concierge.requests.request import RequestEvent, ServiceRequest, transition
from tests.conftest import Domain

S = RequestStatus

# The lifecycle of DESIGN.md, written out independently of the code's table; plus the way back
# to the queue from accepted and in progress, for a coordinator's reassignment (routing issue).
EXPECTED_ALLOWED = {
    (S.NEW, S.QUEUED), (S.NEW, S.CANCELLED),
    (S.QUEUED, S.OFFERED), (S.QUEUED, S.CANCELLED), (S.QUEUED, S.FAILED),
    (S.OFFERED, S.ACCEPTED), (S.OFFERED, S.QUEUED), (S.OFFERED, S.CANCELLED),
    (S.OFFERED, S.FAILED),
    (S.ACCEPTED, S.IN_PROGRESS), (S.ACCEPTED, S.CANCELLED), (S.ACCEPTED, S.FAILED),
    (S.ACCEPTED, S.QUEUED),
    (S.IN_PROGRESS, S.DONE), (S.IN_PROGRESS, S.CANCELLED), (S.IN_PROGRESS, S.FAILED),
    (S.IN_PROGRESS, S.QUEUED),
}  # fmt: skip
ALL_PAIRS = list(product(S, S))


def test_table_matches_the_design() -> None:
    table = {(a, b) for a, targets in TRANSITIONS.items() for b in targets}
    assert table == EXPECTED_ALLOWED
    assert set(TRANSITIONS) == set(S)


async def _request_in(domain: Domain, status: RequestStatus) -> int:
    async with domain.unit() as ctx:
        person = Person(first_name="Ada", created_at=ctx.now())
        ctx.session.add(person)
        await ctx.session.flush()
        request = ServiceRequest(
            requester_id=person.id, service_code="parcel", details="", channel="webchat",
            status=status, created_at=ctx.now(), updated_at=ctx.now(),
        )  # fmt: skip
        ctx.session.add(request)
        await ctx.session.flush()
        return request.id


async def _events(domain: Domain, request_id: int) -> list[RequestEvent]:
    async with domain.unit() as ctx:
        rows = await ctx.session.scalars(
            select(RequestEvent).where(RequestEvent.request_id == request_id)
        )
        return list(rows.all())


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS, ids=[f"{a}->{b}" for a, b in ALL_PAIRS])
async def test_transition(domain: Domain, current: RequestStatus, target: RequestStatus) -> None:
    request_id = await _request_in(domain, current)
    actor = Actor("coordinator", 7)
    if (current, target) in EXPECTED_ALLOWED:
        async with domain.unit() as ctx:
            request = await ctx.session.get(ServiceRequest, request_id)
            assert request is not None
            await transition(ctx, request, target, actor, "because the test says so")
        events = await _events(domain, request_id)
        assert [(e.from_status, e.to_status) for e in events] == [(current, target)]
        assert (events[0].actor_kind, events[0].actor_id) == ("coordinator", 7)
        assert events[0].reason == "because the test says so"
        assert events[0].at == domain.runtime.clock.now()
        expected_status = target
    else:
        with pytest.raises(ForbiddenTransition) as raised:
            async with domain.unit() as ctx:
                request = await ctx.session.get(ServiceRequest, request_id)
                assert request is not None
                await transition(ctx, request, target, SYSTEM)
        assert f"from {current} to {target}" in str(raised.value)
        assert await _events(domain, request_id) == []
        expected_status = current
    async with domain.unit() as ctx:
        stored = await ctx.session.get(ServiceRequest, request_id)
        assert stored is not None and stored.status == expected_status
        event_count = await ctx.session.scalar(select(func.count()).select_from(RequestEvent))
        assert event_count == (1 if expected_status != current else 0)
