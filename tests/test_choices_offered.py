"""A choice counts only if it was offered to this sender on a question still open (issue 16):
tried as an attacker would, over the web chat's HTTP endpoints (on SQLite and PostgreSQL) and
through Telegram's updates (a modified client sends any callback data)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import func, select

from concierge.checkins.plans import CheckinRound
from concierge.clock import ManualClock
from concierge.messages import Channel
from concierge.requests.request import ServiceRequest
from tests.checkin_due import check_in_now
from tests.conftest import LiveServer, count_rows, read_value, serving
from tests.fake_telegram import FakeTelegram
from tests.telegram_service import RESIDENT, telegram_service
from tests.webchat_client import ChatPerson

pytestmark = pytest.mark.security

MARIA, EMMA, STRANGER = "+393402000001", "+393402000004", "+393409999999"
GIULIA, MARCO = "+393331000001", "+393331000002"
CLOSED = "Questa domanda è chiusa."


@dataclass
class Line:
    """The running service, a client for its web chat, and its database."""

    http: httpx.Client
    url: str
    clock: ManualClock

    def person(self, phone: str) -> ChatPerson:
        return ChatPerson(self.http, phone)


@pytest.fixture
def line(database_url: str, clock: ManualClock) -> Iterator[Line]:
    with (
        serving(database_url, clock) as server,
        httpx.Client(base_url=server.base_url, timeout=10) as client,
    ):
        yield Line(client, database_url, clock)


def _requests(url: str) -> int:
    return count_rows(url, select(func.count(ServiceRequest.id)))


def _request_status(url: str, request_id: int) -> str:
    return str(
        read_value(url, select(ServiceRequest.status).where(ServiceRequest.id == request_id))
    )


def test_a_stranger_cannot_close_someone_elses_check_in(line: Line) -> None:
    check_in_now(line.url, line.clock, MARIA, Channel.WEBCHAT)
    maria, stranger = line.person(MARIA), line.person(STRANGER)
    question = maria.expect("tutto bene?")
    well = next(c["payload"] for c in question["choices"] if c["payload"].endswith(":well"))
    round_id = int(well.split(":")[1])

    # The payload is easy to guess (round ids are small numbers): it is still not theirs.
    assert stranger._post({"choice": f"checkin:{round_id}:well"}, None).status_code == 202
    stranger.expect(CLOSED)
    status = read_value(line.url, select(CheckinRound.status).where(CheckinRound.id == round_id))
    assert status == "pending", "the round stays open for Maria"

    maria.tap(question["choices"][0]["label"])
    maria.expect("buona giornata")
    status = read_value(line.url, select(CheckinRound.status).where(CheckinRound.id == round_id))
    assert status == "well"


def test_an_operator_cannot_take_an_offer_made_to_another(line: Line) -> None:
    maria, giulia, marco = line.person(MARIA), line.person(GIULIA), line.person(MARCO)
    maria.say("pacco oggi")
    maria.expect("Confermi?")
    maria.tap("Confermo")
    maria.expect("Richiesta registrata: n. 1")
    giulia.expect("Nuova richiesta: n. 1")

    for forged in ("accept:1", "decline:1", "done:1", "problem:1"):
        marco._post({"choice": forged}, None)
        marco.expect(CLOSED)
    assert _request_status(line.url, 1) == "offered", "still offered to Giulia, and only her"

    giulia.tap("Accetto")
    giulia.expect("Presa in carico: n. 1")
    maria.expect("Giulia ha preso in carico la tua richiesta: n. 1")


def test_a_resident_cannot_confirm_or_cancel_with_payloads_never_sent(line: Line) -> None:
    maria, emma = line.person(MARIA), line.person(EMMA)
    emma.say("parcel today")
    emma.expect("Do you confirm?")
    emma.tap("Confirm")
    emma.expect("Request registered: no. 1")

    maria.say("menu")
    maria.expect("Di cosa hai bisogno?")
    # Skipping the steps with a confirmation she was never shown, cancelling Emma's request,
    # rating it: none of these was offered to Maria.
    for forged in ("confirm", "cancel:1", "rate:1:1", "service:shopping:extra"):
        maria._post({"choice": forged}, None)
        maria.expect(CLOSED)
    assert _requests(line.url) == 1
    assert _request_status(line.url, 1) != "cancelled"


def test_a_spent_button_is_closed_and_counts_once(line: Line) -> None:
    maria = line.person(MARIA)
    maria.say("pacco oggi")
    maria.expect("Confermi?")
    maria.tap("Confermo")
    maria.expect("Richiesta registrata: n. 1")

    maria.tap("Confermo")  # the same button again, after the question was answered
    maria.expect(CLOSED)
    maria.tap("Annulla")  # another button of the same, answered, question
    maria.expect(CLOSED)
    assert _requests(line.url) == 1
    assert _request_status(line.url, 1) != "cancelled"


STRANGER_CHAT = 3003


@pytest.fixture
def on_telegram(
    fake: FakeTelegram, sqlite_url: str, clock: ManualClock, library: str
) -> Iterator[tuple[LiveServer, str]]:
    yield from telegram_service(fake, sqlite_url, clock, library)


def test_a_forged_telegram_button_does_not_answer_someone_elses_check_in(
    fake: FakeTelegram, on_telegram: tuple[LiveServer, str]
) -> None:
    server, url = on_telegram
    fake.user_writes(RESIDENT, "ciao")
    fake.wait_for(RESIDENT, "Di cosa hai bisogno?")
    check_in_now(url, server.clock, str(RESIDENT), Channel.TELEGRAM, name="Anna")
    question = fake.wait_for(RESIDENT, "Buongiorno Anna, tutto bene?")
    well = next(data for label, data in question.buttons if label == "Sto bene")

    # A modified client can send any callback data from its own chat with the bot.
    bot = {"id": 42, "is_bot": True, "first_name": "Bot"}
    stranger = {"id": STRANGER_CHAT, "is_bot": False, "first_name": "X"}
    own = {
        "message_id": 1, "date": int(time.time()), "from": bot, "text": "?",
        "chat": {"id": STRANGER_CHAT, "type": "private", "first_name": "X"},
    }  # fmt: skip
    forged = {"id": "cb-forged", "from": stranger, "chat_instance": "ci", "data": well}
    fake._queue({"callback_query": {**forged, "message": own}})
    fake.wait_for(STRANGER_CHAT, CLOSED)
    assert read_value(url, select(CheckinRound.status)) == "pending"

    fake.user_taps(RESIDENT, "Sto bene")
    fake.wait_for(RESIDENT, "Grazie, buona giornata!")
    assert read_value(url, select(CheckinRound.status)) == "well"
