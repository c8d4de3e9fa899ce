"""What every `concierge` command needs: settings, a clear one-line failure (in the reader's
language), a unit of work."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import NoReturn, TypeVar

import typer

from bot.cli.language import GIVEN_LANGUAGE, locale_language
from bot.cli.language import LANG_HELP as LANG_HELP  # what every command's --lang says
from bot.runtime import Runtime, StartupError
from concierge.context import DomainContext
from concierge.errors import DomainError
from concierge.i18n import LANGUAGES, language_or_default, t
from concierge.settings import Language, Settings, SettingsError, load_settings

T = TypeVar("T")


def fail(message: str) -> NoReturn:
    """Print `Error: message` on stderr, in the command's language, and exit with status 2."""
    typer.echo(t(speaking(), "cli.error", message=message), err=True)
    raise typer.Exit(code=2)


def fail_to_start(exc: StartupError) -> NoReturn:
    """A start-up failure as one line, in the reader's words when the catalogue has them."""
    fail(t(speaking(), exc.key, **exc.params) if exc.key else str(exc))


# The language the command chose (`cli_language`), which its failures speak too.
SPOKEN_LANGUAGE: ContextVar[Language | None] = ContextVar("spoken_language", default=None)
# DEFAULT_LANGUAGE, once the settings are read; before that, the setting's own default.
_DEFAULT_LANGUAGE: ContextVar[Language] = ContextVar(
    "default_language", default=Settings.model_fields["default_language"].default
)


def speaking() -> Language:
    """The language of what the command prints now: the one it chose; before it chose (or
    when it cannot: a wrong setting, a wrong `--lang`), the same rule with what is known."""
    chosen = SPOKEN_LANGUAGE.get()
    if chosen is not None:
        return chosen
    given = GIVEN_LANGUAGE.get()
    wanted = given if given in LANGUAGES else locale_language()
    return language_or_default(wanted, _DEFAULT_LANGUAGE.get())


def cli_language(settings: Settings, lang: str | None = None) -> Language:
    """The one rule of every command: `--lang` (the command's, else the one before it), else
    the locale, else DEFAULT_LANGUAGE."""
    _DEFAULT_LANGUAGE.set(settings.default_language)
    chosen = lang or GIVEN_LANGUAGE.get()
    if chosen is not None and chosen not in LANGUAGES:
        fail(t(speaking(), "cli.lang_expected", choices=", ".join(LANGUAGES), given=repr(chosen)))
    language = language_or_default(chosen or locale_language(), settings.default_language)
    SPOKEN_LANGUAGE.set(language)
    return language


def settings_or_fail() -> Settings:
    """The settings, or a one-line error naming the wrong one."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        fail(str(exc))
    _DEFAULT_LANGUAGE.set(settings.default_language)
    return settings


def runtime_or_fail(settings: Settings) -> Runtime:
    """A runtime on the configured database, or a one-line error."""
    try:
        return Runtime.create(settings)
    except StartupError as exc:
        fail_to_start(exc)


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
        fail_to_start(exc)
    except DomainError as exc:
        fail(str(exc))
