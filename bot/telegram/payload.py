"""A webhook's body read as a Bot API update, or refused: whatever the bytes, never an error."""

from __future__ import annotations

import json

from pydantic import ValidationError

from bot.telegram.updates import TgUpdate, read_update


def read_body(body: bytes) -> TgUpdate | None:
    """The update a webhook carries; None when the body is not one (not UTF-8, not JSON, nested
    past the parser's depth, a number too long to read, not an object, wrong or missing fields,
    values past the Bot API's own limits)."""
    try:
        raw = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(raw, dict):
        return None
    try:
        return read_update(raw)
    except (ValidationError, RecursionError):
        return None
