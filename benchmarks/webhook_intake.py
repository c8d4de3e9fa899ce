"""Webhook intake: signed Twilio SMS webhooks from `wrk` (C) against the service started as in
production, and against a bare ASGI echo in the same run (target: ≥ 1,000 messages/s, p99 < 50 ms,
zero errors, on one process with SQLite).

Usage: python benchmarks/webhook_intake.py [--duration 10] [--connections 64] [--residents 5000]
Needs Debian's wrk (`apt-get install wrk`). Everything listens on 127.0.0.1 only.

The service is `concierge serve` on a fresh SQLite file with the demo data, Twilio configured
against the fake REST API of tests/fake_twilio.py (replies go there). Each request is a webhook
signed with Twilio's RequestValidator for the public address, from one of --residents people;
each person's messages walk a real conversation ("pacco domani", then "1" to confirm: a request
is made and offered to an operator); a person's next message is sent only after every other
person's current one, so with far more people than connections a conversation advances in
order. The echo is uvicorn with the service's loop and HTTP parser, reading the body, answering 200.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from shutil import which

from twilio.request_validator import RequestValidator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the fakes live in tests/
from tests.fake_server import served
from tests.fake_twilio import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_BASE_URL,
    SERVICE_NUMBER,
    FakeTwilio,
    fake_app,
)

PATH = "/twilio/sms"
CONVERSATION = ("pacco domani", "1")  # the request, then "1. Confermo"
ECHO = """
import sys, uvicorn
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/xml")]})
    await send({"type": "http.response.body", "body": b"<Response/>"})
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning",
            loop=sys.argv[2], http=sys.argv[3])
