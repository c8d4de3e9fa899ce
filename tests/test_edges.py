"""The edges of every webhook, as the providers (or a hostile sender) call them: what Telegram or
Twilio could not have sent gets a 400 and nothing is stored; a valid message with unusual content
is served; a withheld caller is served as anonymous and flagged "no number to call back"; kinds
of message the service cannot read get a kind answer."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from concierge.clock import ManualClock
from concierge.demo import DEMO_PASSWORD
from concierge.outbox import OutboxMessage
from concierge.people.conversations import InboundRecord
from concierge.requests.request import ServiceRequest
from tests.conftest import LiveServer, count_rows
from tests.fake_telegram import FakeTelegram
from tests.fake_twilio import FakeTwilio
from tests.telegram_service import RESIDENT, SECRET, telegram_service
from tests.test_twilio_voice import Call
from tests.twilio_service import GIULIA_PHONE, MARIA, Service

HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}


@pytest.fixture
def tg_webhook(
    fake: FakeTelegram, sqlite_url: str, clock: ManualClock
) -> Iterator[tuple[LiveServer, str]]:
    """The service on a Telegram webhook (parsing is the same whichever library sends)."""
    yield from telegram_service(
        fake, sqlite_url, clock, "aiogram", TELEGRAM_MODE="webhook",
        TELEGRAM_WEBHOOK_SECRET=SECRET,
    )  # fmt: skip


def tg_message(update_id: int, chat: int = RESIDENT, **fields: Any) -> dict[str, Any]:
    """A private message from `chat` with the given fields, as the Bot API delivers it."""
    person = {"id": chat, "is_bot": False, "first_name": "Anna"}
    message = {
        "message_id": update_id, "date": 1_790_000_000, "chat": {**person, "type": "private"},
        "from": person, **fields,
    }  # fmt: skip
    return {"update_id": update_id, "message": message}


def _inbound_rows(url: str) -> int:
    return count_rows(url, select(func.count(InboundRecord.id)))


def _outbox_rows(url: str) -> int:
    return count_rows(url, select(func.count(OutboxMessage.id)))


NOT_UPDATES: list[tuple[str, bytes]] = [
    ("not UTF-8", b'{"update_id": 1, "message": "\xff\xfe"}'),
    ("not JSON", b'{"update_id": 1,'),
    ("nested 1,000 deep", b"[" * 1000 + b"]" * 1000),
    ("a 5,000-digit number", b'{"update_id": ' + b"7" * 5000 + b"}"),
    ("not an object", b"[1, 2, 3]"),
    ("no update_id", json.dumps({"message": {"text": "ciao"}}).encode()),
    ("a chat id as text", json.dumps(tg_message(2, chat="Anna")).encode()),  # type: ignore[arg-type]
    ("an id past 64 bits", json.dumps(tg_message(2**64)).encode()),
    ("a text over 4,096", json.dumps(tg_message(3, text="a" * 4097)).encode()),
    ("a caption over 1,024", json.dumps(tg_message(4, caption="a" * 1025, photo=[])).encode()),
    ("NaN latitude", b'{"update_id": 5, "message": {"message_id": 5, "chat": {"id": 1, "type":'
     b' "private"}, "from": {"id": 1}, "location": {"latitude": NaN, "longitude": 1}}}'),
    ("latitude out of range", json.dumps(
        tg_message(6, location={"latitude": 91.0, "longitude": 9.2})).encode()),
    ("callback data over 64", json.dumps({"update_id": 7, "callback_query": {
        "id": "cb", "from": {"id": 1}, "data": "x" * 65}}).encode()),
]  # fmt: skip


def test_telegram_webhook_refuses_what_telegram_never_sends_and_stores_nothing(
    tg_webhook: tuple[LiveServer, str],
) -> None:
    server, url = tg_webhook
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        for what, body in NOT_UPDATES:
            response = http.post("/telegram/webhook", content=body, headers=HEADERS)
            assert response.status_code == 400, what
            assert response.text == "not a Telegram update"
    assert _inbound_rows(url) == 0 and _outbox_rows(url) == 0


def test_telegram_serves_the_longest_texts_and_odd_characters(
    fake: FakeTelegram, tg_webhook: tuple[LiveServer, str]
) -> None:
    server, url = tg_webhook
    longest = "Mi serve ritirare un pacco dal corriere. " * 102 + "Grazie!"
    longest = longest[:4096]
    photo = [{"file_id": "ph-1", "file_unique_id": "u", "width": 9, "height": 9}]
    updates = [
        tg_message(11, text=longest),
        tg_message(12, caption="c" * 1024, photo=photo),
        # A lone surrogate is valid JSON (and invalid UTF-8): served, stored as U+FFFD.
        b'{"update_id": 13, "message": {"message_id": 13, "chat": {"id": %d, "type": "private"},'
        b' "from": {"id": %d}, "text": "stato \\ud800"}}' % (RESIDENT, RESIDENT),
    ]
    with httpx.Client(base_url=server.base_url, timeout=20) as http:
        for update in updates:
            body = update if isinstance(update, bytes) else json.dumps(update).encode()
            assert http.post("/telegram/webhook", content=body, headers=HEADERS).status_code == 200
    fake.wait_for(RESIDENT, "Ho capito: Ritiro pacchi")
    assert _inbound_rows(url) == 3
    stored = count_rows(
        url,
        select(func.count(InboundRecord.id)).where(
            InboundRecord.text == "stato \ufffd\ufffd\ufffd"
        ),
    )
    assert stored == 1
    # Every message got its answer.
    answered = select(func.count(func.distinct(OutboxMessage.dedupe_key))).where(
        OutboxMessage.dedupe_key.like("reply:telegram:update:1_:0")
    )
    assert count_rows(url, answered) == 3


def test_kinds_telegram_cannot_read_get_a_kind_answer_in_the_persons_language(
    fake: FakeTelegram, tg_webhook: tuple[LiveServer, str]
) -> None:
    server, url = tg_webhook
    kinds = [
        ({"voice": {"file_id": "v", "file_unique_id": "v", "duration": 3}},
         "Non riesco ad ascoltare i messaggi vocali."),
        ({"sticker": {"file_id": "s", "file_unique_id": "s", "type": "regular", "width": 1,
                      "height": 1, "is_animated": False, "is_video": False}},
         "Ho visto lo sticker, ma non so leggerlo."),
        ({"document": {"file_id": "d", "file_unique_id": "d"}},
         "Non riesco ad aprire i documenti."),
        ({"contact": {"phone_number": "+393470000000", "first_name": "Zia", "user_id": 77}},
         "Non leggo i contatti di altre persone"),
        ({"poll": {"id": "p", "question": "?", "options": [], "total_voter_count": 0,
                   "is_closed": False, "is_anonymous": True, "type": "regular",
                   "allows_multiple_answers": False}},
         "Non riesco a rispondere ai sondaggi."),
    ]  # fmt: skip
    with httpx.Client(base_url=server.base_url, timeout=20) as http:

        def post(update: dict[str, Any]) -> None:
            assert http.post("/telegram/webhook", json=update, headers=HEADERS).status_code == 200

        for index, (fields, answer) in enumerate(kinds, 21):
            post(tg_message(index, **fields))
            sent = fake.wait_for(RESIDENT, answer)
            assert "leggo i messaggi scritti, le foto e la posizione" in sent.text
        post(tg_message(30, text="english"))
        fake.wait_for(RESIDENT, "English")
        post(tg_message(31, voice={"file_id": "v2", "file_unique_id": "v2", "duration": 2}))
        sent = fake.wait_for(RESIDENT, "I cannot listen to voice messages.")
        assert "I read written messages, photos and locations" in sent.text
    assert _inbound_rows(url) == 7, "each is stored like any message"


def test_telegram_stop_and_start(fake: FakeTelegram, tg_webhook: tuple[LiveServer, str]) -> None:
    server, _ = tg_webhook
    with httpx.Client(base_url=server.base_url, timeout=20) as http:
        for index, text in enumerate(("/stop", "stato", "/start"), 41):
            update = tg_message(index, text=text)
            assert http.post("/telegram/webhook", json=update, headers=HEADERS).status_code == 200
            fake.wait_for_nothing(0.2)
    fake.wait_for(RESIDENT, "Per riprendere scrivi /start.")
    fake.wait_for(RESIDENT, "Non hai richieste aperte.")  # still answered after /stop
    fake.wait_for(RESIDENT, "Bentornato")


def test_sms_and_whatsapp_envelopes_twilio_never_sends_get_a_400_and_nothing_stored(
    on_twilio: Service,
) -> None:
    _, twilio, url = on_twilio
    good = twilio.message_params(MARIA, "stato", "SM-good")
    broken = [
        {k: v for k, v in good.items() if k != "MessageSid"},
        {**good, "MessageSid": ""},
        {**good, "MessageSid": "SM" + "0" * 300},
        {**good, "NumMedia": "1.0"},
        {**good, "NumMedia": "²"},
        {**good, "NumMedia": "11"},
        {**good, "NumMedia": "1"},  # and no MediaUrl0
        {**good, "Body": "a" * 1601},
    ]
    for params in broken:
        response = twilio.post("/twilio/sms", params)
        assert response.status_code == 400, params
    too_long = {**good, "From": f"whatsapp:{MARIA}", "Body": "a" * 4097}
    assert twilio.post("/twilio/whatsapp", too_long).status_code == 400
    assert _inbound_rows(url) == 0 and _outbox_rows(url) == 0


def test_unusual_sms_and_whatsapp_content_is_served(
    fake_twilio: FakeTwilio, on_twilio: Service
) -> None:
    _, twilio, url = on_twilio
    for body in ("²", "①", "9" * 1600):
        assert twilio.sms(MARIA, body).status_code == 200
    assert twilio.sms(MARIA, "Devo ritirare un pacco. " + "x" * 1576).status_code == 200
    assert twilio.whatsapp(MARIA, "Mi serve la spesa domani. " + "y" * 4070).status_code == 200
    photo = twilio.message_params(MARIA, "pacco", None)
    longest_url = "https://api.twilio.com/" + "m" * (2000 - 23)
    photo.update(NumMedia="1", MediaUrl0=longest_url, MediaContentType0="image/jpeg")
    assert twilio.post("/twilio/sms", photo).status_code == 200
    assert _inbound_rows(url) == 6
    fake_twilio.wait_for(MARIA, "Ho capito: Ritiro pacchi")
    fake_twilio.wait_for(MARIA, "Ho capito: Spesa")
    assert len(fake_twilio.bodies_to(MARIA)) >= 5, "every message was answered"


def test_a_hidden_sms_sender_is_answered_in_twilios_reply_and_nothing_stored(
    on_twilio: Service,
) -> None:
    _, twilio, url = on_twilio
    for sender in ("anonymous", "restricted", "", "+266696687", "client:alice", "9" * 40):
        response = twilio.sms(sender, "aiuto")
        assert response.status_code == 200, sender
        said = ET.fromstring(response.text).find("Message")
        assert said is not None and said.text is not None
        assert said.text.startswith("Il tuo numero è nascosto"), sender
    assert _inbound_rows(url) == 0 and _outbox_rows(url) == 0


def test_media_we_do_not_keep_gets_a_kind_answer(
    fake_twilio: FakeTwilio, on_twilio: Service
) -> None:
    _, twilio, _ = on_twilio
    params = twilio.message_params(MARIA, "", None)
    params.update(
        NumMedia="1", MediaUrl0="https://api.twilio.com/media/ME1", MediaContentType0="audio/ogg"
    )
    assert twilio.post("/twilio/sms", params).status_code == 200
    sent = fake_twilio.wait_for(MARIA, "Non riesco ad aprire questo tipo di allegato.")
    assert "chiamaci al +39" in sent["Body"], "how to reach a person"


def _as_coordinator(base_url: str, path: str) -> str:
    """A page as Paola sees it. With an https PUBLIC_BASE_URL the session cookie is marked
    Secure, so over the test's plain http it is carried by hand."""
    with httpx.Client(base_url=base_url, timeout=10) as http:
        login = http.get("/dashboard/login")
        cookie = login.headers["set-cookie"].split(";")[0]
        token = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
        assert token is not None
        form = {"username": "paola", "password": DEMO_PASSWORD, "csrf_token": token.group(1)}
        signed = http.post("/dashboard/login", data=form, headers={"Cookie": cookie})
        assert signed.status_code == 303
        cookie = signed.headers["set-cookie"].split(";")[0]
        return http.get(path, headers={"Cookie": cookie}).text


