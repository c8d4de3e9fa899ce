"""A fake Twilio REST API on 127.0.0.1 (Messages and Calls, with basic auth), faithful enough
for the real twilio library; it can inject errors and an outage, and with `per_number_rate`
refuse (429, error 20429) what a number sends beyond its rate (a bucket of one second's
messages, refilled at the rate). And a signer that posts
webhooks the way Twilio does, signed with Twilio's own code for the public address."""

from __future__ import annotations

import base64
import itertools
import time
from dataclasses import dataclass, field

import httpx
from aiohttp import web
from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "twilio-test-auth-token"
PUBLIC_BASE_URL = "https://concierge.example.org"  # what Twilio calls (a proxy in front of us)
SERVICE_NUMBER = "+390212345678"


@dataclass
class FakeTwilio:
    """The fake's state: messages and calls created, faults to inject."""

    port: int = 0
    messages: list[dict[str, str]] = field(default_factory=list)
    calls: list[dict[str, str]] = field(default_factory=list)
    attempts: int = 0
    # Answers for the next create calls, in order: (HTTP status, Twilio error code).
    faults: list[tuple[int, int]] = field(default_factory=list)
    down_until: float = 0.0  # until this time.monotonic(), every call gets a 503
    # Messages a second one sending number may create (None: no limit); `too_many` counts 429s.
    per_number_rate: float | None = None
    too_many: int = 0
    accepted_at: list[float] = field(default_factory=list)  # time.monotonic() of each message
    _number_tokens: dict[str, tuple[float, float]] = field(default_factory=dict)
    created_at: list[float] = field(default_factory=list)  # time.time() of each message
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def bodies_to(self, number: str) -> list[str]:
        return [m.get("Body", "") for m in self.messages if m["To"].endswith(number)]

    def wait_for(self, number: str, fragment: str, timeout: float = 10) -> dict[str, str]:
        """Wait until a message containing `fragment` was created for `number`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.messages:
                if message["To"].endswith(number) and fragment in message.get("Body", ""):
                    return message
            time.sleep(0.05)
        raise AssertionError(f"{number} never got {fragment!r}: {self.bodies_to(number)}")

    async def _create(self, request: web.Request, kind: str) -> web.Response:
        expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return _error(401, 20003, "Authenticate")
        if request.match_info["account"] != ACCOUNT_SID:
            return _error(404, 20404, "The requested resource was not found")
        self.attempts += 1
        if time.monotonic() < self.down_until:
            return web.Response(status=503, text="Service Unavailable")
        if self.faults:
            status, code = self.faults.pop(0)
            return _error(status, code, "Injected fault")
        form = {key: str(value) for key, value in (await request.post()).items()}
        if kind == "Messages" and self._too_soon(form.get("From", "")):
            return _error(429, 20429, "Too Many Requests")
        prefix = "SM" if kind == "Messages" else "CA"
        sid = f"{prefix}{next(self._ids):032x}"
        (self.messages if kind == "Messages" else self.calls).append({**form, "Sid": sid})
        if kind == "Messages":
            self.created_at.append(time.time())
        return web.json_response(
            {
                "sid": sid, "account_sid": ACCOUNT_SID, "to": form.get("To"),
                "from": form.get("From"), "body": form.get("Body"), "status": "queued",
                "direction": "outbound-api", "api_version": "2010-04-01",
            },
            status=201,
        )  # fmt: skip

    def _too_soon(self, number: str) -> bool:
        """Whether a message from `number` now exceeds its rate (when not, it counts): a bucket
        of one second's messages, refilled at the rate."""
        now, rate = time.monotonic(), self.per_number_rate
        if rate is None:
            return False
        burst = max(1.0, rate)
        tokens, at = self._number_tokens.get(number, (burst, now))
        tokens = min(burst, tokens + (now - at) * rate)
        if tokens < 1:
            self._number_tokens[number] = (tokens, now)
            self.too_many += 1
            return True
        self._number_tokens[number] = (tokens - 1, now)
        self.accepted_at.append(now)
        return False

    async def _messages(self, request: web.Request) -> web.Response:
        return await self._create(request, "Messages")

    async def _calls(self, request: web.Request) -> web.Response:
        return await self._create(request, "Calls")


def _error(status: int, code: int, message: str) -> web.Response:
    body = {"code": code, "message": message, "more_info": "", "status": status}
    return web.json_response(body, status=status)


def fake_app(fake: FakeTwilio) -> web.Application:
    """The REST API's routes for Messages and Calls, answered by `fake`."""
    app = web.Application()
    app.router.add_post("/2010-04-01/Accounts/{account}/Messages.json", fake._messages)
    app.router.add_post("/2010-04-01/Accounts/{account}/Calls.json", fake._calls)
    return app


class TwilioWebhooks:
    """Posts webhooks to the service as Twilio does: form-encoded, signed for the public URL."""

    def __init__(self, local_base_url: str, token: str = AUTH_TOKEN) -> None:
        self._http = httpx.Client(base_url=local_base_url, timeout=20)
        self._validator = RequestValidator(token)
        self._sids = itertools.count(1)

    def post(
        self, path: str, params: dict[str, str], signature: str | None = "sign"
    ) -> httpx.Response:
        """POST `params` to `path`; `signature` "sign" signs them, None sends no header."""
        headers = {}
        if signature == "sign":
            signature = self._validator.compute_signature(f"{PUBLIC_BASE_URL}{path}", params)
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        return self._http.post(path, data=params, headers=headers)

    def sms(self, sender: str, body: str, sid: str | None = None) -> httpx.Response:
        """A person texts the service."""
        return self.post("/twilio/sms", self.message_params(sender, body, sid))

    def whatsapp(self, sender: str, body: str) -> httpx.Response:
        params = self.message_params(f"whatsapp:{sender}", body, None)
        params["To"] = f"whatsapp:{SERVICE_NUMBER}"
        return self.post("/twilio/whatsapp", params)

    def message_params(self, sender: str, body: str, sid: str | None) -> dict[str, str]:
        return {
            "MessageSid": sid or f"SM{next(self._sids):032d}",
            "AccountSid": ACCOUNT_SID, "From": sender, "To": SERVICE_NUMBER, "Body": body,
            "NumMedia": "0", "NumSegments": "1", "SmsStatus": "received",
            "ApiVersion": "2010-04-01",
        }  # fmt: skip

    def call(self, path: str, caller: str, **extra: str) -> httpx.Response:
        """One step of a call from `caller` (`extra`: Digits, SpeechResult, DialCallStatus …)."""
        params = {
            "CallSid": "CA" + "1" * 32, "AccountSid": ACCOUNT_SID, "From": caller,
            "To": SERVICE_NUMBER, "CallStatus": "in-progress", "Direction": "inbound",
            "ApiVersion": "2010-04-01", **extra,
        }  # fmt: skip
        return self.post(path, params)

    def close(self) -> None:
        self._http.close()
