"""Twilio's REST API through its own Python library: messages and calls. The library's base URL
is fixed to twilio.com, so a local server (a test double) is reached through a custom
`http_client` that rewrites the address; nothing of ours is patched."""

from __future__ import annotations

import base64
from typing import Any

from aiohttp import ClientSession, ClientTimeout
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from concierge.outbox import RetryAfter, Undeliverable
from concierge.settings import Settings

TWILIO_BASE = "https://api.twilio.com"
REQUEST_TIMEOUT_SECONDS = 20
# Twilio's codes for a message that can never reach its number: an invalid or unreachable
# number, a landline for SMS, a person who replied STOP, a number not on WhatsApp.
PERMANENT_CODES = frozenset({21211, 21214, 21407, 21408, 21610, 21612, 21614, 63003, 63024})
# Twilio says "too many requests" with 429, or with code 20429 on another status.
TOO_MANY_REQUESTS = 20429
RETRY_AFTER_SECONDS = 5.0


class RoutedHttpClient(AsyncTwilioHttpClient):
    """The library's aiohttp client, sending to `api_base` instead of api.twilio.com."""

    def __init__(self, api_base: str) -> None:
        super().__init__(pool_connections=False)
        # The library hands aiohttp a bare number as timeout; the session's own is used instead.
        self.session = ClientSession(timeout=ClientTimeout(total=REQUEST_TIMEOUT_SECONDS))
        self._api_base = api_base.rstrip("/")

    async def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        if url.startswith(TWILIO_BASE):
            url = self._api_base + url[len(TWILIO_BASE) :]
        kwargs["timeout"] = None
        auth = kwargs.pop("auth", None)
        if auth is not None:  # the library's aiohttp BasicAuth is deprecated: send the header
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            kwargs["headers"] = {**(kwargs.get("headers") or {}), "Authorization": f"Basic {token}"}
        response: Response = await super().request(method, url, *args, **kwargs)
        return response


class TwilioConnection:
    """One Twilio client for the service, made on first use (its HTTP session needs the
    running event loop) and closed with the service."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._client: Client | None = None

    @property
    def client(self) -> Client:
        """The client (created now if this is the first use)."""
        if self._client is None:
            self._client = Client(
                self._settings.twilio_account_sid,
                self._settings.twilio_auth_token,
                http_client=RoutedHttpClient(self._settings.twilio_api_base),
            )
        return self._client

    async def close(self) -> None:
        """Close the client's HTTP session, if one was opened."""
        if self._client is not None and isinstance(self._client.http_client, RoutedHttpClient):
            await self._client.http_client.close()
        self._client = None


def delivery_error(exc: TwilioRestException) -> Exception:
    """A REST error as the outbox reads it: wait and retry, never retry, or retry later."""
    code = exc.code if isinstance(exc.code, int) else None
    if exc.status == 429 or code == TOO_MANY_REQUESTS:
        return RetryAfter(RETRY_AFTER_SECONDS, "Twilio asked to slow down")
    if code in PERMANENT_CODES or (exc.status in (400, 401, 403, 404) and code is not None):
        return Undeliverable(f"Twilio error {code}: {exc.msg}")
    retried: Exception = exc  # 5xx and the unforeseen: retried with back-off
    return retried


async def place_call(
    twilio: TwilioConnection, settings: Settings, to: str, answer_path: str
) -> str:
    """Ring `to` from the service's number; when answered, Twilio asks PUBLIC_BASE_URL +
    `answer_path` what to do. Answering machines are detected, so a machine is not taken for
    the person. Returns the call's id."""
    if not settings.twilio_phone_number or not settings.public_base_url:
        raise Undeliverable("TWILIO_PHONE_NUMBER and PUBLIC_BASE_URL are needed to place calls")
    base = settings.public_base_url.rstrip("/")
    try:
        call = await twilio.client.calls.create_async(
            to=to, from_=settings.twilio_phone_number, url=f"{base}{answer_path}",
            method="POST", machine_detection="Enable",
            status_callback=f"{base}/twilio/voice/call-status",
            status_callback_event=["completed"],
        )  # fmt: skip
    except TwilioRestException as exc:
        raise delivery_error(exc) from exc
    return str(call.sid)
