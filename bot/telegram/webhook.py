"""The webhook Telegram calls in production: the secret token is checked on every call."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response

from bot.telegram.channel import TelegramChannel
from bot.telegram.payload import read_body
from concierge.settings import Settings

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def telegram_webhook_router(settings: Settings, channel: TelegramChannel) -> APIRouter:
    """POST /telegram/webhook: 403 and nothing stored without the right secret, 400 and nothing
    stored for a body that is not a Bot API update."""
    router = APIRouter()

    @router.post("/telegram/webhook", include_in_schema=False)
    async def webhook(request: Request) -> Response:
        expected = settings.telegram_webhook_secret or ""
        given = request.headers.get(SECRET_HEADER, "")
        if not expected or not hmac.compare_digest(given, expected):
            return Response(status_code=403)
        update = read_body(await request.body())
        if update is None:
            return Response("not a Telegram update", status_code=400, media_type="text/plain")
        await channel.handle_read(update)
        return Response(status_code=200)

    return router
