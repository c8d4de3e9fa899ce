"""A crash under load loses nothing that was acknowledged: a real `concierge serve` process on
Twilio (against the fake) is SIGKILLed while residents text it, then started again on the same
database. Every MessageSid that got a 200 has its inbound row and its reply rows, every inbound
row has its replies (a turn is all or nothing), no reply is queued twice, and the replies still
waiting at the crash are delivered once after the restart. Loopback only, bounded in count and
time."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from bot.runtime import Runtime
from concierge.outbox import OutboxMessage, OutboxStatus
from concierge.people.conversations import InboundRecord
from tests.conftest import _free_port, make_settings
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE_URL, SERVICE_NUMBER, FakeTwilio
from tests.test_service_process import ServiceProcess, wait_until
from tests.twilio_service import twilio_settings

SENDERS = 8  # concurrent senders
PER_SENDER = 20  # at most 160 messages in all
KILL_AFTER = 40  # acknowledged messages before the SIGKILL
LEASE = 2  # seconds: a row claimed by the killed process goes again after this
TEXTS = ("buongiorno", "mi serve un pacco ritirato domani alle 10")


def _env(database_url: str, fake: FakeTwilio) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.isupper() or k in {"PATH", "HOME"}}
    return {
        **clean, **twilio_settings(fake), "DATABASE_URL": database_url,
        "OUTBOX_POLL_SECONDS": "0.1", "OUTBOX_LEASE_SECONDS": str(LEASE),
        "TWILIO_MESSAGES_PER_SECOND": "100", "LOG_LEVEL": "WARNING",
    }  # fmt: skip


@pytest.fixture
def start() -> Iterator[dict[str, ServiceProcess]]:
    """The processes started by the test (by name); whatever is left is killed at the end."""
    started: dict[str, ServiceProcess] = {}
    yield started
    for service in started.values():
        service.stop(signal.SIGKILL)


def _serve(tmp_path: Path, url: str, fake: FakeTwilio, name: str) -> ServiceProcess:
    port = _free_port()
    log = tmp_path / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)],
            cwd=tmp_path, env=_env(url, fake), stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    service = ServiceProcess(process, port, log)
    wait_until(lambda: service.health() is not None, f"{name} answering /healthz", timeout=20)
    return service


class Load:
    """Residents texting concurrently; which MessageSids were acknowledged with a 200."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.acknowledged: list[str] = []
        self.failed = 0
        self._validator = RequestValidator(AUTH_TOKEN)

    async def _text(self, client: httpx.AsyncClient, sender: int, n: int) -> bool:
        sid = f"SM{sender:016d}{n:016d}"
        resident = f"+39347{1000000 + sender * 100 + n // len(TEXTS)}"
        params = {
            "MessageSid": sid, "AccountSid": ACCOUNT_SID, "From": resident,
            "To": SERVICE_NUMBER, "Body": TEXTS[n % len(TEXTS)], "NumMedia": "0",
            "ApiVersion": "2010-04-01",
        }  # fmt: skip
        url = f"{PUBLIC_BASE_URL}/twilio/sms"
        headers = {"X-Twilio-Signature": self._validator.compute_signature(url, params)}
        try:
            response = await client.post("/twilio/sms", data=params, headers=headers)
        except httpx.TransportError:
            self.failed += 1
            return False
        assert response.status_code == 200, response.text  # never a 5xx before the kill
        self.acknowledged.append(sid)
        return True

    async def _sender(self, client: httpx.AsyncClient, sender: int) -> None:
        for n in range(PER_SENDER):  # each resident texts twice, then the next one
            if not await self._text(client, sender, n):
                return  # the service is gone

    async def run(self) -> None:
        limits = httpx.Limits(max_connections=SENDERS)
        async with httpx.AsyncClient(base_url=self.base_url, timeout=10, limits=limits) as client:
            await asyncio.gather(*(self._sender(client, s) for s in range(SENDERS)))


def _kill_when_loaded(load: Load, service: ServiceProcess) -> None:
    """SIGKILL the service once KILL_AFTER messages were acknowledged, mid-load."""
    wait_until(lambda: len(load.acknowledged) >= KILL_AFTER, "the load to be under way")
    service.stop(signal.SIGKILL)


def _run_and_kill(load: Load, service: ServiceProcess) -> None:
    async def both() -> None:
        killer = asyncio.to_thread(_kill_when_loaded, load, service)
        await asyncio.wait_for(asyncio.gather(load.run(), killer), timeout=30)

    asyncio.run(both())


Rows = tuple[set[str], list[tuple[str, str, str]]]


async def _read_rows(url: str) -> Rows:
    runtime = Runtime.create(make_settings(url))
    try:
        async with runtime.sessions() as session:
            sids = await session.scalars(select(InboundRecord.provider_message_id))
            replies = await session.execute(
                select(OutboxMessage.dedupe_key, OutboxMessage.address, OutboxMessage.status).where(
                    OutboxMessage.dedupe_key.like("reply:%")
                )
            )
            return set(sids), [(key, address, str(status)) for key, address, status in replies]
    finally:
        await runtime.close()


def rows(url: str) -> Rows:
    """The inbound log's MessageSids, and the reply rows: (dedupe key, address, status)."""
    return asyncio.run(_read_rows(url))


def _cli(tmp_path: Path, url: str, fake: FakeTwilio, *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=tmp_path, env=_env(url, fake), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def _replied(replies: list[tuple[str, str, str]]) -> set[str]:
    """The MessageSids with a reply row (key reply:sms:<sid>:<index>)."""
    return {key.split(":")[2] for key, _, _ in replies}


def test_a_sigkill_under_load_loses_no_acknowledged_message(
    tmp_path: Path, database_url: str, fake_twilio: FakeTwilio, start: dict[str, ServiceProcess]
) -> None:
    began = time.monotonic()
    _cli(tmp_path, database_url, fake_twilio, "db", "upgrade")
    start["first"] = _serve(tmp_path, database_url, fake_twilio, "first")
    load = Load(start["first"].base_url)
    _run_and_kill(load, start["first"])
    time.sleep(0.3)  # the fake finishes any request the killed process had sent
    sent_before = Counter(m["To"] for m in fake_twilio.messages)

    inbound, replies = rows(database_url)
    acknowledged = set(load.acknowledged)
    assert acknowledged <= inbound, f"acknowledged, not logged: {acknowledged - inbound}"
    assert acknowledged <= _replied(replies), "acknowledged without its reply"
    assert inbound <= _replied(replies), "an inbound row without its replies: half a turn"
    keys = Counter(key for key, _, _ in replies)
    assert not [key for key, times in keys.items() if times > 1], "a reply queued twice"
    waiting = Counter(a for _, a, status in replies if status != OutboxStatus.SENT)

    start["second"] = _serve(tmp_path, database_url, fake_twilio, "second")
    wait_until(
        lambda: all(status == OutboxStatus.SENT for _, _, status in rows(database_url)[1]),
        "every reply sent after the restart",
        timeout=20,
    )
    time.sleep(0.5)  # a few more outbox rounds: nothing goes twice
    sent_after = Counter(m["To"] for m in fake_twilio.messages) - sent_before
    assert sent_after == waiting, "each reply waiting at the crash is delivered once"
    assert rows(database_url)[0] == inbound, "the restart changed no inbound row"
    elapsed = time.monotonic() - began
    print(
        f"SIGKILL after {len(acknowledged)} acknowledged messages "
        f"({load.failed} senders cut off): {len(inbound)} logged, {len(replies)} replies, "
        f"{sum(waiting.values())} delivered after the restart; {elapsed:.1f} s"
    )
    assert elapsed < 45