"""
LUA_DONE = """
local i = 0
request = function()
  i = i + 1
  return requests[(i - 1) % #requests + 1]
end
done = function(summary, latency, _)
  local e = summary.errors
  io.write(string.format(
    '\\nRESULT {"requests": %d, "seconds": %.3f, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50_ms": %.2f, "p90_ms": %.2f, "p99_ms": %.2f, ' ..
    '"max_ms": %.2f, "distinct": %d}\\n',
    summary.requests, summary.duration / 1e6, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50) / 1e3, latency:percentile(90) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3, #raw))
end
"""


def _lua_string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n") + "'"


def webhooks_script(residents: int, rounds: int, prefix: str = "+39349") -> str:
    """A wrk Lua script posting signed SMS webhooks, round after round over every resident."""
    validator = RequestValidator(AUTH_TOKEN)
    # Formatted in init(), once wrk knows the Host header (HTTP/1.1 requires it).
    lines = ["local raw = {}", "requests = {}", "local function add(body, signature)",
             "  raw[#raw + 1] = {body, signature}", "end",
             "init = function(_)", "  for _, r in ipairs(raw) do",
             "    requests[#requests + 1] = wrk.format('POST', " + _lua_string(PATH) + ", {",
             "      ['Host'] = wrk.headers['Host'],",
             "      ['Content-Type'] = 'application/x-www-form-urlencoded',",
             "      ['X-Twilio-Signature'] = r[2]}, r[1])", "  end", "end"]  # fmt: skip
    from urllib.parse import urlencode

    for number in range(rounds * residents):
        step, resident = divmod(number, residents)
        params = {
            "MessageSid": f"SM{prefix[1:]}{number:026d}", "AccountSid": ACCOUNT_SID,
            "From": f"{prefix}{resident:07d}", "To": SERVICE_NUMBER,
            "Body": CONVERSATION[step % len(CONVERSATION)], "NumMedia": "0",
            "NumSegments": "1", "SmsStatus": "received", "ApiVersion": "2010-04-01",
        }  # fmt: skip
        signature = validator.compute_signature(f"{PUBLIC_BASE_URL}{PATH}", params)
        lines.append(f"add({_lua_string(urlencode(params))}, {_lua_string(signature)})")
    return "\n".join(lines) + LUA_DONE


def free_port() -> int:
    """A port free on loopback now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_listening(port: int, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    """Return once `port` accepts connections; fail if the process died or time ran out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"nothing listened on {port} within {seconds} s")


@contextmanager
def running(command: list[str], port: int, env: dict[str, str]) -> Iterator[int]:
    """Run a server until the block ends; yields its process id."""
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    try:
        wait_listening(port, process)
        yield process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def sampled(pid: int, output: str | None, seconds: int) -> Iterator[None]:
    """With an output file: py-spy samples the process while the block runs (its top functions,
    by own time, in `output`)."""
    if output is None:
        yield
        return
    spy = subprocess.Popen(
        ["py-spy", "record", "--pid", str(pid), "--duration", str(seconds), "--format", "raw",
         "--output", output, "--nonblocking"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield
    finally:
        spy.wait(timeout=seconds + 30)


def rss_mb(pid: int) -> float:
    """The resident memory of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def load(
    port: int, script: Path, args: argparse.Namespace, seconds: int | None = None
) -> dict[str, float]:
    """One wrk run against 127.0.0.1:port; its figures."""
    result = subprocess.run(
        ["wrk", "-t1", f"-c{args.connections}", f"-d{seconds or args.duration}s", "--timeout", "2s",
         "-s", str(script), f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, timeout=args.duration + 60, check=True,
    )  # fmt: skip
    figures: dict[str, float] = json.loads(result.stdout.rpartition("RESULT ")[2])
    figures["per_second"] = figures["requests"] / figures["seconds"]
    figures["errors"] = sum(figures[k] for k in ("connect", "read", "write", "status", "timeout"))
    return figures


def loop_and_parser() -> tuple[str, str]:
    """What `concierge serve` runs on: uvicorn[standard]'s when installed."""
    from importlib.util import find_spec

    return (
        "uvloop" if find_spec("uvloop") else "asyncio",
        "httptools" if find_spec("httptools") else "h11",
    )


def prepare(folder: Path, fake: FakeTwilio) -> dict[str, str]:
    """A migrated SQLite file with the demo data, and the service's environment."""
    env = {
        **os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{folder}/concierge.sqlite3",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_PHONE_NUMBER": SERVICE_NUMBER, "TWILIO_API_BASE": fake.base_url,
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL, "FORWARDED_ALLOW_IPS": "127.0.0.1",
        "SESSION_SECRET": "benchmark-secret-benchmark-secret", "LOG_LEVEL": "WARNING",
    }  # fmt: skip
    for variable in ("TELEGRAM_BOT_TOKEN", "WEBCHAT_DEMO"):
        env.pop(variable, None)
    # The demo's operators work the rota; its published passwords would stop a public service.
    users = [["users", "password", name] for name in ("admin", "paola", "giulia", "marco", "sara")]
    for command in (["db", "upgrade"], ["demo"], *users):
        subprocess.run(
            [sys.executable, "-m", "bot.cli", *command], cwd=folder, check=True,
            env={**env, "CONCIERGE_USER_PASSWORD": "benchmark-password"}, capture_output=True,
        )  # fmt: skip
    return env


def outcome(folder: Path) -> dict[str, int]:
    """What the run left in the database: people, messages taken in, requests made."""
    with sqlite3.connect(folder / "concierge.sqlite3") as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}

        def count(table: str) -> int:
            return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

        return {
            name: count(table)
            for name, table in (("people", "people"), ("requests", "requests"),
                                ("outbox_rows", "outbox"))
            if table in tables
        }  # fmt: skip


def measure(args: argparse.Namespace) -> dict[str, object]:
    """Echo, then service, with the same wrk script; every figure in one dictionary."""
    loop, http = loop_and_parser()
    fake = FakeTwilio()
    with tempfile.TemporaryDirectory() as name, served(fake_app(fake)) as fake.port:
        folder = Path(name)
        env = prepare(folder, fake)
        script = folder / "webhooks.lua"
        script.write_text(webhooks_script(args.residents, args.rounds))
        # Other people, so that the measured run's messages are all new to the service.
        warm_up = folder / "warm_up.lua"
        warm_up.write_text(webhooks_script(args.connections * 4, 1, prefix="+39348"))
        port = free_port()
        echo_command = [sys.executable, "-c", ECHO, str(port), loop, http]
        with running(echo_command, port, env):
            load(port, warm_up, args, seconds=2)
            echo = load(port, script, args)
        port = free_port()  # uvicorn's pure-Python defaults, for comparison
        with running([sys.executable, "-c", ECHO, str(port), "asyncio", "h11"], port, env):
            load(port, warm_up, args, seconds=2)
            pure_echo = load(port, script, args)
        port = free_port()
        serve = [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1",
                 "--port", str(port)]  # fmt: skip
        with running(serve, port, {**env, "PWD": name}) as pid:
            idle = rss_mb(pid)
            load(port, warm_up, args, seconds=2)  # first turns load the dialogues' libraries
            with sampled(pid, args.py_spy, args.duration):
                service = load(port, script, args)
            loaded = rss_mb(pid)
        stored = outcome(folder)
    return {
        "machine": {"cores": os.cpu_count(), "load_average_1min": os.getloadavg()[0]},
        "server": {"loop": loop, "http": http}, "connections": args.connections,
        "duration_s": args.duration, "residents": args.residents, "echo": echo,
        "echo_asyncio_h11": pure_echo,
        "service": service, "ratio_to_echo": service["per_second"] / echo["per_second"],
        "service_rss_mb": {"idle": idle, "after_load": loaded},
        "fake_twilio_messages_sent": len(fake.messages), "database": stored,
    }  # fmt: skip


def table(result: dict[str, object]) -> str:
    """The figures as a short table."""
    rows = []
    for name in ("echo", "echo_asyncio_h11", "service"):
        row = result[name]
        assert isinstance(row, dict)
        rows.append(
            f"{name:<16} {row['per_second']:>10.0f} {row['p50_ms']:>8.1f} {row['p99_ms']:>8.1f}"
            f" {row['errors']:>7.0f}"
        )
    return "\n".join(
        [f"{'what':<16} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}", *rows,
         f"service / echo: {result['ratio_to_echo']:.2%}; target ≥ 1,000/s, p99 < 50 ms, 0 errors"]
    )  # fmt: skip


def main() -> None:
    """Parse the options, run both loads, print JSON and the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of each wrk run")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--residents", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=len(CONVERSATION), help="messages each")
    parser.add_argument("--py-spy", default=None, help="sample the service into this file")
    args = parser.parse_args()
    if which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")
    result = measure(args)
    print(json.dumps(result, indent=2))
    print()
    print(table(result))


if __name__ == "__main__":
    main()
