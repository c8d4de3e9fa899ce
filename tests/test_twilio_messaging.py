"""SMS and WhatsApp through the real twilio library against a fake REST API on 127.0.0.1, with
webhooks signed by Twilio's own code: digits for choices, signatures, duplicates, delivery
reports, WhatsApp's 24-hour window and a minute-long outage of the REST API."""

from __future__ import annotations

import dataclasses
import json
import time
from datetime import timedelta

from sqlalchemy import func, select

from bot.outbox_sender import OutboxSender
from bot.twilio.messaging import TwilioMessaging
from bot.twilio.rest import TwilioConnection
from concierge.messages import Channel, IdentityKind, Inbound
from concierge.outbox import OutboxMessage, OutboxStatus
from concierge.people.conversations import InboundRecord, record_inbound
from concierge.people.person import find_person
from concierge.requests.request import ServiceRequest
from concierge.timers import TimerKind
from tests.conftest import Domain, count_rows, make_settings, read_value
from tests.fake_twilio import FakeTwilio
from tests.test_follow_up import _done_request, _fire_when_due
from tests.twilio_service import GIULIA_PHONE, MARIA, Service, twilio_settings

OUTAGE_SECONDS = 60


def test_a_resident_makes_a_request_by_sms_answering_with_digits(
    fake_twilio: FakeTwilio, on_twilio: Service
) -> None:
    server, twilio, url = on_twilio

    def texts(sender: str, body: str) -> None:
        server.clock.advance(timedelta(seconds=20))  # people take a moment to answer
        assert twilio.sms(sender, body).status_code == 200

    texts(MARIA, "ciao")
    menu = fake_twilio.wait_for(MARIA, "Di cosa hai bisogno?")["Body"]
    assert "\n1. Ritiro pacchi\n" in menu and menu.endswith("Rispondi con il numero.")
    texts(MARIA, "1")  # Ritiro pacchi
    when = fake_twilio.wait_for(MARIA, "Per quando ti serve?")["Body"]
    number = next(line.split(".")[0] for line in when.splitlines() if "Appena possibile" in line)
    texts(MARIA, number)
    fake_twilio.wait_for(MARIA, "Dove, e cosa serve")
    texts(MARIA, "al civico 12, citofono Rossi")
    fake_twilio.wait_for(MARIA, "Confermi?\n\n1. Confermo\n2. Modifica\n3. Annulla")
    texts(MARIA, "1")
    fake_twilio.wait_for(MARIA, "Richiesta registrata: n. 1")
    offer = fake_twilio.wait_for(GIULIA_PHONE, "Nuova richiesta: n. 1 · Ritiro pacchi")
    assert "1. Accetto\n2. Rifiuto" in offer["Body"]
    texts(GIULIA_PHONE, "1")
    fake_twilio.wait_for(MARIA, "Giulia ha preso in carico la tua richiesta: n. 1")
    details = read_value(url, select(ServiceRequest.details))
    assert details == "al civico 12, citofono Rossi"
    # The question was answered: a digit now is text, not "Confermo" again.
    texts(MARIA, "1")
    fake_twilio.wait_for(MARIA, "Non sono sicuro di aver capito")
    assert count_rows(url, select(func.count(ServiceRequest.id))) == 1


def test_signatures_are_checked_and_a_message_counts_once(
    fake_twilio: FakeTwilio, on_twilio: Service
) -> None:
    _, twilio, url = on_twilio
    params = twilio.message_params(MARIA, "stato", "SM-the-same-twice")
    for path in ("/twilio/sms", "/twilio/whatsapp", "/twilio/voice", "/twilio/status"):
        assert twilio.post(path, params, signature=None).status_code == 403, path
        assert twilio.post(path, params, signature="forged=").status_code == 403, path
    tampered = twilio.post("/twilio/sms", {**params, "Body": "annulla"}, signature=None)
    assert tampered.status_code == 403
    assert count_rows(url, select(func.count(InboundRecord.id))) == 0, "nothing stored"
    for _ in range(2):  # Twilio retries a webhook it thinks failed
        assert twilio.post("/twilio/sms", params).status_code == 200
    fake_twilio.wait_for(MARIA, "Non hai richieste aperte.")
    time.sleep(0.5)
    assert fake_twilio.bodies_to(MARIA) == ["Non hai richieste aperte."]
    assert count_rows(url, select(func.count(InboundRecord.id))) == 1


def test_delivery_reports_update_the_outbox(fake_twilio: FakeTwilio, on_twilio: Service) -> None:
    _, twilio, url = on_twilio
    twilio.sms(MARIA, "stato")
    sid = fake_twilio.wait_for(MARIA, "Non hai richieste aperte.")["Sid"]
    report = {"MessageSid": sid, "MessageStatus": "delivered", "AccountSid": "AC"}
    assert twilio.post("/twilio/status", report).status_code == 204
    delivered = select(OutboxMessage.delivery_status).where(OutboxMessage.provider_id == sid)
    assert read_value(url, delivered) == "delivered"
    failed = {**report, "MessageStatus": "undelivered", "ErrorCode": "30006"}
    assert twilio.post("/twilio/status", failed).status_code == 204
    row = select(OutboxMessage.last_error).where(
        OutboxMessage.provider_id == sid, OutboxMessage.status == OutboxStatus.DEAD
    )
    assert read_value(url, row) == "Twilio error 30006: message undelivered"


