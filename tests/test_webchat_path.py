"""The whole path of the foundation, through the web chat's HTTP endpoints."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from tests.conftest import LiveServer
from tests.webchat_client import ChatPerson

MARIA, EMMA = "+393402000001", "+393402000004"
GIULIA, MARCO, SARA = "+393331000001", "+393331000002", "+393331000003"


@pytest.fixture
def http(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.base_url, timeout=10) as client:
        yield client


def test_parcel_from_free_text_to_done(http: httpx.Client) -> None:
    maria, giulia = ChatPerson(http, "+39 340 200 0001"), ChatPerson(http, GIULIA)

    assert maria.say("pacco oggi").status_code == 202
    confirm = maria.expect("Ho capito: Ritiro pacchi, lunedì 23 novembre — «pacco». Confermi?")
    assert [c["label"] for c in confirm["choices"]] == ["Confermo", "Modifica", "Annulla"]
    maria.tap("Confermo")
    maria.expect("Richiesta registrata: n. 1 · Ritiro pacchi · lunedì 23 novembre · «pacco»")

    offer = giulia.expect("Nuova richiesta: n. 1 · Ritiro pacchi · lunedì 23 novembre · «pacco»")
    assert "Da: Maria Rossi, Via Roma 12" in offer["text"]
    assert [c["label"] for c in offer["choices"]] == ["Accetto", "Rifiuto"]
    giulia.tap("Accetto")
    giulia.expect("Presa in carico: n. 1")
    maria.expect("Giulia ha preso in carico la tua richiesta: n. 1")
    giulia.tap("Inizio ora")
    giulia.expect("In corso: n. 1")
    maria.expect("Giulia ha iniziato a occuparsi della tua richiesta")
    giulia.tap("Fatto")
    giulia.expect("Completata: n. 1")
    maria.expect("Fatto! Giulia ha completato la tua richiesta: n. 1")

    summary = "n. 1 · Ritiro pacchi · lunedì 23 novembre · «pacco»"
    assert maria.texts() == [
        "Ho capito: Ritiro pacchi, lunedì 23 novembre — «pacco». Confermi?",
        f"Richiesta registrata: {summary}. Ti scrivo appena un operatore la prende in carico.",
        f"Giulia ha preso in carico la tua richiesta: {summary}.",
        f"Giulia ha iniziato a occuparsi della tua richiesta: {summary}.",
        f"Fatto! Giulia ha completato la tua richiesta: {summary}. Grazie!",
    ]
    # Other operators heard nothing of it.
    assert ChatPerson(http, MARCO).texts() == []


def test_parcel_from_the_menu_in_english_with_a_decline(http: httpx.Client) -> None:
    emma, giulia, marco = ChatPerson(http, EMMA), ChatPerson(http, GIULIA), ChatPerson(http, MARCO)

    emma.say("/start")
    menu = emma.expect("What do you need?")
    assert [c["label"] for c in menu["choices"]][:3] == [
        "Parcel pickup", "Prescriptions and medicines", "Shopping",
    ]  # fmt: skip
    assert len(menu["choices"]) == 16
    emma.tap("Parcel pickup")
    when = emma.expect("When do you need it?")
    assert [c["label"] for c in when["choices"]] == [
        "Today", "Tomorrow morning", "Tomorrow afternoon", "As soon as possible",
    ]  # fmt: skip
    emma.tap("As soon as possible")
    emma.expect("Where, and what exactly is needed?")
    emma.say("Amazon box, concierge desk, before 6pm")
    emma.expect(
        "I understood: Parcel pickup, as soon as possible — «Amazon box, concierge desk, "
        "before 6pm». Do you confirm?"
    )
    emma.tap("Confirm")
    emma.expect("Request registered: no. 1 · Parcel pickup")

    giulia.expect("Nuova richiesta: n. 1 · Ritiro pacchi")
    giulia.tap("Rifiuto")
    giulia.expect("Hai rifiutato la richiesta n. 1")
    marco.expect("Nuova richiesta: n. 1")
    marco.tap("Accetto")
    emma.expect("Marco has taken on your request: no. 1 · Parcel pickup")

    emma.say("status")
    status = emma.expect("Your open requests:")
    assert (
        "no. 1 · Parcel pickup · «Amazon box, concierge desk, before 6pm»: taken on (Marco)"
        in (status["text"])
    )
    # Giulia can no longer act on it: she answered that offer already (issue 16: a spent
    # question is closed).
    giulia.tap("Accetto")
    giulia.expect("Questa domanda è chiusa.")


def test_a_message_delivered_twice_creates_one_request(http: httpx.Client) -> None:
    maria = ChatPerson(http, MARIA)
    maria.say("devo ritirare un pacco")
    maria.expect("Confermi?")
    first = maria._post({"choice": "confirm"}, "same-provider-id-1")
    second = maria._post({"choice": "confirm"}, "same-provider-id-1")
    assert (first.json(), second.json()) == ({"duplicate": False}, {"duplicate": True})
    maria.expect("Richiesta registrata: n. 1")
    maria.say("stato")
    status = maria.expect("Le tue richieste aperte:")
    assert status["text"].count("•") == 1


def test_cancel_a_request_and_the_operator_is_told(http: httpx.Client) -> None:
    maria, giulia = ChatPerson(http, MARIA), ChatPerson(http, GIULIA)
    maria.say("mi serve la spesa")
    maria.expect("Ho capito: Spesa")
    maria.tap("Confermo")
    giulia.expect("Nuova richiesta: n. 1 · Spesa")
    maria.say("annulla")
    which = maria.expect("Quale richiesta vuoi annullare?")
    assert [c["label"] for c in which["choices"]] == ["n. 1 Spesa"]
    maria.tap("n. 1 Spesa")
    maria.expect("Annullata: n. 1 · Spesa")
    giulia.expect("Richiesta annullata, non serve più: n. 1 · Spesa")
    maria.say("stato")
    maria.expect("Non hai richieste aperte.")


def test_out_of_hours_the_request_waits_for_an_operator_on_duty(
    http: httpx.Client, live_server: LiveServer
) -> None:
    live_server.clock.advance(timedelta(hours=10))  # Monday 20:00, after the rota
    maria, sara = ChatPerson(http, MARIA), ChatPerson(http, SARA)
    maria.say("ritirare la ricetta dal dottore")
    maria.expect("Ricette e farmaci")
    maria.tap("Confermo")
    maria.expect(
        "Ora il servizio è chiuso: riapre martedì 24 novembre, 08:00. La richiesta n. 1 è in coda"
    )
    sara.say("on duty")  # Sara writes in English: her language is English
    sara.expect("You are on duty until")
    offer = sara.expect("New request: no. 1 · Prescriptions and medicines")
    assert [c["label"] for c in offer["choices"]] == ["Accept", "Decline"]


def test_help_and_unknown_text(http: httpx.Client) -> None:
    maria, giulia = ChatPerson(http, MARIA), ChatPerson(http, GIULIA)
    maria.say("aiuto")
    assert "stato: le tue richieste aperte" in maria.expect("maggiordomo di quartiere")["text"]
    maria.say("blablabla")
    unknown = maria.expect("Non sono sicuro di aver capito")
    assert len(unknown["choices"]) == 16
    giulia.say("menu")
    menu = giulia.expect("Ciao Giulia, sei in servizio")
    assert [c["label"] for c in menu["choices"]] == ["Le mie attività", "Esco dal servizio"]
    giulia.tap("Le mie attività")
    giulia.expect("Non hai attività in corso.")


def test_bad_input_gets_a_clear_answer(http: httpx.Client) -> None:
    response = http.post(
        "/chat/api/messages?lang=en", json={"address": "12", "message_id": "abcdefgh", "text": "hi"}
    )
    assert response.status_code == 422
    assert response.json() == {"detail": '"12" does not look like a valid phone number.'}
    response = http.post(
        "/chat/api/messages", json={"address": MARIA, "message_id": "abcdefgh", "text": "  "}
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "Scrivi un messaggio o scegli un'opzione."
    assert http.get("/chat/api/people").json()["operators"][0] == {
        "name": "Giulia Bianchi", "phone": GIULIA, "language": "it",
    }  # fmt: skip
