"""The Telegram channel's finer points on both libraries: photos reach the operator, edits are
not read twice, staff groups, a call that times out and a real one-minute outage."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from concierge.checkins.plans import CheckinRound
from concierge.clock import ManualClock
from concierge.messages import Channel
from concierge.people.conversations import InboundRecord
from concierge.people.person import Person
from concierge.requests.request import ServiceRequest
from tests.checkin_due import check_in_now
from tests.conftest import LiveServer, count_rows, read_value
from tests.fake_telegram import FakeTelegram
from tests.telegram_service import GIULIA, RESIDENT, telegram_service

PAOLA = 1009  # the demo coordinator's Telegram chat
COORDINATORS_GROUP, OPERATORS_GROUP, OTHER_GROUP = -1001, -1002, -1003
OUTAGE_SECONDS = 60


def test_a_photo_reaches_the_operator_with_the_offer(
    fake: FakeTelegram, polling: tuple[LiveServer, str]
) -> None:
    _, url = polling
    fake.user_sends_photo(RESIDENT, "AgACprescription", "ricetta da ritirare in farmacia oggi")
    fake.wait_for(RESIDENT, "Ho capito: Ricette e farmaci")
    fake.user_taps(RESIDENT, "Confermo")
    offer = fake.wait_for(GIULIA, "Nuova richiesta: n. 1")
    assert "(1 foto)" in offer.text
    photos = [m for m in fake.sent if m.chat_id == GIULIA and m.photo is not None]
    assert [p.photo for p in photos] == ["AgACprescription"], "the largest size, once"
    assert photos[0].message_id < offer.message_id, "the photo comes before its offer"
    attachments = select(ServiceRequest.attachments)
    assert read_value(url, attachments) == ["telegram:AgACprescription"]


def test_an_edited_message_is_answered_not_read_again(
    fake: FakeTelegram, polling: tuple[LiveServer, str]
) -> None:
    _, url = polling
    fake.user_writes(RESIDENT, "pacco oggi")
    fake.wait_for(RESIDENT, "Ho capito: Ritiro pacchi")
    fake.user_edits(RESIDENT, "pacco domani")
    fake.wait_for(RESIDENT, "leggo solo i messaggi nuovi")
    fake.user_taps(RESIDENT, "Confermo")  # the question asked before the edit still stands
    fake.wait_for(RESIDENT, "Richiesta registrata: n. 1")
    assert count_rows(url, select(func.count(ServiceRequest.id))) == 1


@pytest.fixture
def with_groups(
    fake: FakeTelegram, sqlite_url: str, clock: ManualClock, library: str
) -> Iterator[tuple[LiveServer, str]]:
    yield from telegram_service(
        fake, sqlite_url, clock, library,
        TELEGRAM_COORDINATORS_GROUP=str(COORDINATORS_GROUP),
        TELEGRAM_OPERATORS_GROUP=str(OPERATORS_GROUP),
    )  # fmt: skip


def test_staff_groups_are_read_and_written_others_ignored(
    fake: FakeTelegram, with_groups: tuple[LiveServer, str]
) -> None:
    _, url = with_groups
    fake.user_shares_contact(PAOLA, "+39 333 100 0009")  # Paola, the coordinator
    fake.wait_for(PAOLA, "Grazie Paola")
    fake.member_writes(COORDINATORS_GROUP, PAOLA, "avviso: oggi chiudiamo alle 17")
    fake.wait_for(PAOLA, "Messaggio inviato agli operatori")  # the answer comes privately
    fake.wait_for(GIULIA, "oggi chiudiamo alle 17")
    fake.wait_for(OPERATORS_GROUP, "oggi chiudiamo alle 17")
    fake.member_writes(COORDINATORS_GROUP, RESIDENT, "pacco oggi")  # not staff
    fake.member_writes(OTHER_GROUP, PAOLA, "coda")  # a group nobody configured
    fake.user_writes(PAOLA, "coda")
    fake.wait_for(PAOLA, "Nessuna richiesta aperta")
    fake.wait_for_nothing(0.5)
    assert fake.texts_to(RESIDENT) == [] and fake.texts_to(COORDINATORS_GROUP) == []
    assert len(fake.texts_to(PAOLA)) == 3, "nothing was answered in the other group"
    nobody_new = select(func.count(Person.id)).where(Person.first_name.is_(None))
    assert count_rows(url, nobody_new) == 0, "a resident in a staff group is not registered"
    # Recorded: the contact, the two messages in the coordinators' group, the private "coda".
    assert count_rows(url, select(func.count(InboundRecord.id))) == 4


def test_a_call_telegram_never_answers_is_tried_again(
    fake: FakeTelegram, sqlite_url: str, clock: ManualClock, library: str
) -> None:
    fake.send_hangs = 1
    service = telegram_service(
        fake, sqlite_url, clock, library, TELEGRAM_REQUEST_TIMEOUT_SECONDS="1"
    )
    server, _ = next(service)
    try:
        fake.user_writes(RESIDENT, "aiuto")
        for _ in range(100):
            if fake.texts_to(RESIDENT):
                break
            server.clock.advance(timedelta(seconds=5))  # past the outbox's back-off
            fake.wait_for_nothing(0.1)
        assert fake.texts_to(RESIDENT)[0].startswith("Sono il maggiordomo di quartiere")
        assert fake.send_attempts == 2
    finally:
        service.close()


def test_a_minute_of_outage_loses_nothing_and_duplicates_nothing(
    fake: FakeTelegram, polling: tuple[LiveServer, str]
) -> None:
    """Telegram is down for a real minute, in both directions, while a request is going on."""
    server, url = polling
    fake.user_writes(RESIDENT, "pacco oggi")
    fake.wait_for(RESIDENT, "Ho capito: Ritiro pacchi")
    fake.outage_on_send = OUTAGE_SECONDS  # Telegram goes down as the answer is being sent
    fake.user_taps(RESIDENT, "Confermo")
    while not fake.down_until:
        fake.wait_for_nothing(0.05)
    fake.user_writes(RESIDENT, "stato")  # waits at Telegram until polling comes back
    last, deadline = time.monotonic(), fake.down_until + 90
    while time.monotonic() < deadline and (
        len(fake.texts_to(RESIDENT)) < 3 or not fake.texts_to(GIULIA)
    ):
        # The service's clock follows real time, so the outbox's back-off is the real one.
        fake.wait_for_nothing(0.5)
        now = time.monotonic()
        server.clock.advance(timedelta(seconds=now - last))
        last = now
    fake.wait_for(RESIDENT, "Richiesta registrata: n. 1")
    fake.wait_for(RESIDENT, "• n. 1 · Ritiro pacchi")  # the answer to "stato"
    fake.wait_for(GIULIA, "Nuova richiesta: n. 1")
    fake.wait_for_nothing(1)
    texts = fake.texts_to(RESIDENT)
    assert len(texts) == len(set(texts)) == 3, texts
    assert len(fake.texts_to(GIULIA)) == 1
    assert count_rows(url, select(func.count(InboundRecord.id))) == 3


def test_a_check_in_on_telegram_answered_with_a_button(
    fake: FakeTelegram, polling: tuple[LiveServer, str]
) -> None:
    server, url = polling
    fake.user_writes(RESIDENT, "ciao")  # known to the service from an earlier chat
    fake.wait_for(RESIDENT, "Di cosa hai bisogno?")
    check_in_now(url, server.clock, str(RESIDENT), Channel.TELEGRAM, name="Anna")
    question = fake.wait_for(RESIDENT, "Buongiorno Anna, tutto bene?")
    assert [label for label, _ in question.buttons] == ["Sto bene", "Ho bisogno di aiuto"]
    fake.user_taps(RESIDENT, "Sto bene")
    fake.wait_for(RESIDENT, "Grazie, buona giornata!")
    assert read_value(url, select(CheckinRound.status)) == "well"
