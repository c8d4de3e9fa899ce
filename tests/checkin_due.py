"""Making a check-in happen for a service under test: enrol a resident at 11:00, move the
shared manual clock there and fire the plan's timer, as the scheduler would."""

from __future__ import annotations

import asyncio

from bot.runtime import Runtime
from concierge.checkins.plans import PlanInput, add_plan
from concierge.clock import ManualClock
from concierge.jobs.dispatch import fire_timer
from concierge.messages import Channel, IdentityKind
from concierge.people.person import find_person
from concierge.timers import TimerKind, pending_timer
from tests.conftest import make_settings


async def _fire(url: str, clock: ManualClock, address: str, channel: Channel, name: str) -> None:
    runtime = Runtime.create(make_settings(url), clock)
    try:
        async with runtime.unit() as ctx:
            kind = IdentityKind.TELEGRAM if channel == Channel.TELEGRAM else IdentityKind.PHONE
            resident = await find_person(ctx.session, kind, address)
            assert resident is not None
            resident.first_name = resident.first_name or name
            plan = await add_plan(ctx, resident, PlanInput(at_time="11:00", channel=channel))
            timer = await pending_timer(ctx, TimerKind.CHECKIN, plan.id)
            assert timer is not None
        clock.set(timer.due_at)
        async with runtime.unit() as ctx:
            assert await fire_timer(ctx, timer.id)
    finally:
        await runtime.close()


def check_in_now(
    url: str, clock: ManualClock, address: str, channel: Channel, name: str = ""
) -> None:
    """Enrol the person at `address` on `channel` and ask them now (named `name` if unnamed)."""
    asyncio.run(_fire(url, clock, address, channel, name))
