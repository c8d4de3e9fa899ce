"""The promises of the scheduler, kept by real `concierge serve` processes: stopped and started
again on SQLite, and two of them on PostgreSQL where one leads and the other takes over when it
is killed. Real clock, short time-outs; every wait is bounded."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from concierge.requests.request import RequestEvent
from concierge.timers import Timer, TimerKind, TimerStatus
from tests.conftest import _free_port, count_rows, truncate_postgres
from tests.webchat_client import ChatPerson

MARIA, GIULIA, MARCO = "+393402000001", "+393331000001", "+393331000002"
OFFER_TIMEOUT = 10  # the shortest the settings allow
SETTLE = 30.0  # seconds any single wait may take before the test gives up


@dataclass
class ServiceProcess:
    """One `concierge serve` process, its port and its log."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def health(self) -> dict[str, str] | None:
        try:
            response = httpx.get(f"{self.base_url}/healthz", timeout=2)
        except httpx.TransportError:
            return None
        return dict(response.json()) if response.status_code == 200 else None

    def leading(self) -> bool:
        health = self.health()
        return health is not None and health["scheduler"] == "leading"

    def logged(self, fragment: str) -> bool:
        return fragment in self.log.read_text(errors="replace")

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=SETTLE)


def _env(database_url: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.isupper() or k in {"PATH", "HOME"}}
    return {
        **clean,
        "DATABASE_URL": database_url,
        "OFFER_TIMEOUT_SECONDS": str(OFFER_TIMEOUT),
        "LEADER_RETRY_SECONDS": "0.5",
        "SCHEDULER_SYNC_SECONDS": "0.5",
        "OUTBOX_POLL_SECONDS": "0.2",
        "LOG_LEVEL": "INFO",
        "WEBCHAT_DEMO": "true",  # the processes are driven through the demo web chat
    }


def _cli(cwd: Path, database_url: str, *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd, env=_env(database_url), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def wait_until(condition: Callable[[], bool], what: str, timeout: float = SETTLE) -> None:
    """Poll `condition` until it holds; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting: {what}")
        time.sleep(0.1)


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Callable[[str, str], ServiceProcess]]:
    """Starts service processes on a database; kills whatever is left at the end."""
    started: list[ServiceProcess] = []

    def start(database_url: str, name: str) -> ServiceProcess:
        port = _free_port()
        log = tmp_path / f"{name}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)],
                cwd=tmp_path, env=_env(database_url), stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        service = ServiceProcess(process, port, log)
        started.append(service)
        wait_until(lambda: service.health() is not None, f"{name} answering /healthz")
        return service

    yield start
    for service in started:
        service.stop(signal.SIGKILL)


def timed_out_offers(database_url: str) -> int:
    return count_rows(
        database_url,
        select(func.count(RequestEvent.id)).where(RequestEvent.reason == "offer timed out"),
    )


def offer_timers(database_url: str, status: TimerStatus) -> int:
    return count_rows(
        database_url,
        select(func.count(Timer.id)).where(
            Timer.kind == TimerKind.OFFER_TIMEOUT, Timer.status == status
        ),
    )


def _ask_for_a_parcel(base_url: str, *operators: str) -> None:
    """Operators come on duty, then Maria asks for a parcel pick-up: an offer is out."""
    with httpx.Client(base_url=base_url, timeout=10) as http:
        for phone in operators:
            person = ChatPerson(http, phone)
            person.say("in servizio")
            person.expect("servizio")
        maria = ChatPerson(http, MARIA)
        maria.say("un pacco da ritirare")  # no date: it goes out now, not to a later shift
        maria.expect("Confermi?")
        maria.tap("Confermo")
        maria.expect("n. 1")


def test_an_offer_timeout_survives_a_stop_and_start(
    tmp_path: Path, services: Callable[[str, str], ServiceProcess]
) -> None:
    url = f"sqlite:///{tmp_path}/concierge.sqlite3"
    _cli(tmp_path, url, "db", "upgrade")
    _cli(tmp_path, url, "demo")
    first = services(url, "first")
    _ask_for_a_parcel(first.base_url, GIULIA)
    offered_at = time.monotonic()
    first.stop()  # a clean stop, before the offer times out

    wait_until(lambda: time.monotonic() - offered_at > OFFER_TIMEOUT + 1, "the offer's due time")
    assert offer_timers(url, TimerStatus.PENDING) == 1, "nothing runs while the service is down"
    assert timed_out_offers(url) == 0

    second = services(url, "second")
    wait_until(lambda: timed_out_offers(url) == 1, "the missed time-out to run after start")
    assert second.logged("fired")
    time.sleep(2)  # several scheduler rounds: it must not run again
    assert timed_out_offers(url) == 1
    assert offer_timers(url, TimerStatus.FIRED) == 1
    second.stop()


@pytest.mark.postgres
def test_two_processes_one_leader_and_a_takeover_when_it_is_killed(
    tmp_path: Path, services: Callable[[str, str], ServiceProcess], postgres_url: str
) -> None:
    asyncio.run(truncate_postgres(postgres_url))
    url = postgres_url
    _cli(tmp_path, url, "demo")
    first = services(url, "first")
    wait_until(first.leading, "the first process to lead")
    second = services(url, "second")
    for _ in range(10):  # a few of its rounds: the second keeps following
        assert second.health() == {"status": "ok", "scheduler": "following"}
        time.sleep(0.2)

    # Giulia and Marco on duty: the first offer times out and passes to the other one.
    _ask_for_a_parcel(second.base_url, GIULIA, MARCO)
    wait_until(lambda: timed_out_offers(url) == 1, "the first time-out, run by the leader")
    assert first.logged("fired") and not second.logged("fired")
    assert offer_timers(url, TimerStatus.PENDING) == 1, "the offer passed to the next operator"

    first.stop(signal.SIGKILL)  # a crash: no clean release of the lock
    wait_until(second.leading, "the second process to take over")
    wait_until(lambda: timed_out_offers(url) == 2, "the second time-out, run by the new leader")
    assert second.logged("fired")
    time.sleep(2)
    assert timed_out_offers(url) == 2
    assert offer_timers(url, TimerStatus.FIRED) == 2