def test_a_minute_of_rest_outage_loses_nothing_and_duplicates_nothing(
    fake_twilio: FakeTwilio, on_twilio: Service
) -> None:
    server, twilio, url = on_twilio
    fake_twilio.down_until = time.monotonic() + OUTAGE_SECONDS
    fake_twilio.faults = [(429, 20429)]  # and, when it comes back, one "too many requests"
    twilio.sms(MARIA, "pacco oggi")
    twilio.sms(MARIA, "stato")
    last, deadline = time.monotonic(), fake_twilio.down_until + 90
    while time.monotonic() < deadline and len(fake_twilio.bodies_to(MARIA)) < 2:
        time.sleep(0.5)  # the service's clock follows real time: the back-off is the real one
        now = time.monotonic()
        server.clock.advance(timedelta(seconds=now - last))
        last = now
    time.sleep(1)
    bodies = fake_twilio.bodies_to(MARIA)
    assert len(bodies) == 2 and bodies[0].startswith("Ho capito: Ritiro pacchi"), bodies
    assert fake_twilio.attempts > 4, "it was retried through the outage"
    sent = select(func.count(OutboxMessage.id)).where(OutboxMessage.status == OutboxStatus.SENT)
    assert count_rows(url, sent) == 2


async def _deliver_whatsapp(domain: Domain, fake: FakeTwilio, **settings: str) -> OutboxMessage:
    """Deliver what the outbox holds for WhatsApp through the real client; the last row."""
    configured = make_settings(
        domain.runtime.settings.database_url, **twilio_settings(fake), **settings
    )
    runtime = dataclasses.replace(domain.runtime, settings=configured)
    twilio = TwilioConnection(configured)
    try:
        sender = OutboxSender(
            runtime, {Channel.WHATSAPP: TwilioMessaging(runtime, twilio, Channel.WHATSAPP)}
        )
        await sender.deliver_due()
    finally:
        await twilio.close()
    async with runtime.sessions() as session:
        row = await session.scalar(select(OutboxMessage).order_by(OutboxMessage.id.desc()))
    assert row is not None
    return row


async def _wrote_on_whatsapp(domain: Domain, phone: str) -> None:
    async with domain.unit() as ctx:
        person = await find_person(ctx.session, IdentityKind.PHONE, phone)
        assert person is not None
        inbound = Inbound(
            channel=Channel.WHATSAPP, provider_message_id=f"SM-{ctx.now().timestamp()}",
            sender=phone, text="grazie", received_at=ctx.now(),
        )  # fmt: skip
        await record_inbound(ctx.session, inbound, person.id)


async def _whatsapp_follow_up(domain: Domain, hours_since_last_message: float) -> None:
    await _wrote_on_whatsapp(domain, MARIA)
    domain.clock.advance(timedelta(hours=hours_since_last_message))
    request_id = await _done_request(domain, MARIA)
    async with domain.unit() as ctx:
        request = await ctx.session.get(ServiceRequest, request_id)
        assert request is not None
        request.channel = Channel.WHATSAPP
    await _fire_when_due(domain, TimerKind.FOLLOW_UP)


async def test_whatsapp_follow_up_inside_the_window_is_free_text(
    demo_domain: Domain, fake_twilio: FakeTwilio
) -> None:
    await _whatsapp_follow_up(demo_domain, hours_since_last_message=2)
    row = await _deliver_whatsapp(demo_domain, fake_twilio)
    assert row.status == OutboxStatus.SENT
    sent = fake_twilio.messages[-1]
    assert sent["To"] == f"whatsapp:{MARIA}" and sent["From"].startswith("whatsapp:+39")
    assert sent["Body"].startswith("Com'è andata") and "\n5. " in sent["Body"]


async def test_whatsapp_follow_up_outside_the_window_uses_its_template(
    demo_domain: Domain, fake_twilio: FakeTwilio
) -> None:
    await _whatsapp_follow_up(demo_domain, hours_since_last_message=30)
    template = '{"follow_up": "HX' + "a" * 32 + '"}'
    row = await _deliver_whatsapp(demo_domain, fake_twilio, TWILIO_WHATSAPP_TEMPLATES=template)
    assert row.status == OutboxStatus.SENT
    sent = fake_twilio.messages[-1]
    assert "Body" not in sent
    assert sent["ContentSid"] == "HX" + "a" * 32
    assert json.loads(sent["ContentVariables"])["1"].startswith("n. 1 · Ritiro pacchi")


async def test_whatsapp_outside_the_window_without_a_template_is_flagged(
    demo_domain: Domain, fake_twilio: FakeTwilio
) -> None:
    await _whatsapp_follow_up(demo_domain, hours_since_last_message=30)
    row = await _deliver_whatsapp(demo_domain, fake_twilio)
    assert row.status == OutboxStatus.DEAD and fake_twilio.messages == []
    assert "outside WhatsApp's 24-hour window" in row.last_error
    assert "follow_up" in row.last_error