def test_a_withheld_caller_uses_the_menu_and_the_request_says_no_number_to_call_back(
    fake_twilio: FakeTwilio, on_twilio: Service
) -> None:
    server, twilio, url = on_twilio
    for caller in ("sip:alice@example.org", "client:bob", ""):
        assert Call(twilio, caller).ring().twiml.find("Gather") is not None, caller
    call = Call(twilio, "anonymous").ring().press("3")  # Ritiro pacchi
    said = " ".join(s.text or "" for s in call.twiml.iter("Say"))
    assert "Ritiro pacchi" in said
    call.press("1")
    assert count_rows(url, select(func.count(ServiceRequest.id))) == 1
    offer = fake_twilio.wait_for(GIULIA_PHONE, "Nuova richiesta: n. 1")
    assert "Da: nessun numero da richiamare" in offer["Body"]
    page = _as_coordinator(server.base_url, "/dashboard/requests/1")
    assert "Numero nascosto: nessun numero da richiamare" in page
    assert "CA111" not in page, "the id of the call is not shown as a name"


def test_voice_forms_twilio_never_sends_get_a_400(on_twilio: Service) -> None:
    _, twilio, url = on_twilio
    assert twilio.call("/twilio/voice", MARIA, CallSid="").status_code == 400
    assert twilio.call("/twilio/voice/key", MARIA, SpeechResult="a" * 2001).status_code == 400
    assert _inbound_rows(url) == 0
    assert twilio.call("/twilio/voice/key", MARIA, Digits="²").status_code == 200


