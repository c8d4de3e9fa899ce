"""A person's data downloaded from the dashboard (right of access): by their cooperative's
coordinator and the admin, audited; nobody else, and nothing about another cooperative's people."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from concierge.audit import AuditEvent
from concierge.clock import ManualClock
from concierge.context import DomainContext
from tests.conftest import serving
from tests.dashboard_client import OTHER_COORDINATOR, in_unit, other_cooperative_request, staff

pytestmark = pytest.mark.security
MARIA = "+393402000001"
EMMA = "+393402000004"  # served by the other cooperative once its request is made


def _actors(url: str, clock: ManualClock) -> list[str]:
    async def work(ctx: DomainContext) -> list[str]:
        return list((await ctx.session.scalars(select(AuditEvent.actor))).all())

    return in_unit(url, clock, work)


def test_a_coordinator_downloads_a_persons_data_of_their_cooperative_only(
    sqlite_url: str, clock: ManualClock
) -> None:
    with serving(sqlite_url, clock, SCHEDULER_SYNC_SECONDS=300) as server:
        other_cooperative_request(sqlite_url, clock)
        paola, giulia, aurora, admin = (staff(server.base_url) for _ in range(4))
        assert paola.log_in("paola").status_code == 303
        assert giulia.log_in("giulia").status_code == 303
        assert aurora.log_in(OTHER_COORDINATOR, "aurora-secret").status_code == 303
        assert admin.log_in("admin").status_code == 303

        page = paola.client.get("/dashboard/people")
        assert page.status_code == 200 and "Scarica i dati" in page.text
        got = paola.submit("/dashboard/people/export", {"phone": MARIA}, "/dashboard/people")
        assert got.status_code == 200
        assert "attachment" in got.headers["content-disposition"]
        document = json.loads(got.text)
        assert MARIA in [identity["address"] for identity in document["identities"]]

        # Another cooperative's coordinator is told nobody of theirs has the number.
        refused = aurora.submit("/dashboard/people/export", {"phone": MARIA}, "/dashboard/people")
        assert refused.status_code == 303 and MARIA not in refused.text
        assert "Nessuna persona" in aurora.client.get("/dashboard/people").text
        # Emma belongs to Aurora now: Paola cannot have her data, Aurora's coordinator can.
        assert paola.submit("/dashboard/people/export", {"phone": EMMA}).status_code == 303
        assert aurora.submit("/dashboard/people/export", {"phone": EMMA}).status_code == 200
        # Operators have no such page; the admin has every person's.
        assert giulia.client.get("/dashboard/people").status_code == 403
        assert admin.submit("/dashboard/people/export", {"phone": MARIA}).status_code == 200

        # Every export is audited (with the notes it opened); the refusals left no trace.
        assert set(_actors(sqlite_url, clock)) == {
            "user:paola",
            "user:admin",
            f"user:{OTHER_COORDINATOR}",
        }
