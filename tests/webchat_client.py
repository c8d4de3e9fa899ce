"""A person in the web chat, speaking over HTTP the way the chat page does."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class ChatPerson:
    """One side of the chat: sends texts or taps choices, and reads what reached them."""

    client: httpx.Client
    phone: str
    lang: str = "it"
    seen: list[dict[str, Any]] = field(default_factory=list)

    def say(self, text: str, message_id: str | None = None) -> httpx.Response:
        """Write a message; returns the HTTP response."""
        return self._post({"text": text}, message_id)

    def tap(self, label: str) -> httpx.Response:
        """Press the button with this label on the latest message that has it."""
        for message in reversed(self.seen):
            for choice in message["choices"]:
                if choice["label"] == label:
                    return self._post({"choice": choice["payload"]}, None)
        raise AssertionError(f"no button {label!r} in {[m['text'] for m in self.seen]}")

    def _post(self, body: dict[str, str], message_id: str | None) -> httpx.Response:
        payload = {"address": self.phone, "message_id": message_id or uuid.uuid4().hex, **body}
        response = self.client.post(f"/chat/api/messages?lang={self.lang}", json=payload)
        return response

    def fetch(self) -> list[dict[str, Any]]:
        """New messages delivered since the last look."""
        after = self.seen[-1]["id"] if self.seen else 0
        response = self.client.get(
            "/chat/api/messages", params={"after": after}, headers={"X-Chat-Address": self.phone}
        )
        response.raise_for_status()
        new: list[dict[str, Any]] = response.json()["messages"]
        self.seen.extend(new)
        return new

    def expect(self, fragment: str, timeout: float = 10.0) -> dict[str, Any]:
        """Wait until a message containing `fragment` arrives (the outbox delivers it)."""
        deadline = time.monotonic() + timeout
        while True:
            for message in self.seen:
                if fragment in message["text"] and not message.get("_used"):
                    message["_used"] = True
                    return message
            if time.monotonic() > deadline:
                texts = [m["text"] for m in self.seen]
                raise AssertionError(f"{self.phone} never saw {fragment!r}; saw {texts}")
            self.fetch()
            time.sleep(0.05)

    def texts(self) -> list[str]:
        """Everything this person has been shown so far."""
        self.fetch()
        return [m["text"] for m in self.seen]
