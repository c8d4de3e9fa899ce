"""Which language the command line speaks, as far as it is known before any setting is read:
`--lang` given before the command, and the locale. Light on purpose: the root imports it."""

from __future__ import annotations

import os
from contextvars import ContextVar

LANG_HELP = (
    "Language of what the command prints: it or en (else the locale, else DEFAULT_LANGUAGE)."
)
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")

# `--lang` given before the command (`concierge --lang en jobs`), set by the root callback.
GIVEN_LANGUAGE: ContextVar[str | None] = ContextVar("given_language", default=None)


def locale_language() -> str | None:
    """The language of the user's locale, as the C library reads it: the first of LC_ALL,
    LC_MESSAGES, LANG that is set (e.g. 'en_GB.UTF-8' → 'en')."""
    for name in LOCALE_VARIABLES:
        value = os.environ.get(name)
        if value:
            return value.split("_")[0].split(".")[0].lower()
    return None
