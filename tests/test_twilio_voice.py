"""The phone line, call step by call step as Twilio drives it: each webhook signed, each TwiML
answer read as XML — greeting, keys, silence, a wrong key, ringing operators, voicemail."""

from __future__ import annotations

import asyncio
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import func, select

from bot.twilio.rest import TwilioConnection, place_call
from concierge.checkins.plans import CheckinAttempt, CheckinRound
from concierge.clock import ManualClock
from concierge.messages import Channel
from concierge.people.person import ChannelIdentity, Person
from concierge.requests.request import ServiceRequest
from tests.checkin_due import check_in_now
from tests.conftest import ROME, count_rows, make_settings, read_value
from tests.fake_twilio import FakeTwilio, TwilioWebhooks
from tests.twilio_service import GIULIA_PHONE, MARIA, Service, twilio_service, twilio_settings

STRANGER = "+393479999999"
MARCO_PHONE, SARA_PHONE = "+393331000002", "+393331000003"


class Call:
    """One phone call to the service, step by step, reading what the line says and does."""

    def __init__(self, twilio: TwilioWebhooks, caller: str) -> None:
        self._twilio = twilio
        self.caller = caller
        self.twiml = ET.Element("Response")

    def _step(self, path: str, **params: str) -> Call:
        response = self._twilio.call(path, self.caller, **params)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/xml")
        self.twiml = ET.fromstring(response.text)
        assert self.twiml.tag == "Response"
        return self

    def ring(self) -> Call:
        return self._step("/twilio/voice")

    def press(self, key: str) -> Call:
        return self._step("/twilio/voice/key", Digits=key)

    def say(self, words: str) -> Call:
        return self._step("/twilio/voice/key", SpeechResult=words, Confidence="0.9")

    def stay_silent(self) -> Call:
        # Twilio follows the <Redirect> after a <Gather> that got nothing.
        redirect = self.twiml.find("Redirect")
        assert redirect is not None and redirect.text is not None
        return self._step(redirect.text)

    def operator_phone(self, status: str) -> Call:
        return self._step("/twilio/voice/dialled", DialCallStatus=status)

    def leave_message(self, recording_sid: str = "RE" + "5" * 32) -> Call:
        return self._step(
            "/twilio/voice/voicemail", RecordingSid=recording_sid, RecordingDuration="14",
            RecordingUrl=f"https://api.twilio.com/2010-04-01/Accounts/AC/Recordings/{recording_sid}",
        )  # fmt: skip

    @property
    def heard(self) -> str:
        """Everything the line said in this step."""
        return " ".join(say.text or "" for say in self.twiml.iter("Say"))

    @property
    def gather(self) -> ET.Element:
        gather = self.twiml.find("Gather")
        assert gather is not None, ET.tostring(self.twiml)
        return gather

    @property
    def hung_up(self) -> bool:
        return self.twiml.find("Hangup") is not None

    @property
    def dialled(self) -> str | None:
        number = self.twiml.find("Dial/Number")
        return None if number is None else number.text

    @property
    def recording(self) -> bool:
        return self.twiml.find("Record") is not None


def test_a_known_caller_asks_for_medicines_and_an_operator_gets_it(
    fake_twilio: FakeTwilio, on_twilio: Service
) -> None:
    _, twilio, url = on_twilio
    call = Call(twilio, MARIA).ring()
    assert call.heard.startswith("Buongiorno Maria")
    assert "Premi 1 per i farmaci, 2 per la spesa, 3 per i pacchi" in call.heard
    gather = call.gather
    assert gather.get("numDigits") == "1" and gather.get("input") == "dtmf"
    assert gather.get("action") == "/twilio/voice/key" and gather.get("language") == "it-IT"
    assert call.press("1").heard == (
        "Hai chiesto: Ricette e farmaci. Premi 1 per confermare, 2 per tornare al menu."
    )
    call.press("1")
    assert call.heard.startswith("Fatto: richiesta numero 1, Ricette e farmaci.")
    assert call.hung_up
    offer = fake_twilio.wait_for(GIULIA_PHONE, "Nuova richiesta: n. 1 · Ricette e farmaci")
    assert "Maria Rossi" in offer["Body"] and MARIA in offer["Body"]
    assert read_value(url, select(ServiceRequest.channel)) == "voice"
    # The requester hears of it by SMS: a call cannot be made to say one line.
    twilio.sms(GIULIA_PHONE, "1")
    fake_twilio.wait_for(MARIA, "Giulia ha preso in carico la tua richiesta: n. 1")


