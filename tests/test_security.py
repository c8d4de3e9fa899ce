"""Issue 16 tried as an attacker would, over HTTP, on SQLite and PostgreSQL: the web chat is a
demo only, phone numbers stay out of URLs and the access log, log-in guessing is slowed where it
comes from without locking anyone out, and a public service shows no docs and no demo passwords."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from sqlalchemy import func, select

from bot.runtime import Runtime
from bot.security import CONTENT_SECURITY_POLICY, redact_phones
from concierge.clock import ManualClock
from concierge.demo import DEMO_PASSWORD
from concierge.outbox import OutboxMessage
from concierge.team.login_throttle import LoginFailures
from concierge.team.users import set_password
from tests.browser import expect, new_page
from tests.conftest import LiveServer, _load_demo, count_rows, make_settings, serving
from tests.dashboard_client import Staff, staff
from tests.test_cli import concierge
from tests.webchat_client import ChatPerson

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.security

MARIA, GIULIA = "+393402000001", "+393331000001"
ATTACKER, PAOLA_AT_HOME = "203.0.113.5", "198.51.100.7"
DEMO_USERS = "acme-hr, admin, giulia, marco, paola, sara"


def _from(server: LiveServer, address: str) -> Staff:
    """A browser at `address`, as the trusted proxy in front of the service reports it."""
    member = staff(server.base_url)
    member.client.headers["X-Forwarded-For"] = address
    return member


# 1. The web chat is a demo tool.


def test_without_the_demo_setting_the_web_chat_does_not_exist(
    database_url: str, clock: ManualClock
) -> None:
    with serving(database_url, clock, WEBCHAT_DEMO=False) as server:
        http = httpx.Client(base_url=server.base_url, timeout=10)
        assert http.get("/chat").status_code == 404
        assert http.get("/chat/api/people").status_code == 404
        message = {"address": GIULIA, "message_id": "attacker-1", "text": "in servizio"}
        assert http.post("/chat/api/messages", json=message).status_code == 404
        reading = http.get("/chat/api/messages", headers={"X-Chat-Address": GIULIA})
        assert reading.status_code == 404
        home = http.get("/")
        assert home.status_code == 307 and home.headers["location"] == "/dashboard"
        assert http.get("/", follow_redirects=True).url.path == "/dashboard/login"
    # Nothing was done as Giulia: nothing was written to her.
    assert count_rows(database_url, select(func.count(OutboxMessage.id))) == 0


def test_no_phone_number_in_a_url_nor_in_the_access_log(
    database_url: str, clock: ManualClock
) -> None:
    access = logging.getLogger("uvicorn.access")
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    keep = Keep()
    with serving(database_url, clock) as server:
        level = access.level
        access.setLevel(logging.INFO)
        access.addHandler(keep)
        try:
            with httpx.Client(base_url=server.base_url, timeout=10) as http:
                maria = ChatPerson(http, MARIA)
                assert maria.say("pacco oggi").status_code == 202
                maria.expect("Ho capito")
                # An old page (or a curious person) putting the number in the URL is refused,
                # and the number does not reach the log either.
                old = http.get("/chat/api/messages", params={"address": "+39 340 200 0001"})
                assert old.status_code == 422
        finally:
            access.removeHandler(keep)
            access.setLevel(level)
    assert any("/chat/api/messages" in line for line in lines), lines
    for line in lines:
        path = line.split('"')[1] if '"' in line else line
        assert not re.search(r"\d{7,}|340", path.replace("%20", "")), line


def test_phone_like_digits_are_masked_but_addresses_and_ids_stay() -> None:
    assert redact_phones("/x?address=%2B39%20340%20200%200001") == "/x?address=[phone]"
    assert redact_phones("/x?a=+393402000001&b=3402000001") == "/x?a=[phone]&b=[phone]"
    for kept in ("/dashboard/requests/12?after=345", "/dashboard/rota?week=2026-11-23"):
        assert redact_phones(kept) == kept


# 4. Log-in throttling that cannot lock people out.


def test_guessing_is_slowed_for_the_guesser_only(database_url: str, clock: ManualClock) -> None:
    with serving(database_url, clock) as server:
        attacker = _from(server, ATTACKER)
        for attempt in range(5):
            assert attacker.log_in("paola", f"guess-{attempt}").status_code == 401
        resting = attacker.log_in("paola")  # even the right password waits, from there
        assert resting.status_code == 429
        assert resting.headers["Retry-After"] == "30"
        assert "riprova tra 30 secondi" in resting.text
        # Paola, from home, logs in with her password: the guesses do not lock her out.
        assert _from(server, PAOLA_AT_HOME).log_in("paola").status_code == 303
        # Each further guess doubles the wait; waiting it out lets the guesser try once more.
        clock.advance(timedelta(seconds=31))
        assert attacker.log_in("paola", "guess-5").status_code == 401
        assert attacker.log_in("paola").headers["Retry-After"] == "60"
        clock.advance(timedelta(seconds=61))
        assert attacker.log_in("paola").status_code == 303  # the right one, once allowed


def test_parallel_guesses_do_not_slip_through_together(
    database_url: str, clock: ManualClock
) -> None:
    with serving(database_url, clock) as server:
        guessers = [_from(server, ATTACKER) for _ in range(12)]
        tokens = [guesser.token() for guesser in guessers]

        def guess(n: int) -> int:
            form = {"username": "giulia", "password": f"guess-{n}", "csrf_token": tokens[n]}
            return guessers[n].client.post("/dashboard/login", data=form).status_code

        with ThreadPoolExecutor(max_workers=12) as pool:
            answers = sorted(pool.map(guess, range(12)))
        assert answers == [401] * 5 + [429] * 7  # five free tries, not twelve


def test_spraying_one_password_over_many_names_is_slowed(
    database_url: str, clock: ManualClock
) -> None:
    with serving(database_url, clock) as server:
        sprayer = _from(server, ATTACKER)
        names = [f"user{n}" for n in range(20)]
        assert all(sprayer.log_in(name, "Password1").status_code == 401 for name in names)
        refused = sprayer.log_in("marco", "Password1")
        assert refused.status_code == 429 and "30 secondi" in refused.text
        assert _from(server, PAOLA_AT_HOME).log_in("marco").status_code == 303


def test_the_count_is_in_the_database_not_in_one_process(
    database_url: str, clock: ManualClock
) -> None:
    with serving(database_url, clock) as first:
        attacker = _from(first, ATTACKER)
        for attempt in range(5):
            assert attacker.log_in("admin", f"guess-{attempt}").status_code == 401
    keys = select(func.count(LoginFailures.key)).where(LoginFailures.key.contains(ATTACKER))
    assert count_rows(database_url, keys) == 2  # per name and address, per address
    with serving(database_url, clock) as second:  # another process, or a restart
        assert _from(second, ATTACKER).log_in("admin").status_code == 429
        assert _from(second, PAOLA_AT_HOME).log_in("admin").status_code == 303


def test_forwarded_addresses_count_only_from_a_trusted_proxy(
    database_url: str, clock: ManualClock
) -> None:
    with serving(database_url, clock, FORWARDED_ALLOW_IPS="10.9.9.9") as server:
        for attempt in range(5):  # a new made-up address each time: all counted as one
            liar = _from(server, f"192.0.2.{attempt}")
            assert liar.log_in("sara", f"guess-{attempt}").status_code == 401
        assert _from(server, "192.0.2.99").log_in("sara").status_code == 429


# 5. Production posture.


def test_no_api_docs_and_protective_headers(database_url: str, clock: ManualClock) -> None:
    with serving(database_url, clock, WEBCHAT_DEMO=False) as server:
        http = httpx.Client(base_url=server.base_url, timeout=10)
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert http.get(path).status_code == 404, path
        paola = staff(server.base_url)
        assert paola.log_in("paola").status_code == 303
        for path in ("/dashboard/login", "/dashboard", "/dashboard/numbers", "/nowhere"):
            page = paola.client.get(path)
            assert page.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, path
            assert "'unsafe-inline'" not in page.headers["Content-Security-Policy"]
            assert page.headers["X-Frame-Options"] == "DENY"
            assert page.headers["Referrer-Policy"] == "same-origin"
            assert page.headers["X-Content-Type-Options"] == "nosniff"
            for script in re.findall(r"<script[^>]*>", page.text):  # no inline script to run
                assert "src=" in script or 'type="application/json"' in script, (path, script)


def test_api_docs_stay_off_on_a_public_service(database_url: str, clock: ManualClock) -> None:
    public = {"API_DOCS": True, "PUBLIC_BASE_URL": "https://concierge.example.org"}
    with serving(database_url, clock, **public) as server:
        assert httpx.get(f"{server.base_url}/openapi.json").status_code == 404
    with serving(database_url, clock, API_DOCS=True) as server:  # asked for, on a local run
        assert httpx.get(f"{server.base_url}/openapi.json").status_code == 200


@pytest.fixture
def demo_database(
    database_url: str, clock: ManualClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    """The database with the demo loaded: five dashboard users with the published password.

    The demo's notes are sealed; the commands run elsewhere must open them with the same key
    (beside a SQLite file it is found; for PostgreSQL it is named, as in production)."""
    monkeypatch.setenv("SEALING_KEY_FILE", str(tmp_path / "sealing.key"))
    asyncio.run(_load_demo(database_url, clock.now()))
    return database_url


async def _change_passwords(database_url: str, names: list[str]) -> None:
    runtime = Runtime.create(make_settings(database_url))
    try:
        async with runtime.unit() as ctx:
            for name in names:
                await set_password(ctx, name, f"{name}-long-secret")
    finally:
        await runtime.close()


def change_passwords(database_url: str, *names: str) -> None:
    """Give these users their own passwords (as `concierge users password` does)."""
    asyncio.run(_change_passwords(database_url, list(names)))


@contextmanager
def _serve(tmp_path: Path, url: str, **env: str) -> Iterator[str]:
    """`concierge serve` on a free port: what it printed once past its checks (or stopped)."""
    kept = ("PATH", "SEALING_KEY_FILE")  # the key that sealed the demo's notes
    clean = {k: v for k, v in os.environ.items() if not k.isupper() or k in kept}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--port", "0"],
        cwd=tmp_path, env={**clean, "DATABASE_URL": url, **env},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    seen = ""
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            seen += line
            if not line or "Dashboard:" in line:
                break
        yield seen
    finally:
        process.kill()
        process.wait(timeout=10)


PUBLIC = {"PUBLIC_BASE_URL": "https://concierge.example.org", "SESSION_SECRET": "s" * 32}
ENGLISH = {"LANG": "en_GB.UTF-8"}  # the lines below are read in English


def test_serve_refuses_demo_passwords_on_https(demo_database: str, tmp_path: Path) -> None:
    refused = concierge("serve", cwd=tmp_path, DATABASE_URL=demo_database, **PUBLIC, **ENGLISH)
    assert refused.returncode == 2
    [line] = [text for text in refused.stderr.splitlines() if text.startswith("Error:")]
    assert "demo password" in line and DEMO_USERS in line
    assert "concierge users password NAME" in line

    demo_chat = concierge(
        "serve", cwd=tmp_path, DATABASE_URL=demo_database, WEBCHAT_DEMO="true", **PUBLIC,
        **ENGLISH,
    )  # fmt: skip
    assert demo_chat.returncode == 2 and "Error: WEBCHAT_DEMO is on" in demo_chat.stderr

    change_passwords(demo_database, "acme-hr", "admin", "paola", "giulia", "marco")
    refused = concierge("serve", cwd=tmp_path, DATABASE_URL=demo_database, **PUBLIC, **ENGLISH)
    assert refused.returncode == 2 and ": sara;" in refused.stderr

    def password(name: str, new: str) -> subprocess.CompletedProcess[str]:
        return concierge(
            "users", "password", name, cwd=tmp_path, DATABASE_URL=demo_database,
            CONCIERGE_USER_PASSWORD=new, **ENGLISH,
        )  # fmt: skip

    short = password("sara", "short")
    assert short.returncode == 2 and "at least 8 characters" in short.stderr
    nobody = password("mallory", "long-enough-1")
    assert nobody.returncode == 2 and "no user named mallory" in nobody.stderr
    changed = password("sara", "sara-long-secret")
    assert changed.returncode == 0 and "Password of sara changed." in changed.stdout
    with _serve(tmp_path, demo_database, **PUBLIC, **ENGLISH) as printed:
        assert "Dashboard:" in printed and "Web chat" not in printed


def test_doctor_lists_what_to_do_then_is_ready(demo_database: str, tmp_path: Path) -> None:
    demo = concierge(
        "doctor", cwd=tmp_path, DATABASE_URL=demo_database, WEBCHAT_DEMO="true", **ENGLISH
    )
    assert demo.returncode == 1
    misses = [line for line in demo.stdout.splitlines() if line.startswith("[!!]")]
    assert any("https" in line and "PUBLIC_BASE_URL=https://" in line for line in misses)
    assert any("SESSION_SECRET" in line for line in misses)
    assert any("WEBCHAT_DEMO" in line for line in misses)
    assert any("TELEGRAM_BOT_TOKEN" in line for line in misses)
    assert any(f"change {DEMO_USERS} with `concierge users password" in m for m in misses)
    if demo_database.startswith("sqlite"):
        assert any(".backup" in line for line in misses)

    change_passwords(demo_database, *DEMO_USERS.split(", "))
    if demo_database.startswith("sqlite"):
        database = Path(demo_database.split("///", 1)[1])
        (database.parent / f"{database.stem}-backup.sqlite3").write_bytes(database.read_bytes())
    # In production the key that sealed the notes is named (SEALING_KEYS), not left in a file.
    keys = (tmp_path / "sealing.key").read_text().strip()
    ready = concierge(
        "doctor", cwd=tmp_path, DATABASE_URL=demo_database, TELEGRAM_BOT_TOKEN="123:abc",
        SEALING_KEYS=keys, **PUBLIC,
    )  # fmt: skip
    assert ready.returncode == 0, ready.stdout
    assert ready.stdout.strip().endswith("Pronto.")  # no locale: DEFAULT_LANGUAGE, Italian
    assert "[!!]" not in ready.stdout


@pytest.mark.browser
def test_in_a_browser_the_pages_break_no_rule_and_injected_script_does_not_run(
    live_server: LiveServer, browser: Browser
) -> None:
    page = new_page(browser)
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    base = live_server.base_url
    page.goto(f"{base}/chat")
    expect(page.locator("#resident select option")).not_to_have_count(1)  # chat.js ran
    page.goto(f"{base}/dashboard/login")
    page.get_by_label("Nome utente").fill("paola")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Accedi").click()
    page.goto(f"{base}/dashboard/numbers")
    expect(page.locator("canvas").first).to_be_visible()  # the charts' script ran
    assert refused == []
    # Markup slipped into the page (as a stored text might be) runs no script.
    page.evaluate(
        """document.body.insertAdjacentHTML("beforeend",
        '<img src="/nowhere" onerror="window.pwned = 1"><script>window.pwned = 2</script>')"""
    )
    page.wait_for_timeout(300)
    assert page.evaluate("window.pwned") is None
    assert any("Content Security" in text for text in refused)
