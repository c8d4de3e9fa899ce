"""Property-based payloads on every webhook (hypothesis): whatever a hostile or unlucky sender
posts — properly signed, so it reaches the parsing — the answer is never a 5xx; a refused
envelope (4xx) stores nothing, and a message that is stored has its answer stored with it.

Bounded: a few dozen examples a webhook, derandomized (the same examples every run), no
per-example deadline; each suite takes seconds against one live service.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine, func, select

from concierge.clock import ManualClock
from concierge.outbox import OutboxMessage
from concierge.people.conversations import InboundRecord
from concierge.people.person import Person
from concierge.requests.request import ServiceRequest
from tests.conftest import LiveServer
from tests.fake_telegram import FakeTelegram
from tests.fake_twilio import FakeTwilio, TwilioWebhooks
from tests.telegram_service import SECRET, telegram_service
from tests.twilio_service import MARIA, twilio_service

BOUNDED = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # one service for all examples, on purpose
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
# Past any rate a test sends at: flood control is tested on its own.
UNLIMITED = {"MESSAGES_PER_MINUTE_PER_SENDER": "10000"}


@dataclass
class Stored:
    """What the database holds, read from outside the service after each example."""

    engine: Engine

    def counts(self) -> tuple[int, int, int, int]:
        """Inbound messages, outbox rows, requests, people."""
        with self.engine.connect() as connection:
            return tuple(  # type: ignore[return-value]
                int(connection.scalar(select(func.count(model.id))) or 0)
                for model in (InboundRecord, OutboxMessage, ServiceRequest, Person)
            )

    def answered(self, channel: str, message_id: str) -> bool:
        """Whether a stored inbound message has its replies stored (the same transaction)."""
        with self.engine.connect() as connection:
            replies = connection.scalar(
                select(func.count(OutboxMessage.id)).where(
                    OutboxMessage.dedupe_key.startswith(f"reply:{channel}:{message_id}:")
                )
            )
        return bool(replies)


def _stored(url: str) -> Iterator[Stored]:
    sync = url.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg")
    engine = create_engine(sync)
    try:
        yield Stored(engine)
    finally:
        engine.dispose()


def check(before: tuple[int, ...], after: tuple[int, ...], status: int) -> None:
    """Never a 5xx; a refusal stores nothing; a message is stored once at most."""
    assert status < 500
    if status >= 400:
        assert after == before, "a refused envelope stored something"
    assert after[0] - before[0] in (0, 1)


@dataclass
class Seen:
    """What the examples of a suite led to, so a suite that only ever got refused (and so
    proved nothing about serving) fails."""

    refused: int = 0
    served: int = 0
    stored: int = 0

    def add(self, status: int, stored: bool) -> None:
        self.refused += status >= 400
        self.served += status < 400
        self.stored += stored

    def covered(self) -> None:
        assert self.refused and self.served and self.stored, self


# --- what people and attackers type -------------------------------------------------------

ODD = [
    "²", "①", "٣", "\u202e", "😀", "\n", "\t", "'", '"', "\\", "%s", "{id}", "{", "}", "<b>",
    "\x00", "\x7f", "STOP", "annulla", "1", "0", "/start", "/stop", "stato", "domani alle 10",
]  # fmt: skip
LONG = ["9" * 5000, "a" * 1600, "a" * 1601, "b" * 4096, "b" * 4097, "1" * 400 + "e999"]
form_texts = st.one_of(
    st.sampled_from(ODD),  # a whole message that is one odd thing: "²", "STOP", "1"
    st.lists(st.one_of(st.text(max_size=20), st.sampled_from(ODD)), max_size=8).map("".join),
    st.sampled_from(LONG),
)
# JSON carries what a form cannot: lone surrogates (valid JSON, invalid Unicode).
json_texts = st.one_of(form_texts, st.sampled_from(["\ud800", "ok \udfff", "\udbff\ud800"]))
ids = st.one_of(st.integers(1, 10**6), st.integers(-(2**70), 2**70))
json_values = st.recursive(
    st.none() | st.booleans() | ids | st.floats() | json_texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=8,
)

# --- Telegram -----------------------------------------------------------------------------

# Real-shaped updates from private chats, with what people send in them (half the examples),
# then the same with any field replaced by anything, then bodies that are not updates at all.
chat_ids = st.integers(3000, 3100)
kinds = st.sampled_from(["voice", "sticker", "document", "poll", "video", "animation", "audio"])
content = st.one_of(
    st.fixed_dictionaries({"text": json_texts}),
    st.fixed_dictionaries(
        {"photo": st.just([{"file_id": "ph", "file_unique_id": "u", "width": 9, "height": 9}])},
        optional={"caption": json_texts},
    ),
    st.fixed_dictionaries(
        {"location": st.fixed_dictionaries({"latitude": st.floats(), "longitude": st.floats()})}
    ),
    st.fixed_dictionaries(
        {"contact": st.fixed_dictionaries({"phone_number": json_texts, "user_id": chat_ids})}
    ),
    kinds.map(lambda kind: {kind: {"file_id": "x", "file_unique_id": "x"}}),
)


@st.composite
def real_updates(draw: st.DrawFn) -> dict[str, Any]:
    chat = draw(chat_ids)
    person = {"id": chat, "is_bot": False, "first_name": "Anna"}
    message = {
        "message_id": draw(st.integers(1, 10**6)), "date": 1_790_000_000,
        "chat": {**person, "type": "private"}, "from": person, **draw(content),
    }  # fmt: skip
    update_id = draw(st.integers(1, 10**9))
    if draw(st.booleans()):
        return {"update_id": update_id, "message": message}
    data = draw(json_texts)
    query = {"id": "cb", "from": person, "data": data, "message": message}
    return {"update_id": update_id, "callback_query": query}


@st.composite
def broken_updates(draw: st.DrawFn) -> dict[str, Any]:
    """A real-shaped update with one field, at any depth, replaced by any JSON value."""
    update = draw(real_updates())
    node: Any = update
    while isinstance(node, dict) and node:
        key = draw(st.sampled_from(sorted(node)))
        if not isinstance(node[key], dict) or draw(st.booleans()):
            node[key] = draw(json_values)
            break
        node = node[key]
    return update


telegram_bodies = st.one_of(
    real_updates().map(lambda u: json.dumps(u).encode()),
    real_updates().map(lambda u: json.dumps(u).encode()),
    broken_updates().map(lambda u: json.dumps(u).encode()),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=80),
    st.sampled_from([b"[" * 1000 + b"]" * 1000, b'{"update_id": ' + b"7" * 5000 + b"}", b""]),
)


@pytest.fixture
def telegram(
    fake: FakeTelegram, database_url: str, clock: ManualClock
) -> Iterator[tuple[LiveServer, Stored]]:
    for server, url in telegram_service(
        fake, database_url, clock, "aiogram", TELEGRAM_MODE="webhook",
        TELEGRAM_WEBHOOK_SECRET=SECRET, **UNLIMITED,
    ):  # fmt: skip
        for stored in _stored(url):
            yield server, stored


def test_telegram_webhook_never_fails(telegram: tuple[LiveServer, Stored]) -> None:
    server, stored = telegram
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    seen = Seen()
    with httpx.Client(base_url=server.base_url, timeout=30) as http:

        @BOUNDED
        @given(body=telegram_bodies)
        def post(body: bytes) -> None:
            before = stored.counts()
            response = http.post("/telegram/webhook", content=body, headers=headers)
            after = stored.counts()
            check(before, after, response.status_code)
            seen.add(response.status_code, after[0] > before[0])
            if after[0] > before[0] and b'"private"' in body:
                raw = json.loads(body)
                assert stored.answered("telegram", f"update:{raw['update_id']}"), body[:300]

        post()
    seen.covered()


# --- Twilio -------------------------------------------------------------------------------

senders = st.one_of(
    st.sampled_from([
        "", "anonymous", "restricted", "+266696687", "client:alice", "sip:bob@example.org",
        "9" * 40, MARIA, "+393402000009", "+1 202 555 0123", "whatsapp:+393402000010",
    ]),
    form_texts,
)  # fmt: skip
sids = st.one_of(
    st.text(alphabet="abcdefABCDEF0123456789", min_size=1, max_size=40).map(lambda s: "SM" + s),
    st.sampled_from(["", "SM" + "0" * 300, "SM 1", "SM/../1"]),
    form_texts,
)
counts = st.one_of(st.sampled_from(["0", "1", "2", "11", "1.0", "-1", "²", "", " 1"]), form_texts)
real_forms = st.fixed_dictionaries(
    {
        "MessageSid": st.text(alphabet="0123456789abcdef", min_size=32, max_size=32).map(
            lambda s: "SM" + s
        ),
        "From": st.sampled_from([MARIA, "+393402000009", "+12025550123", "whatsapp:+393402000010"]),
        "Body": form_texts,
        "NumMedia": st.just("0"),
    }
)
odd_forms = st.fixed_dictionaries(
    {"From": senders, "Body": form_texts, "NumMedia": counts},
    optional={
        "MessageSid": sids,
        "MediaUrl0": st.sampled_from(["https://api.twilio.com/m/ME1", "", "x" * 2000, "x" * 2001]),
        "MediaContentType0": st.sampled_from(["image/jpeg", "audio/ogg", "text/vcard", ""]),
        "MediaUrl1": st.just("https://api.twilio.com/m/ME2"),
    },
)
message_forms = st.one_of(real_forms, odd_forms)


@pytest.fixture
def twilio(
    fake_twilio: FakeTwilio, database_url: str, clock: ManualClock
) -> Iterator[tuple[TwilioWebhooks, Stored]]:
    for _, webhooks, url in twilio_service(fake_twilio, database_url, clock, **UNLIMITED):
        for stored in _stored(url):
            yield webhooks, stored


@pytest.mark.parametrize("path", ["/twilio/sms", "/twilio/whatsapp"])
def test_sms_and_whatsapp_webhooks_never_fail(
    twilio: tuple[TwilioWebhooks, Stored], path: str
) -> None:
    webhooks, stored = twilio
    channel = path.rsplit("/", 1)[1]

    seen = Seen()

    @BOUNDED
    @given(form=message_forms)
    def post(form: dict[str, str]) -> None:
        before = stored.counts()
        response = webhooks.post(path, form)
        after = stored.counts()
        check(before, after, response.status_code)
        seen.add(response.status_code, after[0] > before[0])
        if response.status_code == 200:
            ET.fromstring(response.text)  # TwiML, always
        if after[0] > before[0]:
            assert stored.answered(channel, form["MessageSid"]), form

    post()
    seen.covered()


voice_forms = st.fixed_dictionaries(
    {"From": senders, "CallSid": st.one_of(st.just("CA" + "1" * 32), sids)},
    optional={
        "Digits": form_texts,
        "SpeechResult": form_texts,
        "DialCallStatus": st.sampled_from(["completed", "no-answer", "busy", ""]),
        "RecordingSid": sids,
        "RecordingUrl": st.sampled_from(["https://api.twilio.com/r/RE1", "", "x" * 2100]),
    },
)
voice_paths = st.sampled_from(
    ["/twilio/voice", "/twilio/voice/key", "/twilio/voice/silence", "/twilio/voice/dialled",
     "/twilio/voice/voicemail", "/twilio/voice/unknown"]
)  # fmt: skip


def test_voice_webhooks_never_fail(twilio: tuple[TwilioWebhooks, Stored]) -> None:
    webhooks, stored = twilio

    seen = Seen()

    @BOUNDED
    @given(path=voice_paths, form=voice_forms)
    def post(path: str, form: dict[str, str]) -> None:
        before = stored.counts()
        response = webhooks.post(path, form)
        after = stored.counts()
        check(before, after, response.status_code)
        seen.add(response.status_code, after != before)
        if response.status_code == 200:
            assert ET.fromstring(response.text).tag == "Response"

    post()
    seen.covered()


status_forms = st.fixed_dictionaries(
    {},
    optional={
        "MessageSid": st.one_of(st.just("SM" + "0" * 31 + "1"), sids),
        "MessageStatus": st.one_of(
            st.sampled_from(["delivered", "undelivered", "failed", "read", "sent"]), form_texts
        ),
        "ErrorCode": st.one_of(st.just("30006"), form_texts),
    },
)


def test_delivery_reports_never_fail(
    fake_twilio: FakeTwilio, twilio: tuple[TwilioWebhooks, Stored]
) -> None:
    webhooks, stored = twilio
    assert webhooks.sms(MARIA, "stato").status_code == 200
    assert fake_twilio.wait_for(MARIA, "")["Sid"] == "SM" + "0" * 31 + "1"  # what reports name
    seen = Seen()

    @BOUNDED
    @given(form=status_forms)
    def post(form: dict[str, str]) -> None:
        before = stored.counts()
        response = webhooks.post("/twilio/status", form)
        check(before, stored.counts(), response.status_code)
        seen.add(response.status_code, stored=response.status_code == 204)

    post()
    seen.covered()
