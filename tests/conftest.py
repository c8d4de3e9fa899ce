"""Shared fixtures: fresh migrated databases (SQLite, and PostgreSQL when configured), a manual
clock set inside the demo rota, domain units of work and a live HTTP server."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import uvicorn
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import create_app
from bot.runtime import Runtime
from concierge.clock import ManualClock
from concierge.context import DomainContext
from concierge.database import transaction
from concierge.demo import load_demo
from concierge.intake.catalogue import ensure_default_services
from concierge.messages import Channel, IdentityKind
from concierge.migrate import upgrade
from concierge.people.person import ChannelIdentity
from concierge.schema import LIBRARY_TABLES, metadata
from concierge.settings import Settings, load_settings
from concierge.team.operators import Operator

# The Telegram and Twilio fixtures (the fakes, the service on those channels).
pytest_plugins = ("tests.telegram_service", "tests.twilio_service", "tests.browser")

ROME = ZoneInfo("Europe/Rome")
# Monday 23 November 2026, 10:00 in Rome: inside the demo rota (Mon–Sat 8:00–18:00).
MONDAY_MORNING = datetime(2026, 11, 23, 10, 0, tzinfo=ROME)
PG_ENV = "CONCIERGE_TEST_DATABASE_URL"
PG_SKIP = (
    f"{PG_ENV} is not set: the PostgreSQL run of the domain tests is skipped "
    "(.ci/run sets it; export it to run them here)"
)


def make_settings(database_url: str, **overrides: object) -> Settings:
    """Settings for a test, ignoring the developer's .env file."""
    return load_settings(DATABASE_URL=database_url, _env_file=None, **overrides)


async def _migrate_and_seed(url: str) -> None:
    runtime = Runtime.create(make_settings(url))
    try:
        await upgrade(runtime.engine)
        async with transaction(runtime.sessions) as session:
            await ensure_default_services(session)
    finally:
        await runtime.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file with the default catalogue, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    asyncio.run(_migrate_and_seed(f"sqlite+aiosqlite:///{path}"))
    return path


async def _reset_postgres_schema(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()
    await _migrate_and_seed(url)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The PostgreSQL test database, migrated once per run from an empty schema."""
    raw = os.environ.get(PG_ENV)
    if not raw:
        pytest.skip(PG_SKIP)
    url = make_settings(raw).database_url
    asyncio.run(_reset_postgres_schema(url))
    return url


async def truncate_postgres(url: str) -> None:
    """Empty every table and put the default catalogue back."""
    tables = ", ".join([*(t.name for t in metadata().sorted_tables), *LIBRARY_TABLES])
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    await engine.dispose()
    await _migrate_and_seed(url)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """A fresh, migrated database with the default catalogue: SQLite, then PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "concierge.sqlite3"
        shutil.copy(sqlite_template, path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    asyncio.run(truncate_postgres(url))
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """A fresh migrated SQLite database, for tests of the edges that need no second run."""
    path = tmp_path / "concierge.sqlite3"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def clock() -> ManualClock:
    """A clock stopped on a Monday morning inside the rota."""
    return ManualClock(MONDAY_MORNING)


@pytest.fixture
async def runtime(database_url: str, clock: ManualClock) -> AsyncIterator[Runtime]:
    """A runtime on the per-test database."""
    rt = Runtime.create(make_settings(database_url), clock)
    yield rt
    await rt.close()


@dataclass
class Domain:
    """Opens units of work on the test database, as the service does per message."""

    runtime: Runtime

    @property
    def clock(self) -> ManualClock:
        """The test's clock, to move time."""
        clock = self.runtime.clock
        assert isinstance(clock, ManualClock)
        return clock

    @asynccontextmanager
    async def unit(self) -> AsyncIterator[DomainContext]:
        async with self.runtime.unit() as ctx:
            yield ctx


@pytest.fixture
async def domain(runtime: Runtime) -> Domain:
    """Units of work on a fresh database (no demo data)."""
    return Domain(runtime)


@pytest.fixture
async def demo_domain(runtime: Runtime) -> Domain:
    """Units of work on a fresh database holding the demo data."""
    async with transaction(runtime.sessions) as session:
        await load_demo(session, runtime.clock.now())
    return Domain(runtime)


async def _read_value(database_url: str, query: object) -> object:
    runtime = Runtime.create(make_settings(database_url))
    try:
        async with runtime.sessions() as session:
            return await session.scalar(query)  # type: ignore[call-overload]
    finally:
        await runtime.close()


def read_value(database_url: str, query: object) -> object:
    """One value from the database, read from outside the service under test."""
    return asyncio.run(_read_value(database_url, query))


def count_rows(database_url: str, query: object) -> int:
    """One number from the database, read from outside the service under test."""
    return int(read_value(database_url, query) or 0)  # type: ignore[call-overload]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    """The whole ASGI app served by uvicorn on 127.0.0.1, with a manual clock."""

    base_url: str
    clock: ManualClock


async def _load_demo(url: str, now: datetime) -> None:
    runtime = Runtime.create(make_settings(url))
    async with transaction(runtime.sessions) as session:
        await load_demo(session, now, runtime.settings)  # sealed with the keys settings name
    await runtime.close()


async def _giulia_works_on(
    url: str, clock: ManualClock, channel: Channel, telegram_chat: int | None
) -> None:
    runtime = Runtime.create(make_settings(url), clock)
    try:
        async with runtime.unit() as ctx:
            await load_demo(ctx.session, clock.now())
            giulia = await ctx.session.scalar(select(Operator).order_by(Operator.id))
            assert giulia is not None
            if telegram_chat is not None:
                giulia.person.identities.append(
                    ChannelIdentity(kind=IdentityKind.TELEGRAM, address=str(telegram_chat))
                )
            giulia.contact_channel = channel
    finally:
        await runtime.close()


def giulia_works_on(
    url: str, clock: ManualClock, channel: Channel, telegram_chat: int | None = None
) -> None:
    """The demo data, with Giulia (the first operator) working on `channel` (on Telegram,
    from the chat `telegram_chat`)."""
    asyncio.run(_giulia_works_on(url, clock, channel, telegram_chat))


@contextmanager
def serving(database_url: str, clock: ManualClock, **overrides: object) -> Iterator[LiveServer]:
    """The whole app on a free loopback port, with demo data, until the block ends."""
    asyncio.run(_load_demo(database_url, clock.now()))
    # The web chat (a demo tool, off by default) is how most tests speak as people.
    settings = make_settings(
        database_url, **{"OUTBOX_POLL_SECONDS": 0.1, "WEBCHAT_DEMO": True, **overrides}
    )
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(Runtime.create(settings, clock)),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
            timeout_graceful_shutdown=5,
            proxy_headers=True,
            forwarded_allow_ips=settings.forwarded_allow_ips,  # as `concierge serve` does
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", clock)
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@pytest.fixture
def live_server(sqlite_url: str, clock: ManualClock) -> Iterator[LiveServer]:
    """A running service with demo data, stopped after the test."""
    with serving(sqlite_url, clock) as server:
        yield server
