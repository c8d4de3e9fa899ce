"""Standing orders: a recurring ask confirmed becomes a series whose occurrences are requests
made on a durable timer, moved or skipped by holidays, skipped, paused and stopped by message
(Italian and English) and from the dashboard; daily calls to a relative become a proposed
check-in. The clock is moved by the test, timers fired as the scheduler would."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from concierge.jobs.dispatch import fire_timer
from concierge.requests.request import ServiceRequest
from concierge.standing.orders import StandingOrder
from concierge.timers import pending_timers
from tests.conftest import ROME, Domain
from tests.transcript import Speaker

MARIA, EMMA = "+393402000001", "+393402000004"


async def run_until(domain: Domain, moment: datetime) -> int:
    """Let time pass until `moment`, firing every timer on the way as the scheduler would."""
    fired = 0
    while True:
        async with domain.unit() as ctx:
            due = [t for t in await pending_timers(ctx) if t.due_at <= moment]
        if not due:
            break
        timer = due[0]
        domain.clock.set(max(timer.due_at, domain.clock.now()))
        async with domain.unit() as ctx:
            fired += await fire_timer(ctx, timer.id)
    domain.clock.set(moment)
    return fired


async def _requests(domain: Domain) -> list[ServiceRequest]:
    async with domain.unit() as ctx:
        rows = await ctx.session.scalars(select(ServiceRequest).order_by(ServiceRequest.id))
        return list(rows.unique().all())


async def test_smoke(demo_domain: Domain) -> None:
    maria = Speaker(demo_domain, MARIA)
    print(await maria.say("ogni martedì mattina ritirate le camicie"))
    print(await maria.tap("Confermo"))
    print(await maria.say("le mie serie"))
    await run_until(demo_domain, datetime(2026, 12, 16, 12, 0, tzinfo=ROME))
    print(await maria.inbox())
    for r in await _requests(demo_domain):
        print(r.id, r.details, r.due_at, r.status)
    assert False
