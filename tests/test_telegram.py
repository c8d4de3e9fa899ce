"""The Telegram channel with the real aiogram code against a fake Bot API on 127.0.0.1:
polling and webhook, buttons, duplicates, 429 bursts, an outage and a blocked chat."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from concierge.clock import ManualClock
from concierge.outbox import OutboxMessage, OutboxStatus
from concierge.people.conversations import InboundRecord
from concierge.team.operators import Operator
from tests.conftest import LiveServer, count_rows
from tests.fake_telegram import FakeTelegram
from tests.telegram_service import GIULIA, RESIDENT, SECRET, TOKEN, telegram_service
from tests.test_cli import concierge


def _a_parcel_taken_on(fake: FakeTelegram) -> None:
    fake.user_writes(RESIDENT, "pacco oggi")
    confirm = fake.wait_for(RESIDENT, "Ho capito: Ritiro pacchi")
    assert [label for label, _ in confirm.buttons] == ["Confermo", "Modifica", "Annulla"]
    fake.user_taps(RESIDENT, "Confermo")
    fake.wait_for(RESIDENT, "Richiesta registrata: n. 1")
    # The spent question now says what was chosen, and its buttons are gone.
    assert confirm.text.endswith("Confermi?\n\n» Confermo") and confirm.buttons == []
    offer = fake.wait_for(GIULIA, "Nuova richiesta: n. 1 · Ritiro pacchi")
    assert [label for label, _ in offer.buttons] == ["Accetto", "Rifiuto"]
    fake.user_taps(GIULIA, "Accetto")
    fake.wait_for(GIULIA, "Presa in carico: n. 1")
    fake.wait_for(RESIDENT, "Giulia ha preso in carico la tua richiesta: n. 1")


def test_polling_a_request_by_free_text_and_buttons(
    fake: FakeTelegram, polling: tuple[LiveServer, str]
) -> None:
    _a_parcel_taken_on(fake)
    assert len(fake.answered_callbacks) == 2, "every button press is answered"
    # The menu path, with buttons only.
    fake.user_writes(RESIDENT, "/start")
    fake.wait_for(RESIDENT, "Di cosa hai bisogno?")
    fake.user_taps(RESIDENT, "Spesa")
    fake.wait_for(RESIDENT, "Per quando ti serve?")
    fake.user_taps(RESIDENT, "Appena possibile")
    fake.wait_for(RESIDENT, "Dove, e cosa serve")
    fake.user_taps(RESIDENT, "Nessun dettaglio")
    fake.wait_for(
        RESIDENT,
        "Ho capito: Spesa, appena possibile.\n"
        "Prezzo 12,20\xa0€ IVA inclusa, a tuo carico.\nConfermi?",
    )


def test_an_operator_links_telegram_by_sharing_their_number(
    fake: FakeTelegram, polling: tuple[LiveServer, str]
) -> None:
    _, url = polling
    marco_chat = 3003
    fake.user_shares_contact(marco_chat, "+39 333 100 0002")
    fake.wait_for(marco_chat, "Grazie Marco, ti ho riconosciuto")
    on_telegram = select(func.count(Operator.id)).where(Operator.contact_channel == "telegram")
    assert count_rows(url, on_telegram) == 2  # Giulia (set up so) and now Marco
    fake.user_writes(RESIDENT, "/start ref-volantino")  # a deep link is still a start
    fake.wait_for(RESIDENT, "Di cosa hai bisogno?")


def test_a_429_burst_and_an_outage_lose_nothing_and_duplicate_nothing(
    fake: FakeTelegram, polling: tuple[LiveServer, str]
) -> None:
    server, url = polling
    fake.send_faults = [(429, 3), (429, 3), (502, 0), (502, 0), (502, 0)]
    fake.user_writes(RESIDENT, "aiuto")
    for _ in range(40):  # time passes for the outbox's retries (the clock is the test's)
        if fake.texts_to(RESIDENT):
            break
        server.clock.advance(timedelta(seconds=30))
        fake.wait_for_nothing(0.2)
    assert len(fake.texts_to(RESIDENT)) == 1
    assert fake.texts_to(RESIDENT)[0].startswith("Sono il maggiordomo di quartiere")
    assert fake.send_attempts == 6
    sent = select(func.count(OutboxMessage.id)).where(OutboxMessage.status == OutboxStatus.SENT)
    for _ in range(50):  # Telegram has the message; the service marks it sent just after
        if count_rows(url, sent) == 1:
            break
        fake.wait_for_nothing(0.05)
    assert count_rows(url, sent) == 1


def test_polling_rides_out_an_outage(fake: FakeTelegram, polling: tuple[LiveServer, str]) -> None:
    _, url = polling
    fake.updates_outage = 3  # Telegram answers 502 for a while (1 + 2 + 4 s of back-off)
    fake.user_writes(RESIDENT, "aiuto")
    fake.wait_for(RESIDENT, "Sono il maggiordomo di quartiere", timeout=20)
    fake.wait_for_nothing(0.5)
    assert len(fake.texts_to(RESIDENT)) == 1
    assert count_rows(url, select(func.count(InboundRecord.id))) == 1


def test_a_chat_that_blocked_the_bot_is_given_up_and_kept_visible(
    fake: FakeTelegram, polling: tuple[LiveServer, str]
) -> None:
    _, url = polling
    fake.blocked_chats.add(RESIDENT)
    fake.user_writes(RESIDENT, "aiuto")
    dead = select(func.count(OutboxMessage.id)).where(OutboxMessage.status == OutboxStatus.DEAD)
    for _ in range(100):
        if count_rows(url, dead) == 1:
            break
        fake.wait_for_nothing(0.05)
    assert count_rows(url, dead) == 1
    assert fake.send_attempts == 1, "a blocked chat is not retried"


@pytest.fixture
def webhook(
    fake: FakeTelegram, sqlite_url: str, clock: ManualClock, library: str
) -> Iterator[tuple[LiveServer, str]]:
    yield from telegram_service(
        fake, sqlite_url, clock, library, TELEGRAM_MODE="webhook", TELEGRAM_WEBHOOK_SECRET=SECRET
    )


def test_webhook_checks_its_secret_and_counts_an_update_once(
    fake: FakeTelegram, webhook: tuple[LiveServer, str]
) -> None:
    server, url = webhook
    update = fake.user_writes(RESIDENT, "stato")
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        for wrong in ({}, {"X-Telegram-Bot-Api-Secret-Token": "guess"}):
            assert http.post("/telegram/webhook", json=update, headers=wrong).status_code == 403
        assert count_rows(url, select(func.count(InboundRecord.id))) == 0, "nothing stored"
        right = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        for _ in range(2):  # Telegram may deliver the same update twice
            assert http.post("/telegram/webhook", json=update, headers=right).status_code == 200
    fake.wait_for(RESIDENT, "Non hai richieste aperte.")
    fake.wait_for_nothing(0.5)
    assert fake.texts_to(RESIDENT) == ["Non hai richieste aperte."]
    assert Path(url.removeprefix("sqlite+aiosqlite:///")).exists()


def test_set_webhook_from_the_command_line(
    fake: FakeTelegram, tmp_path: Path, library: str
) -> None:
    env = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE": fake.base_url,
        "TELEGRAM_LIBRARY": library,
    }
    url = "https://concierge.example.org/telegram/webhook"
    refused = concierge("telegram", "set-webhook", url, cwd=tmp_path, **env, LANG="en_GB.UTF-8")
    assert refused.returncode == 2 and "TELEGRAM_WEBHOOK_SECRET is not set" in refused.stderr
    italian = concierge("telegram", "set-webhook", url, cwd=tmp_path, **env)
    assert italian.stderr.strip() == (
        "Errore: TELEGRAM_WEBHOOK_SECRET non è impostato: il webhook rifiuterebbe ogni chiamata"
    )
    done = concierge(
        "telegram", "set-webhook", url, cwd=tmp_path, TELEGRAM_WEBHOOK_SECRET=SECRET, **env
    )
    assert done.returncode == 0, done.stderr
    assert (
        done.stdout.strip()
        == f"Webhook impostato: {url} (impostate TELEGRAM_MODE=webhook sul servizio)."
    )
    assert fake.webhook == {"url": url, "secret": SECRET}
