"""The ASGI app: web chat, the coordinators' dashboard, the outbox sender and the scheduler, and
the Telegram and Twilio channels whose credentials are set."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from bot.dashboard.setup import install_dashboard
from bot.outbox_sender import ChannelSender, OutboxSender
from bot.runtime import Runtime, hold_sqlite_file, release_sqlite_file
from bot.security import SecurityHeaders, keep_phones_out_of_access_log
from bot.webchat.channel import WebChatSender, webchat_router
from concierge.dead_letters import SetAside
from concierge.i18n import catalogue
from concierge.intake.understanding import understand
from concierge.messages import Channel, Inbound
from handlers.dead_letters import keep_dead_letter
from handlers.inbound import handle_inbound
from scheduling.service import SchedulingService

if TYPE_CHECKING:
    from bot.telegram.channel import TelegramChannel
    from bot.twilio.rest import TwilioConnection

STATIC_DIR = Path(__file__).parent / "static"


def create_app(runtime: Runtime) -> FastAPI:
    """The whole HTTP face of the service, delivering its outbox while it runs."""
    senders: dict[Channel, ChannelSender] = {Channel.WEBCHAT: WebChatSender()}
    scheduling = SchedulingService(runtime.settings, runtime.clock)

    def after_commit() -> None:
        sender.wake()
        scheduling.wake()

    async def on_inbound(inbound: Inbound) -> None:
        await handle_inbound(runtime.sessions, runtime.clock, runtime.settings, inbound)
        after_commit()

    telegram: TelegramChannel | None = None
    if runtime.settings.telegram_bot_token:
        # Imported only when configured: the Telegram libraries take seconds to load.
        from bot.telegram.channel import TelegramChannel

        async def set_aside(letter: SetAside) -> None:
            await keep_dead_letter(runtime.sessions, runtime.clock, runtime.settings, letter)
            after_commit()

        telegram = TelegramChannel(runtime.settings, runtime.clock, on_inbound, set_aside)
        senders[Channel.TELEGRAM] = telegram
    twilio: TwilioConnection | None = None
    if runtime.settings.twilio_enabled:
        from bot.twilio.messaging import TwilioMessaging
        from bot.twilio.rest import TwilioConnection

        twilio = TwilioConnection(runtime.settings)
        if runtime.settings.twilio_phone_number:
            senders[Channel.SMS] = TwilioMessaging(runtime, twilio, Channel.SMS)
        if runtime.settings.twilio_whatsapp_number:
            senders[Channel.WHATSAPP] = TwilioMessaging(runtime, twilio, Channel.WHATSAPP)
        if runtime.settings.twilio_phone_number and runtime.settings.public_base_url:
            from bot.twilio.calls import TwilioCalls

            senders[Channel.VOICE] = TwilioCalls(runtime, twilio)
    sender = OutboxSender(runtime, senders)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        hold_sqlite_file(runtime.settings)  # a second process on the file is refused here
        for language in ("it", "en"):
            catalogue(language)  # read the catalogues once, before the first message
        # dateparser loads its language data on first use (~100 ms): not on a person's message.
        understand("domani alle 10, tomorrow at 10", runtime.clock.now(), runtime.settings.zone)
        sender.start()
        scheduling.start()
        if telegram is not None and runtime.settings.telegram_mode == "polling":
            telegram.start_polling()
        try:
            yield
        finally:
            if telegram is not None:
                await telegram.close()
            if twilio is not None:
                await twilio.close()
            await watch.close()
            await scheduling.stop()
            await sender.stop()
            await runtime.close()
            release_sqlite_file(runtime.settings)

    # Off unless asked for, and never on a public (https) service: they map every route.
    docs = runtime.settings.api_docs and not runtime.settings.is_public
    app = FastAPI(
        title="Neighbourhood concierge",
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.add_middleware(SecurityHeaders, exempt=frozenset({"/docs", "/redoc"}))
    keep_phones_out_of_access_log()
    app.state.runtime = runtime
    app.state.outbox_sender = sender
    app.state.scheduling = scheduling
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    if runtime.settings.webchat_demo:  # it talks as anyone: a local demo tool only
        app.include_router(webchat_router(runtime, after_commit))
    watch = install_dashboard(app, runtime, after_commit)

    @app.get("/", include_in_schema=False)
    async def home() -> RedirectResponse:
        return RedirectResponse("/chat" if runtime.settings.webchat_demo else "/dashboard")

    if telegram is not None:
        from bot.telegram.webhook import telegram_webhook_router

        app.include_router(telegram_webhook_router(runtime.settings, telegram))

    if twilio is not None:
        from bot.twilio.calls import calls_router
        from bot.twilio.messaging import messaging_router
        from bot.twilio.voice import voice_router

        app.include_router(messaging_router(runtime, on_inbound))
        app.include_router(calls_router(runtime, after_commit))  # before /twilio/voice/{event}
        app.include_router(voice_router(runtime, after_commit))

    @app.get("/healthz")
    async def health() -> dict[str, str]:
        # Which process of a cluster runs the scheduler is what an operator of the service asks.
        return {"status": "ok", "scheduler": "leading" if scheduling.leading else "following"}

    return app
