"""SQLite under load: the writers of one process take turns, so 64 people texting at once all
get a 200 and an answer ("database is locked" never reaches a webhook); a second process on
the same file is refused at start, pointing to PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from concierge.outbox import OutboxMessage
from concierge.people.conversations import InboundRecord
from tests.conftest import count_rows
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE_URL, SERVICE_NUMBER
from tests.twilio_service import Service

SENDERS = 64


async def _text(client: httpx.AsyncClient, n: int) -> tuple[int, float]:
    params = {
        "MessageSid": f"SM{n:032d}", "AccountSid": ACCOUNT_SID, "From": f"+39347{1000000 + n}",
        "To": SERVICE_NUMBER, "Body": "mi serve un pacco ritirato domani alle 10",
        "NumMedia": "0", "ApiVersion": "2010-04-01",
    }  # fmt: skip
    signature = RequestValidator(AUTH_TOKEN).compute_signature(
        f"{PUBLIC_BASE_URL}/twilio/sms", params
    )
    started = time.monotonic()
    response = await client.post(
        "/twilio/sms", data=params, headers={"X-Twilio-Signature": signature}
    )
    return response.status_code, time.monotonic() - started


async def _all_at_once(base_url: str) -> list[tuple[int, float]]:
    limits = httpx.Limits(max_connections=SENDERS)
    async with httpx.AsyncClient(base_url=base_url, timeout=30, limits=limits) as client:
        return await asyncio.gather(*(_text(client, n) for n in range(SENDERS)))


def test_64_people_texting_at_once_are_all_served(on_twilio: Service) -> None:
    server, _, url = on_twilio
    started = time.monotonic()
    results = asyncio.run(_all_at_once(server.base_url))
    elapsed = time.monotonic() - started
    assert [status for status, _ in results] == [200] * SENDERS
    assert elapsed < 30
    durations = sorted(seconds for _, seconds in results)
    print(
        f"{SENDERS} senders: {elapsed:.2f} s in all, p50 {statistics.median(durations):.3f} s, "
        f"p99 {durations[-1]:.3f} s"
    )
    assert count_rows(url, select(func.count(InboundRecord.id))) == SENDERS
    replies = select(func.count(OutboxMessage.id)).where(OutboxMessage.dedupe_key.like("reply:%"))
    assert count_rows(url, replies) >= SENDERS


def test_a_second_process_on_the_same_sqlite_file_is_refused(
    on_twilio: Service, tmp_path: Path
) -> None:
    _, _, url = on_twilio
    env = {**os.environ, "DATABASE_URL": url, "HTTP_PORT": "1", "LANG": "en_GB.UTF-8"}
    for name in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):  # the reader's language: English here
        env.pop(name, None)
    concierge = Path(sys.executable).with_name("concierge")
    second = subprocess.run(
        [str(concierge), "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,  # no developer's .env
    )
    assert second.returncode != 0
    assert "PostgreSQL" in second.stderr, second.stderr
    assert "another process" in second.stderr
