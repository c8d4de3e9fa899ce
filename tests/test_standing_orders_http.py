"""The standing orders page over HTTP, as coordinators use it: each cooperative's series
listed with its next occurrence, paused, resumed, skipped and stopped with the CSRF token;
another cooperative's series refused (403), and operators kept out."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import select

from concierge.clock import ManualClock
from concierge.context import DomainContext
from concierge.intake.due_dates import PartOfDay, When
from concierge.messages import Channel, IdentityKind
from concierge.people.person import find_person
from concierge.standing.changes import create_order
from concierge.standing.orders import StandingOrder
from concierge.team.operators import Cooperative
from tests.conftest import LiveServer, serving
from tests.dashboard_client import (
    OTHER_COOPERATIVE,
    OTHER_COORDINATOR,
    in_unit,
    other_cooperative_request,
    staff,
)

PAGE = "/dashboard/standing"
TUESDAYS = {"freq": "weekly", "days": ["tue"], "interval": 1, "time": None, "until": None}


@pytest.fixture
def server(sqlite_url: str, clock: ManualClock) -> Iterator[LiveServer]:
    with serving(sqlite_url, clock) as live:
        yield live


def _series(url: str, clock: ManualClock, phone: str, details: str, theirs: bool = False) -> int:
    async def work(ctx: DomainContext) -> int:
        person = await find_person(ctx.session, IdentityKind.PHONE, phone)
        assert person is not None
        first = When(day=date(2026, 11, 24), part=PartOfDay.MORNING)
        order, _ = await create_order(
            ctx, person, "ironing", details, Channel.WEBCHAT, TUESDAYS, first
        )
        if theirs:
            aurora = await ctx.session.scalar(
                select(Cooperative).where(Cooperative.name == OTHER_COOPERATIVE)
            )
            assert aurora is not None
            order.cooperative_id = aurora.id
        return order.id

    return in_unit(url, clock, work)


def _order(url: str, clock: ManualClock, order_id: int) -> StandingOrder:
    async def work(ctx: DomainContext) -> StandingOrder:
        order = await ctx.session.get(StandingOrder, order_id)
        assert order is not None
        return order

    return in_unit(url, clock, work)


def test_coordinators_steer_their_series_and_not_anothers(
    server: LiveServer, sqlite_url: str
) -> None:
    clock = server.clock
    other_cooperative_request(sqlite_url, clock)
    ours = _series(sqlite_url, clock, "+393402000001", "camicie di Maria")
    theirs = _series(sqlite_url, clock, "+393402000004", "camicie di Emma", theirs=True)

    visitor = staff(server.base_url)
    assert visitor.client.get(PAGE).headers["location"] == f"/dashboard/login?next={PAGE}"
    assert visitor.client.post(f"{PAGE}/{ours}/stop").status_code == 403  # no CSRF token
    giulia = staff(server.base_url)
    giulia.log_in("giulia")
    assert giulia.client.get(PAGE).status_code == 403, "operators do not steer series"

    paola = staff(server.base_url)
    paola.log_in("paola")
    page = paola.client.get(PAGE)
    assert page.status_code == 200
    assert "camicie di Maria" in page.text and "camicie di Emma" not in page.text
    assert 'href="/dashboard/standing" aria-current="page"' in page.text
    assert "ogni martedì, a partire da martedì 24 novembre" in page.text
    assert "mar 24 nov" in page.text  # the next occurrence

    refused = paola.client.post(f"{PAGE}/{ours}/pause", data={"csrf_token": "forged"})
    assert refused.status_code == 403 and _order(sqlite_url, clock, ours).status == "active"

    for action, status in (("pause", "paused"), ("resume", "active"), ("skip", "active")):
        done = paola.submit(f"{PAGE}/{ours}/{action}", {}, PAGE)
        assert (done.status_code, done.headers["location"]) == (303, PAGE), action
        assert _order(sqlite_url, clock, ours).status == status, action
    skipped = _order(sqlite_url, clock, ours)
    assert skipped.skipped == ["2026-11-24"]
    assert skipped.next_day == date(2026, 12, 1)
    page = paola.client.get(PAGE).text
    assert "Saltata la prossima della serie" in page and "mar 1 dic" in page
    assert "saltata · 2026-11-24 · user:" in page

    assert paola.submit(f"{PAGE}/{theirs}/stop", {}, PAGE).status_code == 403
    assert _order(sqlite_url, clock, theirs).status == "active", "another cooperative's series"
    assert paola.submit(f"{PAGE}/{ours}/stop", {}, PAGE).status_code == 303
    assert _order(sqlite_url, clock, ours).status == "stopped"

    aurora = staff(server.base_url)
    aurora.log_in(OTHER_COORDINATOR, "aurora-secret")
    page = aurora.client.get(PAGE).text
    assert "camicie di Emma" in page and "camicie di Maria" not in page
