"""The front desk and the parcel shelf over HTTP, as staff use them without scripts: finding or
adding a person, entering a request and its receipt, recording a parcel and handing it over;
another cooperative's staff see none of it; forms without their CSRF token are refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from concierge.clock import ManualClock
from concierge.context import DomainContext
from concierge.outbox import OutboxMessage
from concierge.parcels.shelf import Parcel
from concierge.requests.request import ServiceRequest
from concierge.team.catalogue_editing import ServiceNames, rename, set_offered
from concierge.team.operators import Cooperative
from tests.conftest import LiveServer, serving
from tests.dashboard_client import (
    OTHER_COORDINATOR,
    Staff,
    in_unit,
    other_cooperative_request,
    staff,
)

MARIA, EMMA = "+393402000001", "+393402000004"


@pytest.fixture
def server(sqlite_url: str, clock: ManualClock) -> Iterator[LiveServer]:
    with serving(sqlite_url, clock) as live:
        yield live


def logged_in(server: LiveServer, username: str, password: str | None = None) -> Staff:
    member = staff(server.base_url)
    answer = member.log_in(username) if password is None else member.log_in(username, password)
    assert answer.status_code == 303, answer.text
    return member


def texts_to(url: str, clock: ManualClock, address: str) -> list[str]:
    async def work(ctx: DomainContext) -> list[str]:
        rows = await ctx.session.scalars(
            select(OutboxMessage.text).where(OutboxMessage.address == address)
        )
        return list(rows.all())

    return in_unit(url, clock, work)


def count(url: str, clock: ManualClock, query: object) -> int:
    async def work(ctx: DomainContext) -> int:
        return int(await ctx.session.scalar(query) or 0)  # type: ignore[call-overload]

    return in_unit(url, clock, work)


def person_link(page: str, name: str) -> str:
    """The address of the search result naming `name`."""
    for line in page.splitlines():
        if name in line and "?person=" in line:
            return line.split('href="', 1)[1].split('"', 1)[0]
    raise AssertionError(f"no result for {name}")


def test_the_desk_needs_a_log_in_and_its_forms_their_token(server: LiveServer) -> None:
    visitor = staff(server.base_url)
    for path in ("/dashboard/desk", "/dashboard/parcels", "/dashboard/desk/receipts/1"):
        answer = visitor.client.get(path)
        assert answer.status_code == 303 and "/dashboard/login" in answer.headers["location"]
    for path in ("/dashboard/desk/requests", "/dashboard/parcels", "/dashboard/parcels/1/handover"):
        assert visitor.submit(path, {}, "/dashboard/login").status_code == 401
    giulia = logged_in(server, "giulia")
    forged = giulia.client.post("/dashboard/desk/requests", data={"person_id": "1"})
    assert forged.status_code == 403


def test_an_operator_enters_a_request_for_a_caller_who_is_told_by_sms(
    server: LiveServer, sqlite_url: str, clock: ManualClock
) -> None:
    giulia = logged_in(server, "giulia")  # operators staff the desk too
    found = giulia.client.get("/dashboard/desk", params={"q": "rossi"})
    assert found.status_code == 200 and "Maria Rossi" in found.text
    by_number = giulia.client.get("/dashboard/desk", params={"q": "340 200 0001"})
    link = person_link(by_number.text, "Maria Rossi")
    form = giulia.client.get(link)
    assert "Per: Maria Rossi" in form.text and 'name="service"' in form.text
    person_id = link.rsplit("=", 1)[1]
    sent = giulia.submit(
        "/dashboard/desk/requests",
        {"person_id": person_id, "service": "parcel", "when": "domani pomeriggio",
         "details": "pacco al bar"},
        link,
    )  # fmt: skip
    assert sent.status_code == 303
    receipt_path = sent.headers["location"]
    assert receipt_path.startswith("/dashboard/desk/receipts/")
    number = int(receipt_path.rsplit("/", 1)[1])
    receipt = giulia.client.get(receipt_path)
    assert f"Ricevuta della richiesta n. {number}" in receipt.text
    assert "martedì 24 novembre, pomeriggio" in receipt.text and "pacco al bar" in receipt.text
    assert "La persona riceve la conferma anche su SMS." in receipt.text
    assert '<script src="/static/desk.js"' in receipt.text and "onclick" not in receipt.text
    history = logged_in(server, "paola").client.get(f"/dashboard/requests/{number}").text
    note = next(li for li in history.split("<li") if "Inserita allo sportello" in li)
    assert "Giulia Bianchi" in note  # who entered it, in the request's history
    assert texts_to(sqlite_url, clock, MARIA) == [
        f"Richiesta registrata: n. {number} · Ritiro pacchi · martedì 24 novembre, pomeriggio ·"
        " «pacco al bar». Ti scrivo appena un operatore la prende in carico."
    ]


def test_a_walk_in_without_a_phone_is_added_and_gets_a_printed_receipt(
    server: LiveServer, sqlite_url: str, clock: ManualClock
) -> None:
    paola = logged_in(server, "paola")
    nobody = paola.client.get("/dashboard/desk", params={"q": "Anna Neri"})
    assert "Nessuno corrisponde a «Anna Neri»" in nobody.text
    added = paola.submit(
        "/dashboard/desk/people", {"first_name": "Anna", "last_name": "Neri", "phone": ""},
        "/dashboard/desk",
    )  # fmt: skip
    assert added.status_code == 303 and "?person=" in added.headers["location"]
    person_id = added.headers["location"].rsplit("=", 1)[1]
    assert "Persona aggiunta: Anna Neri." in paola.client.get(added.headers["location"]).text

    unreadable = paola.submit(
        "/dashboard/desk/requests",
        {"person_id": person_id, "service": "shopping", "when": "boh, vediamo"},
    )
    assert unreadable.status_code == 303
    assert (
        "Non riesco a leggere «boh, vediamo»"
        in paola.client.get(unreadable.headers["location"]).text
    )
    assert count(sqlite_url, clock, select(func.count(ServiceRequest.id))) == 0

    sent = paola.submit(
        "/dashboard/desk/requests",
        {"person_id": person_id, "service": "shopping", "details": "pane"},
    )
    receipt = paola.client.get(sent.headers["location"])
    assert "La persona non ha un telefono: stampa la ricevuta e consegnala." in receipt.text
    assert "Anna Neri" in receipt.text
    bad_phone = paola.submit(
        "/dashboard/desk/people", {"first_name": "Ugo", "last_name": "Bo", "phone": "12"}
    )
    assert (
        "non è un numero di telefono valido" in paola.client.get(bad_phone.headers["location"]).text
    )
    empty = paola.submit("/dashboard/desk/requests", {"person_id": "", "service": ""})
    assert empty.status_code == 303  # a clear refusal, never a 500
    assert "Scegli la persona e il servizio." in paola.client.get(empty.headers["location"]).text


def test_another_cooperatives_receipt_is_refused(
    server: LiveServer, sqlite_url: str, clock: ManualClock
) -> None:
    theirs = other_cooperative_request(sqlite_url, clock)
    paola = logged_in(server, "paola")
    assert paola.client.get(f"/dashboard/desk/receipts/{theirs}").status_code == 403
    assert paola.client.get("/dashboard/desk/receipts/9999").status_code == 404
    aurora = logged_in(server, OTHER_COORDINATOR, "aurora-secret")
    assert aurora.client.get(f"/dashboard/desk/receipts/{theirs}").status_code == 200


def test_a_parcel_is_recorded_shown_on_its_desks_shelf_only_and_handed_to_a_delegate(
    server: LiveServer, sqlite_url: str, clock: ManualClock
) -> None:
    other_cooperative_request(sqlite_url, clock)
    paola = logged_in(server, "paola")
    link = person_link(paola.client.get("/dashboard/parcels", params={"q": "emma"}).text, "Emma")
    recorded = paola.submit(
        "/dashboard/parcels",
        {"person_id": link.rsplit("=", 1)[1], "carrier": "GLS", "sender": "Zalando",
         "shelf": "A3"},
        link,
    )  # fmt: skip
    assert recorded.status_code == 303
    shelf = paola.client.get("/dashboard/parcels").text
    assert "Pacco n. 1 per Emma Clark registrato." in shelf
    assert "Sullo scaffale: 1" in shelf and "Zalando" in shelf and "A3" in shelf
    assert texts_to(sqlite_url, clock, EMMA)[-1:] == [
        "A parcel has arrived for you (no. 1, GLS, from Zalando): it is kept at the front desk."
        " Come and collect it during opening hours, or send someone you trust with the parcel"
        " number."
    ]

    aurora = logged_in(server, OTHER_COORDINATOR, "aurora-secret")
    assert "Zalando" not in aurora.client.get("/dashboard/parcels").text
    stolen = aurora.submit(
        "/dashboard/parcels/1/handover", {"delegate": "Mallory"}, "/dashboard/parcels"
    )
    assert "Non trovo «1»." in aurora.client.get(stolen.headers["location"]).text
    assert count(sqlite_url, clock, select(func.count(Parcel.id)).where(
        Parcel.collected_at.is_not(None))) == 0  # fmt: skip

    incomplete = paola.submit("/dashboard/parcels", {"person_id": "1", "carrier": "", "shelf": ""})
    assert (
        "Servono la persona, il corriere e lo scaffale."
        in paola.client.get(incomplete.headers["location"]).text
    )

    given = paola.submit(
        "/dashboard/parcels/1/handover", {"delegate": "John Clark"}, "/dashboard/parcels"
    )
    page = paola.client.get(given.headers["location"]).text
    assert "Pacco n. 1 consegnato a John Clark." in page and "Sullo scaffale: 0" in page
    again = paola.submit("/dashboard/parcels/1/handover", {}, "/dashboard/parcels")
    assert "era già stato ritirato" in paola.client.get(again.headers["location"]).text
    assert texts_to(sqlite_url, clock, EMMA)[-1] == (
        "Parcel no. 1 (GLS, from Zalando) was handed to John Clark on your behalf. If you do not"
        " know them, call us."
    )


def test_the_desk_and_the_shelf_read_in_english(server: LiveServer) -> None:
    marco = logged_in(server, "marco")
    marco.submit("/dashboard/language", {"lang": "en", "back": "/dashboard/desk"})
    desk = marco.client.get("/dashboard/desk", params={"q": "clark"}).text
    assert "Front desk: a request for a walk-in or a caller" in desk and "Emma Clark" in desk
    shelf = marco.client.get("/dashboard/parcels").text
    assert "Parcels held" in shelf and "No parcels on the shelf." in shelf


def test_the_desk_offers_its_cooperatives_catalogue(
    server: LiveServer, sqlite_url: str, clock: ManualClock
) -> None:
    async def retire_ironing(ctx: DomainContext) -> None:
        portico = await ctx.session.scalar(select(Cooperative.id).order_by(Cooperative.id))
        await set_offered(ctx, portico, "ironing", False)
        names = ServiceNames(name_it="Pacchi e raccomandate", name_en="Parcels and letters")
        await rename(ctx, portico, "parcel", names)

    in_unit(sqlite_url, clock, retire_ironing)
    giulia = logged_in(server, "giulia")
    link = person_link(giulia.client.get("/dashboard/desk", params={"q": "rossi"}).text, "Maria")
    form = giulia.client.get(link).text
    assert '<option value="parcel">Pacchi e raccomandate</option>' in form
    assert 'value="ironing"' not in form and 'value="shopping"' in form
    refused = giulia.submit(
        "/dashboard/desk/requests",
        {"person_id": link.rsplit("=", 1)[1], "service": "ironing"},
        link,
    )
    assert refused.status_code == 303 and refused.headers["location"] == link
    assert count(sqlite_url, clock, select(func.count(ServiceRequest.id))) == 0