def test_by_polling_too_the_longest_text_is_served_and_a_voice_note_answered(
    fake: FakeTelegram, polling: tuple[LiveServer, str]
) -> None:
    """Through either library's own reading of the update (polling), not only the webhook's."""
    longest = ("Devo ritirare un pacco dal corriere domani. " * 100)[:4096]
    fake.user_writes(RESIDENT, longest)
    fake.wait_for(RESIDENT, "Ho capito: Ritiro pacchi")
    # Built whole before it is queued: the service may fetch it at once.
    voice = tg_message(0, voice={"file_id": "vn", "file_unique_id": "vn", "duration": 4})
    fake._queue({"message": voice["message"]})
    fake.wait_for(RESIDENT, "Non riesco ad ascoltare i messaggi vocali.")


def test_the_request_page_shows_that_the_requester_said_stop(
    fake_twilio: FakeTwilio, on_twilio: Service
) -> None:
    server, twilio, _ = on_twilio
    assert twilio.sms(MARIA, "STOP").status_code == 200
    fake_twilio.wait_for(MARIA, "Per riprendere scrivi START.")
    assert twilio.sms(MARIA, "pacco oggi").status_code == 200
    fake_twilio.wait_for(MARIA, "Confermi?")
    server.clock.advance(timedelta(seconds=20))
    assert twilio.sms(MARIA, "1").status_code == 200
    fake_twilio.wait_for(MARIA, "Richiesta registrata: n. 1")
    page = _as_coordinator(server.base_url, "/dashboard/requests/1")
    assert f"Ha chiesto STOP (solo risposte e controlli richiesti): {MARIA}" in page
