"""The ASGI app: web chat now; webhooks and the coordinators' dashboard mount here later."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from bot.outbox_sender import OutboxSender
from bot.runtime import Runtime
from bot.webchat import WebChatSender, webchat_router
from concierge.i18n import catalogue
from concierge.messages import Channel

STATIC_DIR = Path(__file__).parent / "static"


def create_app(runtime: Runtime) -> FastAPI:
    """The whole HTTP face of the service, delivering its outbox while it runs."""
    sender = OutboxSender(runtime, {Channel.WEBCHAT: WebChatSender()})

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        for language in ("it", "en"):
            catalogue(language)  # read the catalogues once, before the first message
        sender.start()
        try:
            yield
        finally:
            await sender.stop()
            await runtime.close()

    app = FastAPI(title="Neighbourhood concierge", lifespan=lifespan)
    app.state.runtime = runtime
    app.state.outbox_sender = sender
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(webchat_router(runtime, sender.wake))

    @app.get("/", include_in_schema=False)
    async def home() -> RedirectResponse:
        return RedirectResponse("/chat")

    @app.get("/healthz")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
