"""Who is on duty: the weekly rota read in the service's time zone, and duty taken by hand."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from concierge.team.operators import go_off_duty, go_on_duty, operators_on_duty
from tests.conftest import ROME, Domain


@pytest.mark.parametrize(
    ("moment", "on_duty"),
    [
        (datetime(2026, 11, 23, 8, 0, tzinfo=ROME), True),  # Monday, the shift starts
        (datetime(2026, 11, 23, 7, 59, tzinfo=ROME), False),
        (datetime(2026, 11, 28, 17, 59, tzinfo=ROME), True),  # Saturday, last minute
        (datetime(2026, 11, 28, 18, 0, tzinfo=ROME), False),  # the shift has ended
        (datetime(2026, 11, 29, 10, 0, tzinfo=ROME), False),  # Sunday
        # Summer time: 8:30 in Rome is 6:30 UTC, and the rota follows the wall clock.
        (datetime(2026, 7, 6, 8, 30, tzinfo=ROME), True),
        (datetime(2026, 7, 6, 18, 30, tzinfo=ROME), False),
        # The Monday after the switch to winter time (25 Oct 2026).
        (datetime(2026, 10, 26, 8, 0, tzinfo=ROME), True),
    ],
)
async def test_rota_in_local_time(demo_domain: Domain, moment: datetime, on_duty: bool) -> None:
    async with demo_domain.unit() as ctx:
        operators = await operators_on_duty(ctx.session, moment, ctx.calendar)
    assert len(operators) == (3 if on_duty else 0)


async def test_skills_filter_who_is_on_duty(demo_domain: Domain) -> None:
    async with demo_domain.unit() as ctx:
        repairers = await operators_on_duty(ctx.session, ctx.now(), ctx.calendar, "home_repair")
        carers = await operators_on_duty(ctx.session, ctx.now(), ctx.calendar, "carer_search")
    assert [op.first_name for op in repairers] == ["Giulia", "Marco"]
    assert [op.first_name for op in carers] == ["Giulia", "Sara"]


async def test_duty_by_hand_outside_the_rota(demo_domain: Domain) -> None:
    sunday = datetime(2026, 11, 29, 10, 0, tzinfo=ROME)
    async with demo_domain.unit() as ctx:
        giulia = (await operators_on_duty(ctx.session, ctx.now(), ctx.calendar))[0]
        until = go_on_duty(giulia, sunday, hours=2)
        assert giulia.on_duty(sunday + timedelta(hours=1, minutes=59), ctx.calendar)
        assert not giulia.on_duty(until, ctx.calendar)
        go_off_duty(giulia, sunday + timedelta(minutes=30))
        assert not giulia.on_duty(sunday + timedelta(minutes=31), ctx.calendar)
