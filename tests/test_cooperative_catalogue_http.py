"""The services page over HTTP, as coordinators keep their cooperative's catalogue: retire,
rename, words, hours, an own service; forms without the CSRF token refused; another
cooperative's coordinator refused (403) with nothing changed; an admin edits any catalogue."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.security import CONTENT_SECURITY_POLICY
from concierge.clock import ManualClock
from concierge.context import DomainContext
from concierge.team.catalogue import Catalogue, cooperative_catalogue
from concierge.team.operators import Cooperative
from tests.conftest import LiveServer, serving
from tests.dashboard_client import (
    OTHER_COOPERATIVE,
    OTHER_COORDINATOR,
    in_unit,
    other_cooperative_request,
    staff,
)

PAGE = "/dashboard/services"
PORTICO = "Cooperativa Il Portico"


@pytest.fixture
def server(sqlite_url: str, clock: ManualClock) -> Iterator[LiveServer]:
    with serving(sqlite_url, clock) as live:
        other_cooperative_request(sqlite_url, clock)
        yield live


def _catalogue(server: LiveServer, url: str, name: str) -> Catalogue:
    async def work(ctx: DomainContext) -> Catalogue:
        team = await ctx.session.scalar(select(Cooperative.id).where(Cooperative.name == name))
        return await cooperative_catalogue(ctx.session, team)

    return in_unit(url, server.clock, work)


def _ids(server: LiveServer, url: str) -> tuple[int, int]:
    portico = _catalogue(server, url, PORTICO).cooperative_id
    aurora = _catalogue(server, url, OTHER_COOPERATIVE).cooperative_id
    assert portico is not None and aurora is not None
    return portico, aurora


def test_a_coordinator_keeps_the_catalogue_of_their_cooperative(
    server: LiveServer, sqlite_url: str
) -> None:
    portico, _ = _ids(server, sqlite_url)
    visitor = staff(server.base_url)
    assert visitor.client.get(PAGE).headers["location"] == f"/dashboard/login?next={PAGE}"
    giulia = staff(server.base_url)
    giulia.log_in("giulia")
    assert giulia.client.get(PAGE).status_code == 403, "operators do not edit the catalogue"

    paola = staff(server.base_url)
    assert paola.log_in("paola").status_code == 303
    page = paola.client.get(PAGE)
    assert page.status_code == 200 and f"Servizi — {PORTICO}" in page.text
    assert page.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert not [s for s in re.findall(r"<script[^>]*>", page.text) if "src=" not in s]
    assert 'href="/dashboard/services" aria-current="page"' in page.text
    assert '<tr data-service="ironing" data-active="1">' in page.text

    forged = paola.client.post(f"{PAGE}/{portico}/ironing/active", data={"active": "0"})
    assert forged.status_code == 403 and _catalogue(server, sqlite_url, PORTICO).offers("ironing")

    retired = paola.submit(f"{PAGE}/{portico}/ironing/active", {"active": "0"}, PAGE)
    assert (retired.status_code, retired.headers["location"]) == (
        303,
        f"{PAGE}?cooperative={portico}",
    )
    page = paola.client.get(retired.headers["location"]).text
    assert "Catalogo aggiornato." in page and '<tr data-service="ironing" data-active="0">' in page
    assert not _catalogue(server, sqlite_url, PORTICO).offers("ironing")

    edited = paola.submit(
        f"{PAGE}/{portico}/parcel",
        {"name_it": "Pacchi e raccomandate", "name_en": "Parcel pickup",
         "description_it": "", "description_en": "", "words_it": "raccomandat*, posta",
         "words_en": "", "days": "lun-ven", "starts": "09:00", "ends": "13:00"},
        PAGE,
    )  # fmt: skip
    assert edited.status_code == 303
    parcel = _catalogue(server, sqlite_url, PORTICO).get("parcel")
    assert parcel is not None and parcel.name("it") == "Pacchi e raccomandate"
    assert parcel.words_it == ("raccomandat*", "posta") and parcel.hours is not None
    assert parcel.hours.describe("it") == "lun–ven, 09:00–13:00"
    assert parcel.description("it").startswith("Riceviamo o ritiriamo"), "empty: the default"
    assert "lun–ven, 09:00–13:00" in paola.client.get(PAGE).text

    wrong = paola.submit(
        f"{PAGE}/{portico}/parcel", {"days": "someday", "starts": "9", "ends": "8"}, PAGE
    )
    assert wrong.status_code == 303
    assert "Un valore del modulo non è valido." in paola.client.get(PAGE).text
    assert _catalogue(server, sqlite_url, PORTICO).get("parcel") == parcel, "nothing changed"

    added = paola.submit(
        f"{PAGE}/{portico}",
        {"code": "bike_repair", "name_it": "Riparazione bici", "name_en": "Bike repair",
         "words_it": "bici", "words_en": "bike*"},
        PAGE,
    )  # fmt: skip
    assert added.status_code == 303
    bike = _catalogue(server, sqlite_url, PORTICO).get("bike_repair")
    assert bike is not None and bike.own and bike.active and bike.words_en == ("bike*",)
    assert _catalogue(server, sqlite_url, OTHER_COOPERATIVE).get("bike_repair") is None


def test_another_cooperative_s_catalogue_is_refused_and_an_admin_edits_any(
    server: LiveServer, sqlite_url: str
) -> None:
    portico, aurora = _ids(server, sqlite_url)
    before = _catalogue(server, sqlite_url, PORTICO)
    bruno = staff(server.base_url)
    assert bruno.log_in(OTHER_COORDINATOR, "aurora-secret").status_code == 303
    own = bruno.client.get(PAGE)
    assert own.status_code == 200 and f"Servizi — {OTHER_COOPERATIVE}" in own.text
    assert bruno.client.get(f"{PAGE}?cooperative={portico}").status_code == 403
    attempts = [
        (f"{PAGE}/{portico}/parcel/active", {"active": "0"}),
        (f"{PAGE}/{portico}/parcel", {"name_it": "Nostro", "name_en": "Ours"}),
        (f"{PAGE}/{portico}", {"code": "theirs", "name_it": "Loro", "name_en": "Theirs"}),
    ]
    for path, data in attempts:
        assert bruno.submit(path, data, PAGE).status_code == 403, path
    assert _catalogue(server, sqlite_url, PORTICO) == before

    admin = staff(server.base_url)
    assert admin.log_in("admin").status_code == 303
    assert OTHER_COOPERATIVE in admin.client.get(PAGE).text, "an admin picks the cooperative"
    page = admin.client.get(f"{PAGE}?cooperative={aurora}")
    assert page.status_code == 200 and f"Servizi — {OTHER_COOPERATIVE}" in page.text
    done = admin.submit(f"{PAGE}/{aurora}/shopping/active", {"active": "0"}, PAGE)
    assert done.status_code == 303
    assert not _catalogue(server, sqlite_url, OTHER_COOPERATIVE).offers("shopping")
    assert _catalogue(server, sqlite_url, PORTICO).offers("shopping")
