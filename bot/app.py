"""The ASGI app: the coordinators' dashboard, the outbox sender and the scheduler, and the
channels whose settings are present, built from one registry (`CHANNELS`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from bot.channels import ChannelFactory, ChannelParts, OnInbound
from bot.dashboard.setup import install_dashboard
from bot.log_privacy import install_log_masking
from bot.outbox_sender import OutboxSender
from bot.runtime import Runtime, hold_sqlite_file, release_sqlite_file
from bot.security import SecurityHeaders, keep_phones_out_of_access_log
from bot.telegram.setup import telegram_channel
from bot.twilio.setup import twilio_channel
from bot.webchat.channel import webchat_channel
from concierge.i18n import catalogue
from concierge.intake.understanding import understand
from concierge.messages import Inbound
from handlers.inbound import Handled, handle_inbound
from scheduling.service import SchedulingService

STATIC_DIR = Path(__file__).parent / "static"

# Every channel the service can speak on: one factory each, deciding from the settings.
CHANNELS: tuple[ChannelFactory, ...] = (
    webchat_channel,
    telegram_channel,
    twilio_channel,
)


def inbound_handler(runtime: Runtime, after_commit: Callable[[], None]) -> OnInbound:
    """The one way in: a turn in the dialogue layer, then the outbox and the timers woken."""

    async def on_inbound(inbound: Inbound) -> Handled:
        handled = await handle_inbound(runtime.sessions, runtime.clock, runtime.settings, inbound)
        after_commit()
        return handled

    return on_inbound


def build_channels(
    runtime: Runtime, on_inbound: OnInbound, wake: Callable[[], None]
) -> list[ChannelParts]:
    """The configured channels, in the registry's order."""
    built = (factory(runtime, on_inbound, wake) for factory in CHANNELS)
    return [parts for parts in built if parts is not None]


def _warm_up(runtime: Runtime) -> None:
    for language in ("it", "en"):
        catalogue(language)  # read the catalogues once, before the first message
    # dateparser loads its language data on first use (~100 ms): not on a person's message.
    understand("domani alle 10, tomorrow at 10", runtime.clock.now(), runtime.settings.zone)


def _lifespan(
    runtime: Runtime, channels: list[ChannelParts]
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Start the sender, the scheduler and the channels; stop them in the reverse order."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        hold_sqlite_file(runtime.settings)  # a second process on the file is refused here
        _warm_up(runtime)
        app.state.outbox_sender.start()
        app.state.scheduling.start()
        for parts in channels:
            if parts.start is not None:
                parts.start()
        try:
            yield
        finally:
            for parts in channels:
                if parts.stop is not None:
                    await parts.stop()
            await app.state.watch.close()
            await app.state.scheduling.stop()
            await app.state.outbox_sender.stop()
            await runtime.close()
            release_sqlite_file(runtime.settings)

    return lifespan


def create_app(runtime: Runtime) -> FastAPI:
    """The whole HTTP face of the service, delivering its outbox while it runs."""
    install_log_masking()
    scheduling = SchedulingService(runtime.settings, runtime.clock)
    woken: list[Callable[[], None]] = [scheduling.wake]

    def after_commit() -> None:
        for wake in woken:
            wake()

    on_inbound = inbound_handler(runtime, after_commit)
    channels = build_channels(runtime, on_inbound, after_commit)
    sender = OutboxSender(runtime, {c: s for parts in channels for c, s in parts.senders.items()})
    woken.insert(0, sender.wake)

    # Off unless asked for, and never on a public (https) service: they map every route.
    docs = runtime.settings.api_docs and not runtime.settings.is_public
    app = FastAPI(
        title="Neighbourhood concierge",
        lifespan=_lifespan(runtime, channels),
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.add_middleware(SecurityHeaders, exempt=frozenset({"/docs", "/redoc"}))
    keep_phones_out_of_access_log()
    app.state.runtime = runtime
    app.state.on_inbound = on_inbound
    app.state.outbox_sender = sender
    app.state.scheduling = scheduling
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.state.watch = install_dashboard(app, runtime, after_commit)
    for parts in channels:
        for router in parts.routers:
            app.include_router(router)

    @app.get("/", include_in_schema=False)
    async def home() -> RedirectResponse:
        return RedirectResponse("/chat" if runtime.settings.webchat_demo else "/dashboard")

    @app.get("/healthz")
    async def health() -> dict[str, str]:
        # Which process of a cluster runs the scheduler is what an operator of the service asks.
        return {"status": "ok", "scheduler": "leading" if scheduling.leading else "following"}

    return app
