"""Every Twilio webhook is checked with Twilio's own `RequestValidator`, against the public
address Twilio called (PUBLIC_BASE_URL), so it holds behind a proxy too."""

from __future__ import annotations

from fastapi import Request
from twilio.request_validator import RequestValidator

from concierge.settings import Settings

SIGNATURE_HEADER = "X-Twilio-Signature"


def public_url(settings: Settings, request: Request) -> str:
    """The address Twilio requested: the public base, the path and the query."""
    base = (settings.public_base_url or str(request.base_url)).rstrip("/")
    query = f"?{request.url.query}" if request.url.query else ""
    return f"{base}{request.url.path}{query}"


async def signed_form(settings: Settings, request: Request) -> dict[str, str] | None:
    """The form Twilio posted, or None when its signature is missing or wrong."""
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not signature or not settings.twilio_auth_token:
        return None
    form = {key: str(value) for key, value in (await request.form()).items()}
    validator = RequestValidator(settings.twilio_auth_token)
    if not validator.validate(public_url(settings, request), form, signature):
        return None
    return form
