"""A fake Telegram Bot API on 127.0.0.1, faithful enough for the real aiogram and
python-telegram-bot code: getMe, getUpdates (long polling), setWebhook, deleteWebhook,
sendMessage, sendPhoto, editMessageText, answerCallbackQuery; it can inject 429 (with
retry_after), 5xx, 403 (a chat that blocked the bot), time-outs and an outage of some seconds.
With `enforce_rates` it keeps the Bot API's limits as Telegram does: 30 messages a second
overall (a bucket of 30, refilled at 30 a second) and one a second per chat (two arrivals to a
chat less than a second apart: the second is refused), answering 429 with retry_after."""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

HANG_SECONDS = 5  # longer than the service's request time-out in these tests
BOT_USER = {"id": 4242, "is_bot": True, "first_name": "Maggiordomo", "username": "concierge_bot"}


@dataclass
class Sent:
    """One message the bot sent."""

    chat_id: int
    text: str
    buttons: list[tuple[str, str]]  # (label, callback data)
    message_id: int = 0
    photo: str | None = None  # the file id of a photo


@dataclass
class FakeTelegram:
    """The fake server's state: what the bot sent, updates waiting, faults to inject."""

    port: int = 0
    sent: list[Sent] = field(default_factory=list)
    answered_callbacks: list[str] = field(default_factory=list)
    webhook: dict[str, str] = field(default_factory=dict)
    blocked_chats: set[int] = field(default_factory=set)
    # Failures to answer the next sendMessage calls with: (status, retry_after) in order.
    send_faults: list[tuple[int, int]] = field(default_factory=list)
    send_attempts: int = 0
    # How many of the next getUpdates calls fail with 502 (an outage on Telegram's side).
    updates_outage: int = 0
    # Until this time.monotonic(), every call fails with 502: Telegram is down.
    down_until: float = 0.0
    # When set, the next sendMessage starts an outage of this many seconds (and fails).
    outage_on_send: float = 0.0
    # How many of the next sendMessage calls are never answered (the client times out).
    send_hangs: int = 0
    # How many of the next sendMessage calls time out without being accepted (nothing sent).
    send_stalls: int = 0
    # The Bot API's limits, kept only when `enforce_rates`; `too_many` counts the 429s given.
    enforce_rates: bool = False
    overall_per_second: float = 30.0
    chat_per_second: float = 1.0
    too_many: int = 0
    accepted_at: list[float] = field(default_factory=list)  # time.monotonic() of each send
    _tokens: float = -1.0  # the overall bucket (full at first use)
    _refilled: float = 0.0
    _chat_last: dict[int, float] = field(default_factory=dict)
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- what a person does in their Telegram app -------------------------------------

    def _queue(self, update: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            update["update_id"] = next(self._ids)
            self._updates.append(update)
        return update

    def user_writes(self, chat_id: int, text: str, first_name: str = "Anna") -> dict[str, Any]:
        """A private text message, as Telegram would deliver it."""
        return self._queue({"message": _message(chat_id, text, first_name, next(self._ids))})

    def user_shares_contact(self, chat_id: int, phone: str) -> dict[str, Any]:
        """The person shares their own phone number ("share my contact")."""
        message = _message(chat_id, "", "Marco", next(self._ids))
        del message["text"]
        message["contact"] = {"phone_number": phone, "first_name": "Marco", "user_id": chat_id}
        return self._queue({"message": message})

    def user_edits(self, chat_id: int, text: str) -> dict[str, Any]:
        """The person edits a message they sent earlier."""
        return self._queue({"edited_message": _message(chat_id, text, "Anna", next(self._ids))})

    def user_sends_photo(self, chat_id: int, file_id: str, caption: str = "") -> dict[str, Any]:
        """A photo (Telegram sends it in several sizes, the largest last)."""
        message = _message(chat_id, "", "Anna", next(self._ids))
        del message["text"]
        message["photo"] = [
            {"file_id": f"{file_id}-small", "file_unique_id": "s", "width": 90, "height": 90},
            {"file_id": file_id, "file_unique_id": "l", "width": 1280, "height": 960},
        ]
        if caption:
            message["caption"] = caption
        return self._queue({"message": message})

    def member_writes(self, group_id: int, user_id: int, text: str) -> dict[str, Any]:
        """Someone writes in a group the bot is a member of."""
        message = _message(user_id, text, "Paola", next(self._ids))
        message["chat"] = {"id": group_id, "type": "supergroup", "title": "Staff"}
        return self._queue({"message": message})

    def user_taps(self, chat_id: int, label: str) -> dict[str, Any]:
        """Press the button with this label on the newest message sent to the chat."""
        for message in reversed(self.sent):
            if message.chat_id == chat_id:
                for text, data in message.buttons:
                    if text == label:
                        shown = _message(chat_id, message.text, "Bot", message.message_id)
                        shown["from"] = BOT_USER
                        shown["reply_markup"] = _keyboard(message.buttons)
                        return self._queue(
                            {
                                "callback_query": {
                                    "id": f"cb{next(self._ids)}",
                                    "from": _user(chat_id, "Anna"),
                                    "chat_instance": "ci",
                                    "data": data,
                                    "message": shown,
                                }
                            }
                        )
        raise AssertionError(f"no button {label!r} for chat {chat_id}")

    def texts_to(self, chat_id: int) -> list[str]:
        return [m.text for m in self.sent if m.chat_id == chat_id and m.photo is None]

    def wait_for(self, chat_id: int, fragment: str, timeout: float = 10) -> Sent:
        """Wait until the bot sent the chat a message containing `fragment`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.sent:
                if message.chat_id == chat_id and fragment in message.text:
                    return message
            time.sleep(0.05)
        raise AssertionError(f"chat {chat_id} never got {fragment!r}: {self.texts_to(chat_id)}")

    def wait_for_nothing(self, seconds: float) -> None:
        """Let the service work for a moment (messages that should not come have time to)."""
        time.sleep(seconds)

    # --- the Bot API -----------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = dict(await request.post()) if request.can_read_body else {}
        if request.content_type == "application/json":
            params = await request.json()
        params.update(request.query)
        handler = getattr(self, f"_{method.lower()}", None)
        if handler is None:
            return _error(404, f"Not Found: method {method} is not faked")
        if self.outage_on_send and method.lower() == "sendmessage":
            self.down_until, self.outage_on_send = time.monotonic() + self.outage_on_send, 0.0
        if time.monotonic() < self.down_until:
            if method.lower() in ("sendmessage", "sendphoto"):
                self.send_attempts += 1
            return _error(502, "Bad Gateway")
        result: web.Response = await handler(params)
        return result

    def _over_limits(self, chat_id: int) -> int | None:
        """With `enforce_rates`: the retry_after of a 429 for a send to `chat_id` now, or None
        when it is within the limits (and then it counts against them)."""
        if not self.enforce_rates:
            return None
        now = time.monotonic()
        if self._tokens < 0:
            self._tokens, self._refilled = self.overall_per_second, now
        self._tokens = min(
            self.overall_per_second,
            self._tokens + (now - self._refilled) * self.overall_per_second,
        )
        self._refilled = now
        rests = self._chat_last.get(chat_id, now - 3600) + 1 / self.chat_per_second - now
        if rests > 0 or self._tokens < 1:
            self.too_many += 1
            return max(1, math.ceil(rests))
        self._tokens -= 1
        self._chat_last[chat_id] = now
        self.accepted_at.append(now)
        return None

    async def _getme(self, params: dict[str, Any]) -> web.Response:
        return _ok(BOT_USER)

    async def _setwebhook(self, params: dict[str, Any]) -> web.Response:
        self.webhook = {
            "url": str(params.get("url", "")),
            "secret": str(params.get("secret_token", "")),
        }
        return _ok(True)

    async def _deletewebhook(self, params: dict[str, Any]) -> web.Response:
        self.webhook = {}
        return _ok(True)

    async def _getupdates(self, params: dict[str, Any]) -> web.Response:
        if self.updates_outage > 0:
            self.updates_outage -= 1
            return _error(502, "Bad Gateway")
        offset = int(params.get("offset", 0) or 0)
        deadline = time.monotonic() + min(float(params.get("timeout", 0) or 0), 2)
        while True:
            with self._lock:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                pending = list(self._updates)
            if pending or time.monotonic() >= deadline:
                return _ok(pending)
            await asyncio.sleep(0.05)

    async def _answercallbackquery(self, params: dict[str, Any]) -> web.Response:
        self.answered_callbacks.append(str(params.get("callback_query_id")))
        return _ok(True)

    async def _editmessagetext(self, params: dict[str, Any]) -> web.Response:
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        for message in self.sent:
            if (message.chat_id, message.message_id) == (chat_id, message_id):
                if message.text == params["text"] and not message.buttons:
                    return _error(400, "Bad Request: message is not modified")
                message.text, message.buttons = str(params["text"]), []
                return _ok(_message(chat_id, message.text, "Maggiordomo", message_id))
        return _error(400, "Bad Request: message to edit not found")

    async def _sendphoto(self, params: dict[str, Any]) -> web.Response:
        self.send_attempts += 1
        chat_id = int(params["chat_id"])
        if chat_id in self.blocked_chats:
            return _error(403, "Forbidden: bot was blocked by the user")
        message_id = next(self._ids)
        self.sent.append(Sent(chat_id, "", [], message_id, photo=str(params["photo"])))
        return _ok(_message(chat_id, "", "Maggiordomo", message_id))

    async def _sendmessage(self, params: dict[str, Any]) -> web.Response:
        self.send_attempts += 1
        chat_id = int(params["chat_id"])
        if self.send_stalls > 0:
            self.send_stalls -= 1
            await asyncio.sleep(HANG_SECONDS)  # the client gave up long ago; nothing is sent
            return _error(504, "Gateway Timeout")
        if self.send_hangs > 0:
            self.send_hangs -= 1
            await asyncio.sleep(HANG_SECONDS)  # answered too late: the client gave up
        if self.send_faults:
            status, retry_after = self.send_faults.pop(0)
            if status == 429:
                return _error(429, f"Too Many Requests: retry after {retry_after}", retry_after)
            return _error(status, "Internal Server Error")
        if chat_id in self.blocked_chats:
            return _error(403, "Forbidden: bot was blocked by the user")
        retry_after = self._over_limits(chat_id)
        if retry_after is not None:
            return _error(429, f"Too Many Requests: retry after {retry_after}", retry_after)
        markup = params.get("reply_markup")
        keyboard = json.loads(markup) if isinstance(markup, str) else (markup or {})
        buttons = [
            (b["text"], b.get("callback_data", ""))
            for row in keyboard.get("inline_keyboard", [])
            for b in row
        ]
        message_id = next(self._ids)
        self.sent.append(Sent(chat_id, str(params["text"]), buttons, message_id))
        return _ok(_message(chat_id, str(params["text"]), "Maggiordomo", message_id))


def _user(chat_id: int, first_name: str) -> dict[str, Any]:
    return {"id": chat_id, "is_bot": False, "first_name": first_name, "language_code": "it"}


def _message(chat_id: int, text: str, first_name: str, message_id: int) -> dict[str, Any]:
    return {
        "message_id": message_id,
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private", "first_name": first_name},
        "from": _user(chat_id, first_name),
        "text": text,
    }


def _keyboard(buttons: list[tuple[str, str]]) -> dict[str, Any]:
    return {"inline_keyboard": [[{"text": t, "callback_data": d}] for t, d in buttons]}


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(code: int, description: str, retry_after: int | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=code)


def fake_app(fake: FakeTelegram) -> web.Application:
    """The Bot API's routes, answered by `fake`."""
    app = web.Application()
    app.router.add_route("*", "/bot{token}/{method}", fake._api)
    return app
