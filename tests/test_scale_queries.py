"""The queries that must stay cheap at scale: the outbox's next due row and the scheduler's
window walk small partial indexes (no scan of the history, no sort), and a routing decision
loads the few operators who might take the request, not the whole team."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection

from concierge.context import DomainContext
from concierge.messages import Channel, IdentityKind
from concierge.outbox import due
from concierge.people.person import find_person
from concierge.requests.request import ServiceRequest, create_request
from concierge.routing.assignment import eligible_operators, serves
from concierge.team.operators import Operator, active_operators
from concierge.timers import timers_due_by
from tests.conftest import Domain

MARIA = "+393402000001"


async def _plans_of(
    domain: Domain, call: Callable[[DomainContext], Awaitable[object]]
) -> list[str]:
    """The SQLite query plans of the statements `call` (a unit's work) runs."""
    statements: list[tuple[str, object]] = []

    def keep(_c: object, _cur: object, statement: str, params: object, *_: object) -> None:
        statements.append((statement, params))

    engine = domain.runtime.engine.sync_engine
    event.listen(engine, "before_cursor_execute", keep)
    try:
        async with domain.unit() as ctx:
            await call(ctx)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    plans = []
    async with domain.runtime.engine.connect() as connection:
        for statement, params in statements:
            plans.append(await _explain(connection, statement, params))
    return plans


async def _explain(connection: AsyncConnection, statement: str, params: object) -> str:
    rows = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params)  # type: ignore[arg-type]
    return "\n".join(str(row[-1]) for row in rows)


async def test_the_next_due_row_and_the_timer_window_walk_their_indexes(
    demo_domain: Domain,
) -> None:
    if not demo_domain.runtime.settings.is_sqlite:
        return  # PostgreSQL's planner picks by size: a tiny table is read whole, rightly
    now = demo_domain.runtime.clock.now()

    async def next_due(ctx: DomainContext) -> None:
        await due(ctx.session, now, channel=Channel.SMS, skip=[1], resting=["+39"])

    [outbox_plan] = await _plans_of(demo_domain, next_due)
    assert "USING INDEX ix_outbox_due" in outbox_plan
    assert "USING INDEX ix_outbox_undelivered_address" in outbox_plan
    assert "TEMP B-TREE" not in outbox_plan, "the undelivered rows are sorted, not walked"

    async def window(ctx: DomainContext) -> None:
        await timers_due_by(ctx, now + timedelta(minutes=15), 100)

    [timer_plan] = await _plans_of(demo_domain, window)
    assert "USING INDEX ix_timers_status_due_at" in timer_plan
    assert "TEMP B-TREE" not in timer_plan


async def test_a_decision_loads_only_operators_who_might_take_the_request(
    demo_domain: Domain,
) -> None:
    async with demo_domain.unit() as ctx:
        team = await active_operators(ctx.session)
    # A service some of the team do and some do not.
    code = next(
        skill
        for skill in sorted({s for op in team for s in op.skills})
        if not all(skill in op.skills for op in team)
    )
    async with demo_domain.unit() as ctx:
        maria = await find_person(ctx.session, IdentityKind.PHONE, MARIA)
        assert maria is not None
        request_id = (await create_request(ctx, maria, code, "", Channel.WEBCHAT)).id
    async with demo_domain.unit() as ctx:  # a fresh unit, as a timer's or a button's
        request = await ctx.session.get(ServiceRequest, request_id)
        assert request is not None
        chosen = await eligible_operators(ctx, request)
        loaded = [obj for obj in ctx.session.identity_map.values() if isinstance(obj, Operator)]
        assert loaded, "nobody was considered"
        assert all(code in op.skills and serves(op, request) for op in loaded)
        assert {op.id for op in chosen} <= {op.id for op in loaded}
    async with demo_domain.unit() as ctx:  # the same choice as reading the whole team
        request = await ctx.session.get(ServiceRequest, request_id)
        assert request is not None
        await active_operators(ctx.session)  # the unit now holds the team
        assert [op.id for op in await eligible_operators(ctx, request)] == [op.id for op in chosen]
