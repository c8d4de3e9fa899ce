"""Webhook intake: signed Twilio SMS webhooks from `wrk` (C) against the service started as in
production, and against a bare ASGI echo in the same run (target: ≥ 1,000 messages/s, p99 < 50 ms,
zero errors, on one process with SQLite).

Usage: python benchmarks/webhook_intake.py [--duration 10] [--connections 64] [--residents 5000]
Needs Debian's wrk (`apt-get install wrk`). Everything listens on 127.0.0.1 only.

The service is `concierge serve` on a fresh SQLite file (or --database-url, PostgreSQL, emptied
first; --processes N: N services on their own ports, the people and connections shared among
them) with the demo data, Twilio and Telegram (webhook mode) configured against the fakes of
tests/ (replies go there). Each request is a webhook signed with Twilio's RequestValidator for
the public address, or a Telegram update with the webhook's secret token (every other person;
not with --sms-only), from one of --residents people;
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
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from shutil import which
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the fakes live in tests/
from bot.telegram.webhook import SECRET_HEADER
from tests.fake_server import served
from tests.fake_telegram import FakeTelegram
from tests.fake_telegram import fake_app as fake_telegram_app
from tests.fake_twilio import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_BASE_URL,
    SERVICE_NUMBER,
    FakeTwilio,
    fake_app,
)
from tests.telegram_service import TOKEN as TELEGRAM_TOKEN

PATH = "/twilio/sms"
TELEGRAM_PATH = "/telegram/webhook"
TELEGRAM_SECRET = "benchmark-webhook-secret"
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


def _sms(number: int, resident: int, prefix: str, text: str) -> tuple[str, str, str, str, str]:
    """A Twilio SMS webhook, signed for the public address: path, body, header, value, type."""
    params = {
        "MessageSid": f"SM{prefix[1:]}{number:026d}", "AccountSid": ACCOUNT_SID,
        "From": f"{prefix}{resident:07d}", "To": SERVICE_NUMBER, "Body": text, "NumMedia": "0",
        "NumSegments": "1", "SmsStatus": "received", "ApiVersion": "2010-04-01",
    }  # fmt: skip
    signature = RequestValidator(AUTH_TOKEN).compute_signature(f"{PUBLIC_BASE_URL}{PATH}", params)
    form = "application/x-www-form-urlencoded"
    return PATH, urlencode(params), "X-Twilio-Signature", signature, form


def _telegram(number: int, resident: int, prefix: str, text: str) -> tuple[str, str, str, str, str]:
    """A Telegram update to the webhook, with its secret token: path, body, header, value, type."""
    chat = int(prefix[1:]) * 10_000_000 + resident  # a private chat per person
    person = {"id": chat, "is_bot": False, "first_name": "Anna"}
    update = {
        "update_id": number + 1,
        "message": {"message_id": number + 1, "date": int(time.time()), "text": text,
                    "chat": {"id": chat, "type": "private", "first_name": "Anna"}, "from": person},
    }  # fmt: skip
    return TELEGRAM_PATH, json.dumps(update), SECRET_HEADER, TELEGRAM_SECRET, "application/json"


def webhooks_script(
    residents: int, rounds: int, prefix: str = "+39349", telegram: bool = True, first: int = 0
) -> str:
    """A wrk Lua script posting webhooks, round after round over every resident (numbered from
    `first`): signed Twilio SMS, and with `telegram` every other person writes on Telegram."""
    # Formatted in init(), once wrk knows the Host header (HTTP/1.1 requires it).
    lines = ["local raw = {}", "requests = {}", "local function add(path, body, name, value, kind)",
             "  raw[#raw + 1] = {path, body, name, value, kind}", "end",
             "init = function(_)", "  for _, r in ipairs(raw) do",
             "    requests[#requests + 1] = wrk.format('POST', r[1], {",
             "      ['Host'] = wrk.headers['Host'], ['Content-Type'] = r[5], [r[3]] = r[4]}, r[2])",
             "  end", "end"]  # fmt: skip
    for number in range(rounds * residents):
        step, index = divmod(number, residents)
        resident = first + index
        text = CONVERSATION[step % len(CONVERSATION)]
        made = _telegram if telegram and resident % 2 else _sms
        request = made(first * rounds + number, resident, prefix, text)
        lines.append(f"add({', '.join(_lua_string(part) for part in request)})")
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
    # In the folder of the database's set-up: the sealing key (var/) is found there.
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, cwd=env.get("PWD"))
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


def cpu_seconds(pid: int) -> float:
    """The CPU time a process used so far (user and system), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def peak_rss(pids: list[int]) -> Iterator[list[float]]:
    """The highest resident memory of each process while the block runs (sampled 5 times a s)."""
    peaks = [rss_mb(pid) for pid in pids]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            for index, pid in enumerate(pids):
                peaks[index] = max(peaks[index], rss_mb(pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield peaks
    finally:
        done.set()
        sampler.join()


def _wrk(port: int, script: Path, connections: int, seconds: int) -> list[str]:
    return ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "2s",
            "-s", str(script), f"http://127.0.0.1:{port}"]  # fmt: skip


def load(
    targets: list[tuple[int, Path]], args: argparse.Namespace, seconds: int | None = None
) -> dict[str, float]:
    """wrk against each (port, script) at once, the connections shared among them; the figures
    summed (requests, errors) or the worst of them (latencies)."""
    each = max(1, args.connections // len(targets))
    runs = [
        subprocess.Popen(
            _wrk(port, script, each, seconds or args.duration), stdout=subprocess.PIPE, text=True
        )
        for port, script in targets
    ]
    outputs = [run.communicate(timeout=args.duration + 60)[0] for run in runs]
    parts = [json.loads(output.rpartition("RESULT ")[2]) for output in outputs]
    figures: dict[str, float] = {
        key: sum(part[key] for part in parts)
        for key in ("requests", "connect", "read", "write", "status", "timeout")
    }
    for key in ("seconds", "p50_ms", "p90_ms", "p99_ms", "max_ms"):
        figures[key] = max(part[key] for part in parts)
    figures["per_second"] = sum(part["requests"] / part["seconds"] for part in parts)
    figures["errors"] = sum(figures[k] for k in ("connect", "read", "write", "status", "timeout"))
    return figures


def loop_and_parser() -> tuple[str, str]:
    """What `concierge serve` runs on: uvicorn[standard]'s when installed."""
    from importlib.util import find_spec

    return (
        "uvloop" if find_spec("uvloop") else "asyncio",
        "httptools" if find_spec("httptools") else "h11",
    )


def _fresh_postgresql(url: str) -> None:
    """An empty schema in the benchmark's PostgreSQL database (everything in it is dropped)."""
    import psycopg

    plain = url.replace("postgresql+asyncpg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as db:
        db.execute("DROP SCHEMA public CASCADE")
        db.execute("CREATE SCHEMA public")


def prepare(
    folder: Path, twilio: FakeTwilio, telegram: FakeTelegram | None, database_url: str | None
) -> dict[str, str]:
    """A migrated database with the demo data (a fresh SQLite file, or the PostgreSQL database
    emptied first), and the service's environment."""
    if database_url is not None:
        _fresh_postgresql(database_url)
    env = {
        **os.environ,
        "DATABASE_URL": database_url or f"sqlite+aiosqlite:///{folder}/concierge.sqlite3",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_PHONE_NUMBER": SERVICE_NUMBER, "TWILIO_API_BASE": twilio.base_url,
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL, "FORWARDED_ALLOW_IPS": "127.0.0.1",
        "SESSION_SECRET": "benchmark-secret-benchmark-secret", "LOG_LEVEL": "WARNING",
    }  # fmt: skip
    for variable in ("TELEGRAM_BOT_TOKEN", "WEBCHAT_DEMO"):
        env.pop(variable, None)
    if telegram is not None:
        env |= {
            "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN, "TELEGRAM_MODE": "webhook",
            "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET, "TELEGRAM_API_BASE": telegram.base_url,
        }  # fmt: skip
    # The demo's operators work the rota; its published passwords would stop a public service.
    # (acme-hr: the demo's company user, added after this script was written.)
    names = ("admin", "paola", "giulia", "marco", "sara", "acme-hr")
    users = [["users", "password", name] for name in names]
    for command in (["db", "upgrade"], ["demo"], *users):
        subprocess.run(
            [sys.executable, "-m", "bot.cli", *command], cwd=folder, check=True,
            env={**env, "CONCIERGE_USER_PASSWORD": "benchmark-password"}, capture_output=True,
        )  # fmt: skip
    return env


def outcome(database_url: str) -> dict[str, int]:
    """What the run left in the database: people, messages taken in, requests made."""
    from sqlalchemy import create_engine, inspect, text

    url = database_url.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg")
    if url.startswith("postgresql://"):
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url)
    try:
        with engine.connect() as db:
            tables = set(inspect(db).get_table_names())
            return {
                name: int(db.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
                for name, table in (("people", "people"), ("messages_in", "inbound_messages"),
                                    ("requests", "requests"), ("outbox_rows", "outbox"))
                if table in tables
            }  # fmt: skip
    finally:
        engine.dispose()


def scripts(folder: Path, args: argparse.Namespace) -> tuple[list[Path], list[Path]]:
    """The measured and the warm-up scripts of each service process (disjoint people)."""
    measured, warm_ups = [], []
    telegram = not args.sms_only
    for part in range(args.processes):
        share, warm_share = args.residents // args.processes, args.connections * 4 // args.processes
        script, warm_up = folder / f"webhooks{part}.lua", folder / f"warm_up{part}.lua"
        script.write_text(
            webhooks_script(share, args.rounds, telegram=telegram, first=part * share)
        )
        # Other people, so that the measured run's messages are all new to the service.
        warm_up.write_text(
            webhooks_script(warm_share, 1, "+39348", telegram=telegram, first=part * warm_share)
        )
        measured.append(script)
        warm_ups.append(warm_up)
    return measured, warm_ups


def echo_run(env: dict[str, str], args: argparse.Namespace, loop: str, http: str,
             script: Path, warm_up: Path) -> dict[str, float]:  # fmt: skip
    """The bare ASGI echo under the same load (one process)."""
    port = free_port()
    with running([sys.executable, "-c", ECHO, str(port), loop, http], port, env) as pid:
        load([(port, warm_up)], args, seconds=2)
        before = cpu_seconds(pid)
        figures = load([(port, script)], args)
        figures["cpu_ms_per_request"] = 1000 * (cpu_seconds(pid) - before) / figures["requests"]
    return figures


def service_run(
    env: dict[str, str], args: argparse.Namespace, measured: list[Path], warm_ups: list[Path]
) -> dict[str, object]:
    """`concierge serve`, one process or several on their own ports, under the load."""
    ports = [free_port() for _ in measured]
    serve = [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port"]
    with ExitStack() as stack:
        pids = [stack.enter_context(running([*serve, str(port)], port, env)) for port in ports]
        idle = [rss_mb(pid) for pid in pids]
        load(list(zip(ports, warm_ups, strict=True)), args, seconds=2)  # libraries load
        before = [cpu_seconds(pid) for pid in pids]
        with peak_rss(pids) as peaks, sampled(pids[0], args.py_spy, args.duration):
            figures = load(list(zip(ports, measured, strict=True)), args)
        used = sum(cpu_seconds(pid) - was for pid, was in zip(pids, before, strict=True))
        figures["cpu_ms_per_request"] = 1000 * used / max(figures["requests"], 1)
        after = [rss_mb(pid) for pid in pids]
    return {"figures": figures, "rss_mb": {"idle": idle, "peak_under_load": peaks,
                                           "after_load": after}}  # fmt: skip


def measure(args: argparse.Namespace) -> dict[str, object]:
    """Echo, then service, with the same wrk script; every figure in one dictionary."""
    loop, http = loop_and_parser()
    twilio, telegram = FakeTwilio(), None if args.sms_only else FakeTelegram()
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        twilio.port = stack.enter_context(served(fake_app(twilio)))
        if telegram is not None:
            telegram.port = stack.enter_context(served(fake_telegram_app(telegram)))
        env = prepare(folder, twilio, telegram, args.database_url)
        measured, warm_ups = scripts(folder, args)
        whole = folder / "whole.lua"  # the echo takes every person's messages
        whole.write_text(
            webhooks_script(args.residents, args.rounds, telegram=telegram is not None)
        )
        echo = echo_run(env, args, loop, http, whole, warm_ups[0])
        pure_echo = echo_run(env, args, "asyncio", "h11", whole, warm_ups[0]) if args.pure else None
        service = service_run({**env, "PWD": str(folder)}, args, measured, warm_ups)
        stored = outcome(env["DATABASE_URL"])
    figures = service["figures"]
    assert isinstance(figures, dict)
    return {
        "machine": {"cores": os.cpu_count(), "load_average_1min": os.getloadavg()[0]},
        "server": {"loop": loop, "http": http}, "connections": args.connections,
        "processes": args.processes, "database": "postgresql" if args.database_url else "sqlite",
        "channels": ["sms"] if telegram is None else ["sms", "telegram"],
        "duration_s": args.duration, "residents": args.residents, "echo": echo,
        **({"echo_asyncio_h11": pure_echo} if pure_echo else {}), "service": figures,
        "ratio_to_echo": figures["per_second"] / echo["per_second"],
        "service_rss_mb": service["rss_mb"],
        "sent": {"sms": len(twilio.messages),
                 "telegram": len(telegram.sent) if telegram else 0},
        "stored": stored,
    }  # fmt: skip


def table(result: dict[str, object]) -> str:
    """The figures as a short table."""
    rows = []
    for name in ("echo", "echo_asyncio_h11", "service"):
        row = result.get(name)
        if not isinstance(row, dict):
            continue
        rows.append(
            f"{name:<16} {row['per_second']:>10.0f} {row['p50_ms']:>8.1f} {row['p99_ms']:>8.1f}"
            f" {row['errors']:>7.0f} {row['cpu_ms_per_request']:>9.2f}"
        )
    rss = result["service_rss_mb"]
    return "\n".join(
        [f"{'what':<16} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'CPU ms/r':>9}",
         *rows,
         f"service / echo: {result['ratio_to_echo']:.2%}; target ≥ 1,000/s, p99 < 50 ms, 0 errors",
         f"service RSS MB: {rss}; stored: {result['stored']}",
         f"load average {result['machine']['load_average_1min']:.1f}"]  # type: ignore[index]
    )  # fmt: skip


def main() -> None:
    """Parse the options, run the loads, print JSON and the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of each wrk run")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--residents", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=len(CONVERSATION), help="messages each")
    parser.add_argument("--sms-only", action="store_true", help="no Telegram updates")
    parser.add_argument("--database-url", default=None, help="PostgreSQL (emptied first!)")
    parser.add_argument("--processes", type=int, default=1, help="service processes")
    parser.add_argument("--pure", action="store_true", help="also the asyncio + h11 echo")
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
