"""The rota kept in memory between units of work (concierge.reference, concierge.team.rota_cache):
a decision does not read it again while it is unchanged, and sees at once a change made by the
command line, by another engine on the same database, or by its own unit; a unit that rolls
back leaves nothing of its change behind."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.runtime import Runtime
from concierge.messages import Channel, IdentityKind
from concierge.people.person import find_person
from concierge.requests.request import ServiceRequest, create_request
from concierge.routing.assignment import eligible_operators, offer_next
from concierge.sealing import key_file
from concierge.team.editing import remove_weekly_slot
from concierge.team.operators import Operator
from tests.cli_in_process import concierge
from tests.conftest import Domain, make_settings
from tests.sql_statements import statements

MARIA = "+393402000001"
GIULIA = "+393331000001"  # the demo's first operator: home repairs go to her first


async def _queued(domain: Domain) -> int:
    """A new home repair for Maria, queued, not yet offered."""
    async with domain.unit() as ctx:
        maria = await find_person(ctx.session, IdentityKind.PHONE, MARIA)
        assert maria is not None
        return (await create_request(ctx, maria, "home_repair", "il rubinetto", Channel.WEBCHAT)).id


async def _first_choice(domain: Domain, request_id: int) -> str:
    """The first name of whom the request would go to now (a decision that offers nothing)."""
    async with domain.unit() as ctx:
        request = await ctx.session.get(ServiceRequest, request_id)
        assert request is not None
        return (await eligible_operators(ctx, request))[0].first_name


async def _offered_to(domain: Domain, request_id: int) -> str | None:
    async with domain.unit() as ctx:
        request = await ctx.session.get(ServiceRequest, request_id)
        assert request is not None
        offer = await offer_next(ctx, request)
        return None if offer is None else request.operator.first_name if request.operator else None


async def test_the_next_decision_reuses_the_kept_rota(demo_domain: Domain) -> None:
    request_id = await _queued(demo_domain)
    assert await _first_choice(demo_domain, request_id) == "Giulia"
    with statements(demo_domain.runtime) as seen:
        assert await _offered_to(demo_domain, request_id) == "Giulia"
    assert not [s for s in seen if "FROM shifts" in s or "FROM shift_exceptions" in s], seen
    assert len([s for s in seen if "FROM reference_versions" in s]) == 1


async def test_a_day_off_from_the_command_line_is_seen_by_the_next_decision(
    demo_domain: Domain, tmp_path: Path
) -> None:
    request_id = await _queued(demo_domain)
    assert await _first_choice(demo_domain, request_id) == "Giulia"  # the rota is kept now
    today = demo_domain.runtime.clock.now().astimezone(demo_domain.runtime.settings.zone)
    settings = demo_domain.runtime.settings
    keys = str(key_file(settings).resolve())  # the demo's notes are sealed with the test's key
    off = await asyncio.to_thread(  # the command runs its own event loop and engine
        concierge, "rota", "off", GIULIA, today.date().isoformat(), cwd=tmp_path,
        DATABASE_URL=settings.database_url, SEALING_KEY_FILE=keys,
    )  # fmt: skip
    assert off.returncode == 0, off.stdout + off.stderr
    offered = await _offered_to(demo_domain, request_id)
    assert offered is not None and offered != "Giulia"


async def test_a_shift_removed_by_another_engine_is_seen_by_the_next_decision(
    demo_domain: Domain,
) -> None:
    request_id = await _queued(demo_domain)
    assert await _first_choice(demo_domain, request_id) == "Giulia"
    other = Runtime.create(make_settings(demo_domain.runtime.settings.database_url))
    try:  # another process's engine on the same database: Giulia's Monday slot goes
        async with other.unit() as ctx:
            giulia = await ctx.session.scalar(select(Operator).order_by(Operator.id))
            assert giulia is not None and giulia.first_name == "Giulia"
            monday = next(shift for shift in giulia.shifts if shift.weekday == 0)
            await remove_weekly_slot(ctx, giulia, monday.id)
    finally:
        await other.close()
    assert await _first_choice(demo_domain, request_id) != "Giulia"


async def test_a_unit_sees_its_own_change_and_a_rollback_leaves_none(demo_domain: Domain) -> None:
    request_id = await _queued(demo_domain)
    assert await _first_choice(demo_domain, request_id) == "Giulia"

    class Undone(Exception):
        pass

    with pytest.raises(Undone):
        async with demo_domain.unit() as ctx:
            giulia = await ctx.session.scalar(select(Operator).order_by(Operator.id))
            assert giulia is not None
            giulia.paused = True  # not flushed yet: the decision must still see it
            request = await ctx.session.get(ServiceRequest, request_id)
            assert request is not None
            assert (await eligible_operators(ctx, request))[0].first_name != "Giulia"
            raise Undone
    assert await _first_choice(demo_domain, request_id) == "Giulia"
    with statements(demo_domain.runtime) as seen:
        assert await _first_choice(demo_domain, request_id) == "Giulia"
    assert not [s for s in seen if "FROM shifts" in s], "the rolled-back unit stored no copy"


async def test_a_change_committed_around_a_rolled_back_savepoint_is_seen(
    demo_domain: Domain,
) -> None:
    """A savepoint's release fires the session's before-commit too: the version must go with
    the outer commit, not with a savepoint that may yet roll back."""
    request_id = await _queued(demo_domain)
    assert await _first_choice(demo_domain, request_id) == "Giulia"
    async with demo_domain.unit() as ctx:
        giulia = await ctx.session.scalar(select(Operator).order_by(Operator.id))
        assert giulia is not None
        giulia.paused = True
        outer = await ctx.session.begin_nested()
        inner = await ctx.session.begin_nested()
        await inner.commit()
        await outer.rollback()
    assert await _first_choice(demo_domain, request_id) != "Giulia"


async def test_a_migration_run_gives_the_rota_a_new_version(demo_domain: Domain) -> None:
    """A migration may change the rota with plain SQL, past the session's watch."""
    from concierge.migrate import upgrade
    from concierge.reference import version

    async with demo_domain.unit() as ctx:
        before = await version(ctx.session)
    await upgrade(demo_domain.runtime.engine)
    async with demo_domain.unit() as ctx:
        assert await version(ctx.session) != before
