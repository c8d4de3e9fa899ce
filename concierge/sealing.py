"""Sensitive notes sealed at rest (Fernet): the keys, where a made key is kept, seal and open.

The first key of `SEALING_KEYS` seals; every key opens, so a new key goes first and the old one
stays until everything was sealed again. With no key configured, one is made at first use and
kept in a file (mode 0600) beside the SQLite database: it must be backed up with it.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from concierge.settings import Settings

KEY_FILE_NAME = "sealing.key"
_MADE: dict[tuple[str | None, str], MultiFernet] = {}
_GUARD = threading.Lock()


class SealingError(Exception):
    """A sealed value cannot be opened with the configured keys (a wrong or lost key)."""


def key_file(settings: Settings) -> Path:
    """Where a key made for this service is kept."""
    if settings.sealing_key_file is not None:
        return settings.sealing_key_file
    path = settings.sqlite_path
    if path is not None and str(path) not in ("", ":memory:"):
        return path.parent / KEY_FILE_NAME
    return Path("var") / KEY_FILE_NAME


def _made_key(path: Path) -> bytes:
    """The key kept in `path`, made (readable by this user only) when there is none."""
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    # O_EXCL: two processes starting at once keep one key, the loser reads the winner's.
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(handle, "wb") as out:
        out.write(key + b"\n")
    return key


def sealer(settings: Settings) -> MultiFernet:
    """The keys of this service (made once per process)."""
    configured = settings.sealing_keys
    place = str(key_file(settings).resolve()) if not configured else ""
    with _GUARD:
        found = _MADE.get((configured, place))
        if found is None:
            if configured:
                keys = [k.strip().encode() for k in configured.split(",") if k.strip()]
            else:
                keys = [_made_key(Path(place))]
            try:
                found = MultiFernet([Fernet(key) for key in keys])
            except ValueError as exc:
                raise SealingError(f"SEALING_KEYS: not a Fernet key ({exc})") from exc
            _MADE[(configured, place)] = found
    return found


def is_sealed(value: str) -> bool:
    """Whether a stored value is a Fernet token (its version byte 0x80 reads "gAAAAA")."""
    return value.startswith("gAAAAA")


def seal(settings: Settings, text: str) -> str:
    """`text` sealed (empty stays empty: nothing to hide)."""
    if not text:
        return ""
    return sealer(settings).encrypt(text.encode()).decode()


def unseal(settings: Settings, token: str) -> str:
    """The text a sealed value holds; SealingError when no configured key opens it."""
    if not token:
        return ""
    try:
        return sealer(settings).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SealingError(
            "SEALING_KEYS: sealed notes exist that these keys cannot open; set the key they"
            f" were sealed with (or restore {key_file(settings)})"
        ) from exc
