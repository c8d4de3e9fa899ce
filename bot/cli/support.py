"""What every `concierge` command needs: settings, a clear one-line failure, a unit of work."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import NoReturn, TypeVar

import typer

from bot.runtime import Runtime, StartupError
from concierge.context import DomainContext
from concierge.errors import DomainError
from concierge.i18n import LANGUAGES, language_or_default
from concierge.settings import Language, Settings, SettingsError, load_settings

T = TypeVar("T")


def fail(message: str) -> NoReturn:
    """Print `Error: message` on stderr and exit with status 2."""
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code=2)


LANG_HELP = (
    "Language of what the command prints: it or en (else the locale, else DEFAULT_LANGUAGE)."
)
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


def _locale_language() -> str | None:
    """The language of the user's locale, as the C library reads it: the first of LC_ALL,
    LC_MESSAGES, LANG that is set (e.g. 'en_GB.UTF-8' → 'en')."""
    for name in LOCALE_VARIABLES:
        value = os.environ.get(name)
        if value:
            return value.split("_")[0].split(".")[0].lower()
    return None


# `--lang` given before the command (`concierge --lang en jobs`), set by the root callback.
GIVEN_LANGUAGE: ContextVar[str | None] = ContextVar("given_language", default=None)


def cli_language(settings: Settings, lang: str | None = None) -> Language:
    """The one rule of every command: `--lang` (the command's, else the one before it), else
    the locale, else DEFAULT_LANGUAGE."""
    chosen = lang or GIVEN_LANGUAGE.get()
    if chosen is not None:
        if chosen not in LANGUAGES:
            fail(f"--lang: expected {' or '.join(LANGUAGES)}, got {chosen!r}")
        return language_or_default(chosen, settings.default_language)
    return language_or_default(_locale_language(), settings.default_language)


def settings_or_fail() -> Settings:
    """The settings, or a one-line error naming the wrong one."""
    try:
        return load_settings()
    except SettingsError as exc:
        fail(str(exc))


def runtime_or_fail(settings: Settings) -> Runtime:
    """A runtime on the configured database, or a one-line error."""
    try:
        return Runtime.create(settings)
    except StartupError as exc:
        fail(str(exc))


async def _in_unit(settings: Settings, work: Callable[[DomainContext], Awaitable[T]]) -> T:
    runtime = runtime_or_fail(settings)
    try:
        await runtime.check_database()
        async with runtime.unit() as ctx:
            return await work(ctx)
    finally:
        await runtime.close()


def run_unit(settings: Settings, work: Callable[[DomainContext], Awaitable[T]]) -> T:
    """Run `work` in one transaction on a migrated database; errors become one line."""
    try:
        return asyncio.run(_in_unit(settings, work))
    except StartupError as exc:
        fail(str(exc))
    except DomainError as exc:
        fail(str(exc))
