"""The noticeboard page over HTTP, as coordinators use it: list, post, retire, each cooperative's
board kept from the other's, under the Content-Security-Policy with no inline script."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from bot.security import CONTENT_SECURITY_POLICY
from concierge.clock import ManualClock
from concierge.context import DomainContext
from concierge.noticeboard.notices import Notice, board_of
from tests.conftest import LiveServer, serving
from tests.dashboard_client import OTHER_COORDINATOR, in_unit, other_cooperative_request, staff

PAGE = "/dashboard/notices"


@pytest.fixture
def server(sqlite_url: str, clock: ManualClock) -> Iterator[LiveServer]:
    with serving(sqlite_url, clock) as live:
        yield live


def _notices(server: LiveServer, url: str) -> list[Notice]:
    async def work(ctx: DomainContext) -> list[Notice]:
        return await board_of(ctx, None, retired=True)

    return in_unit(url, server.clock, work)


def test_coordinators_post_and_retire_notices_on_their_own_board(
    server: LiveServer, sqlite_url: str
) -> None:
    visitor = staff(server.base_url)
    assert visitor.client.get(PAGE).headers["location"] == f"/dashboard/login?next={PAGE}"
    giulia = staff(server.base_url)
    giulia.log_in("giulia")
    assert giulia.client.get(PAGE).status_code == 403, "operators do not edit the board"

    paola = staff(server.base_url)
    assert paola.log_in("paola").status_code == 303
    page = paola.client.get(PAGE)
    assert page.status_code == 200 and "Nessun avviso in corso o in arrivo." in page.text
    assert page.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert not [s for s in re.findall(r"<script[^>]*>", page.text) if "src=" not in s]
    assert 'href="/dashboard/notices" aria-current="page"' in page.text

    posted = paola.submit(
        PAGE,
        {"kind": "market", "valid_from": "2026-11-28", "valid_until": "2026-11-28",
         "text_it": "Mercato contadino in piazza Dante", "text_en": ""},
        PAGE,
    )  # fmt: skip
    assert (posted.status_code, posted.headers["location"]) == (303, PAGE)
    page = paola.client.get(PAGE).text
    assert "Avviso pubblicato." in page
    assert "Mercato contadino in piazza Dante" in page and "Mercato</td>" in page

    refused = paola.submit(
        PAGE, {"kind": "market", "valid_from": "2026-11-30", "valid_until": "2026-11-29",
               "text_it": "al contrario"}, PAGE,
    )  # fmt: skip
    assert refused.status_code == 303
    assert "Un valore del modulo non è valido." in paola.client.get(PAGE).text
    wrong_kind = paola.submit(
        PAGE, {"kind": "rumour", "valid_from": "2026-11-30", "text_it": "x"}, PAGE
    )
    assert wrong_kind.status_code == 303
    [notice] = _notices(server, sqlite_url)
    assert (notice.kind, notice.text_it, notice.text_en) == (
        "market",
        "Mercato contadino in piazza Dante",
        "",
    )

    # Another cooperative's coordinator neither sees nor retires it.
    other_cooperative_request(sqlite_url, server.clock)
    aurora = staff(server.base_url)
    assert aurora.log_in(OTHER_COORDINATOR, "aurora-secret").status_code == 303
    assert "Mercato contadino" not in aurora.client.get(PAGE).text
    aurora.submit(f"{PAGE}/{notice.id}/retire", {}, PAGE)
    assert _notices(server, sqlite_url)[0].retired_at is None
    assert "Non trovo" in aurora.client.get(PAGE).text

    # A form without the session's token changes nothing; with it, the notice comes down.
    assert paola.client.post(f"{PAGE}/{notice.id}/retire").status_code == 403
    assert paola.submit(f"{PAGE}/{notice.id}/retire", {}, PAGE).status_code == 303
    page = paola.client.get(PAGE).text
    assert "Avviso ritirato." in page and "Mercato contadino" not in page
    assert _notices(server, sqlite_url)[0].retired_at is not None
