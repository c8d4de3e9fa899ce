"""The webhook Telegram calls in production: the secret token is checked on every call."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response

from bot.telegram.channel import TelegramChannel
from concierge.settings import Settings

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def telegram_webhook_router(settings: Settings, channel: TelegramChannel) -> APIRouter:
    """POST /telegram/webhook: 403 and nothing stored without the right secret."""
    router = APIRouter()

    @router.post("/telegram/webhook", include_in_schema=False)
    async def webhook(request: Request) -> Response:
        expected = settings.telegram_webhook_secret or ""
        given = request.headers.get(SECRET_HEADER, "")
        if not expected or not hmac.compare_digest(given, expected):
            return Response(status_code=403)
        await channel.handle_update(await request.json())
        return Response(status_code=200)

    return router