@pytest.mark.parametrize(
    ("key", "service"),
    [("1", "Ricette e farmaci"), ("2", "Spesa"), ("3", "Ritiro pacchi"), ("4", "Altro")],
)
def test_each_key_names_its_service(on_twilio: Service, key: str, service: str) -> None:
    _, twilio, _ = on_twilio
    call = Call(twilio, MARIA).ring().press(key)
    assert call.heard.startswith(f"Hai chiesto: {service}.")
    assert call.gather.get("action") == "/twilio/voice/key"


def test_the_line_places_a_call_with_answering_machine_detection(
    fake_twilio: FakeTwilio, sqlite_url: str
) -> None:
    settings = make_settings(sqlite_url, **twilio_settings(fake_twilio))

    async def ring() -> str:
        twilio = TwilioConnection(settings)
        try:
            return await place_call(twilio, settings, MARIA, "/twilio/voice")
        finally:
            await twilio.close()

    sid = asyncio.run(ring())
    [call] = fake_twilio.calls
    assert call["Sid"] == sid and call["To"] == MARIA
    assert call["MachineDetection"] == "Enable"
    assert call["Url"] == "https://concierge.example.org/twilio/voice"


def test_an_unknown_caller_is_served_and_their_number_kept(on_twilio: Service) -> None:
    _, twilio, url = on_twilio
    call = Call(twilio, STRANGER).ring()
    assert call.heard.startswith("Buongiorno, sono il maggiordomo di quartiere.")
    call.press("3")
    assert "Hai chiesto: Ritiro pacchi." in call.heard
    call.press("1")
    assert call.hung_up and "richiesta numero 1" in call.heard
    known = select(func.count(ChannelIdentity.id)).where(ChannelIdentity.address == STRANGER)
    assert count_rows(url, known) == 1


def test_silence_and_wrong_keys_repeat_the_question(on_twilio: Service) -> None:
    _, twilio, url = on_twilio
    call = Call(twilio, MARIA).ring()
    call.press("7")
    assert call.heard.startswith("Quel tasto non è tra le scelte. Premi 1 per i farmaci")
    call.stay_silent()
    assert call.heard.startswith("Non ho sentito nessun tasto. Premi 1 per i farmaci")
    call.press("2")
    assert "Hai chiesto: Spesa." in call.heard
    call.stay_silent()
    assert call.heard.startswith("Non ho sentito nessun tasto. Hai chiesto: Spesa.")
    call.press("2")  # back to the menu
    assert call.heard.startswith("Premi 1 per i farmaci")
    call.stay_silent().stay_silent()
    assert not call.hung_up
    call.stay_silent()  # a third silence in a row: the line says goodbye rather than loop
    assert call.hung_up and "Richiama quando vuoi" in call.heard
    assert count_rows(url, select(func.count(ServiceRequest.id))) == 0


def test_zero_rings_the_operators_in_turn_then_takes_a_message(
    fake_twilio: FakeTwilio, on_twilio: Service
) -> None:
    _, twilio, url = on_twilio
    call = Call(twilio, MARIA).ring().press("0")
    assert call.heard == "Ti metto in contatto con un operatore, resta in linea."
    dial = call.twiml.find("Dial")
    assert dial is not None and dial.get("action") == "/twilio/voice/dialled"
    rung = [call.dialled]
    while call.dialled is not None:
        call.operator_phone("no-answer")
        rung.append(call.dialled)
    assert rung == [GIULIA_PHONE, MARCO_PHONE, SARA_PHONE, None]
    assert call.recording and "Lascia un messaggio dopo il segnale" in call.heard
    call.leave_message()
    assert call.hung_up and "ti richiameremo" in call.heard
    call.leave_message()  # Twilio sent the same recording twice
    assert count_rows(url, select(func.count(ServiceRequest.id))) == 1
    attachments = read_value(url, select(ServiceRequest.attachments))
    assert isinstance(attachments, list) and attachments[0].endswith("RE" + "5" * 32)
    offer = fake_twilio.wait_for(GIULIA_PHONE, "Messaggio in segreteria: richiamare")
    assert MARIA in offer["Body"]


