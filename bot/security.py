"""What every response of the service carries for the browser's protection, and what the access
log may not keep (phone numbers)."""

from __future__ import annotations

import logging
import re

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# No inline script or style anywhere: a script slipped into a page through data cannot run.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}
# Seven digits or more, maybe after + (or its URL form) and spaced (%20 or +); dates such as
# 2026-11-23 in the dashboard's links stay readable.
_PHONE_LIKE = re.compile(r"(?:\+|%2[Bb])?\d(?:(?:%20|[ +])?\d){6,}")


class SecurityHeaders:
    """ASGI middleware adding SECURITY_HEADERS to every HTTP response but the API docs'
    (their pages load scripts from a CDN), which are off unless API_DOCS is set."""

    def __init__(self, app: ASGIApp, exempt: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, with_headers)


class NoPhoneNumbers(logging.Filter):
    """Masks phone-number-like runs of digits in the path uvicorn's access log writes."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        # uvicorn logs (client, method, path with query, HTTP version, status).
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (*args[:2], redact_phones(args[2]), *args[3:])
        return True


def redact_phones(text: str) -> str:
    """The text with every phone-number-like run of digits replaced by [phone]."""
    return _PHONE_LIKE.sub("[phone]", text)


def keep_phones_out_of_access_log() -> None:
    """Install NoPhoneNumbers on uvicorn's access log, once."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, NoPhoneNumbers) for f in access.filters):
        access.addFilter(NoPhoneNumbers())
