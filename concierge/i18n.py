"""The Italian and English message catalogues (gettext .po files read with Babel)."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any, get_args
from zoneinfo import ZoneInfo

from babel.messages.pofile import read_po

from concierge.settings import Language

LOCALES_DIR = Path(__file__).parent / "locales"
LANGUAGES: tuple[Language, ...] = get_args(Language)
DOMAIN = "concierge"


def catalogue_path(language: str) -> Path:
    """Where the .po file of a language lives."""
    return LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def catalogue(language: str) -> dict[str, str]:
    """Message id → translated template, for one language."""
    with catalogue_path(language).open("rb") as handle:
        po = read_po(handle, locale=language, domain=DOMAIN)
    return {str(m.id): str(m.string) for m in po if m.id and m.string}


def language_or_default(language: str | None, default: Language) -> Language:
    """A supported language: the one asked for when we have it, else the default."""
    for known in LANGUAGES:
        if language == known:
            return known
    return default


def t(language: str, key: str, **params: Any) -> str:
    """The text `key` in `language`, with `{placeholders}` filled from `params`."""
    template = catalogue(language).get(key)
    if template is None:
        raise KeyError(f"message {key!r} missing from the {language!r} catalogue")
    return template.format(**params) if params else template


def format_moment(moment: datetime, language: str, zone: ZoneInfo) -> str:
    """A moment as read in the service's time zone, e.g. 'martedì 24 novembre, 10:00'."""
    from babel.dates import format_datetime  # its locale data: only when a date is written

    return str(format_datetime(moment, "EEEE d MMMM, HH:mm", tzinfo=zone, locale=language))


def format_day(day: date, language: str) -> str:
    """A calendar day as people say it, e.g. 'domenica 22 novembre'."""
    from babel.dates import format_date

    return str(format_date(day, "EEEE d MMMM", locale=language))


def format_number(value: float, language: str) -> str:
    """A number with the language's decimal mark and one decimal at most, e.g. '4,5'."""
    from babel.numbers import format_decimal

    return str(format_decimal(value, format="#,##0.#", locale=language))


def format_due(due_at: datetime, kind: str, language: str, zone: ZoneInfo) -> str:
    """A due time as the requester put it: 'martedì 24 novembre, mattina', 'entro lunedì 30…'."""
    from babel.dates import format_datetime

    local = due_at.astimezone(zone)
    return t(
        language,
        f"due.{kind}",
        day=format_day(local.date(), language),
        time=str(format_datetime(local, "HH:mm", locale=language)),
    )