def test_an_operator_who_answers_ends_the_menu(on_twilio: Service) -> None:
    _, twilio, _ = on_twilio
    call = Call(twilio, MARIA).ring().press("0")
    assert call.dialled == GIULIA_PHONE
    assert call.operator_phone("completed").hung_up


@pytest.fixture
def on_sunday(fake_twilio: FakeTwilio, sqlite_url: str, clock: ManualClock) -> Iterator[Service]:
    clock.set(datetime(2026, 11, 22, 11, 0, tzinfo=ROME))  # the demo rota is Mon–Sat
    yield from twilio_service(fake_twilio, sqlite_url, clock)


def test_when_closed_zero_goes_straight_to_voicemail(on_sunday: Service) -> None:
    _, twilio, _ = on_sunday
    call = Call(twilio, MARIA).ring().press("0")
    assert call.dialled is None and call.recording
    assert call.heard.startswith("Ora il servizio è chiuso.")


@pytest.fixture
def with_speech(fake_twilio: FakeTwilio, sqlite_url: str, clock: ManualClock) -> Iterator[Service]:
    yield from twilio_service(fake_twilio, sqlite_url, clock, TWILIO_SPEECH="true")


def test_speech_is_understood_where_configured(with_speech: Service) -> None:
    _, twilio, url = with_speech
    call = Call(twilio, MARIA).ring()
    assert call.gather.get("input") == "dtmf speech"
    assert "dimmi con parole tue" in call.heard
    call.say("mi serve qualcuno che mi faccia la spesa")
    assert call.heard.startswith("Hai chiesto: Spesa.")
    call.press("1")
    details = read_value(url, select(ServiceRequest.details))
    assert details == "mi serve qualcuno che mi faccia la spesa"


def test_an_english_speaker_hears_english(on_twilio: Service) -> None:
    _, twilio, url = on_twilio
    emma = "+393402000004"  # Emma's language is English in the demo data
    call = Call(twilio, emma).ring()
    assert call.heard.startswith("Hello Emma") and call.gather.get("language") == "en-GB"
    named = select(func.count(Person.id)).where(Person.first_name == "Emma")
    assert count_rows(url, named) == 1


def _round_status(url: str) -> tuple[str, list[str]]:
    status = read_value(url, select(CheckinRound.status))
    outcomes = read_value(url, select(func.group_concat(CheckinAttempt.outcome)))
    return str(status), str(outcomes).split(",")


def test_a_check_in_call_answered_with_one(fake_twilio: FakeTwilio, on_twilio: Service) -> None:
    server, twilio, url = on_twilio
    check_in_now(url, server.clock, MARIA, Channel.VOICE)
    call = _placed_call(fake_twilio)
    assert call["To"] == MARIA and call["MachineDetection"] == "Enable"
    path = call["Url"].removeprefix("https://concierge.example.org")
    answered = Call(twilio, MARIA)
    answered._step(path, AnsweredBy="human", Direction="outbound-api")
    assert answered.heard.startswith("Buongiorno Maria, tutto bene?")
    assert answered.gather.get("numDigits") == "1"
    answered._step(f"{path}/key", Digits="1")
    assert answered.heard == "Grazie, buona giornata!" and answered.hung_up
    assert _round_status(url) == ("well", ["well"])


def test_an_answering_machine_or_no_answer_is_a_silent_check_in(
    fake_twilio: FakeTwilio, on_twilio: Service
) -> None:
    server, twilio, url = on_twilio
    check_in_now(url, server.clock, MARIA, Channel.VOICE)
    call = _placed_call(fake_twilio)
    path = call["Url"].removeprefix("https://concierge.example.org")
    machine = Call(twilio, MARIA)
    machine._step(path, AnsweredBy="machine_start", Direction="outbound-api")
    assert machine.hung_up and machine.heard == ""
    assert _round_status(url) == ("pending", ["machine"])
    status = {"CallSid": call["Sid"], "CallStatus": "no-answer", "AccountSid": "AC"}
    assert twilio.post("/twilio/voice/call-status", status).status_code == 204
    assert _round_status(url) == ("pending", ["machine"]), "a machine stays a machine"


def _placed_call(fake: FakeTwilio, timeout: float = 10) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not fake.calls:
        time.sleep(0.05)
    assert fake.calls, "no call was placed"
    return fake.calls[-1]
