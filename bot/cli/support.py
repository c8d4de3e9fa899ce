"""What every `concierge` command needs: settings, a clear one-line failure (in the reader's
language), a unit of work."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, NoReturn, TypeVar

import typer
from pydantic import ValidationError
from pydantic_core import PydanticCustomError

from bot.cli.language import GIVEN_LANGUAGE, locale_language
from bot.cli.language import LANG_HELP as LANG_HELP  # what every command's --lang says
from bot.startup import StartupError, no_folder, not_migrated, unusable
from concierge.errors import DomainError
from concierge.i18n import LANGUAGES, language_or_default, t
from concierge.settings import Language, Settings, SettingsError, load_settings

if TYPE_CHECKING:  # the ORM's modules: imported by the commands that open a runtime, only
    from sqlalchemy import Connection, Engine

    from bot.runtime import Runtime
    from concierge.context import DomainContext

T = TypeVar("T")


def fail(message: str) -> NoReturn:
    """Print `Error: message` on stderr, in the command's language, and exit with status 2."""
    typer.echo(t(speaking(), "cli.error", message=message), err=True)
    raise typer.Exit(code=2)


def say(key: str, **params: object) -> str:
    """The catalogue text `key` in the command's language (`speaking`)."""
    return t(speaking(), key, **params)


def refuse(key: str, **params: object) -> NoReturn:
    """`fail` with the catalogue text `key`, in the command's language."""
    fail(say(key, **params))


def rejected(exc: ValueError, given: str) -> str:
    """Why a value was not accepted, in the command's language: the validator's catalogue key
    when it named one (`concierge.errors.refusal`), else the field and what was given."""
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        if first["type"].startswith("why."):
            return say(first["type"], **first.get("ctx", {}))
        field = ".".join(str(part) for part in first["loc"])
        if field:
            return say("cli.users.invalid", field=field, given=repr(first["input"]))
    elif isinstance(exc, PydanticCustomError) and exc.type.startswith("why."):
        return say(exc.type, **(exc.context or {}))
    return say("cli.not_accepted", given=given)


def fail_to_start(exc: StartupError) -> NoReturn:
    """A start-up failure as one line, in the reader's words when the catalogue has them."""
    fail(t(speaking(), exc.key, **exc.params) if exc.key else str(exc))


def domain_words(exc: DomainError, language: str) -> str:
    """Why the domain said no, in `language`: the precise reason (`why`) when the raise gave
    one, else the kind of refusal as the chat words it; the bare message only when the
    catalogue cannot say it (a key or a parameter missing)."""
    for key in (exc.why, None if exc.key == "error.generic" else exc.key):
        if key is None:
            continue
        try:
            return t(language, key, **exc.params)
        except (KeyError, IndexError):
            continue
    return t(language, "cli.error.refused", detail=str(exc))


def fail_domain(exc: DomainError) -> NoReturn:
    """A refusal of the domain as one line, in the command's language."""
    fail(domain_words(exc, speaking()))


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
        fail(settings_words(exc, speaking()))
    _DEFAULT_LANGUAGE.set(settings.default_language)
    return settings


def settings_words(exc: SettingsError, language: str) -> str:
    """Each wrong setting named, and what is wrong with it, in `language`."""
    if not exc.problems:
        return str(exc)
    return "; ".join(
        t(language, "cli.setting", name=p.name, reason=t(language, p.key, **p.params))
        for p in exc.problems
    )


def runtime_or_fail(settings: Settings) -> Runtime:
    """A runtime on the configured database, or a one-line error."""
    from bot.runtime import Runtime

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
        fail_domain(exc)


def _connect(engine: Engine, safe_url: str) -> Connection:
    """The engine's connection; a database that cannot be reached (refused, a wrong password,
    a folder given as the SQLite file) is one line, as a runtime's start says it."""
    try:
        return engine.connect()
    except Exception as exc:  # any driver error: the URL leads to no database
        raise unusable(safe_url, exc) from exc


def run_read(settings: Settings, work: Callable[[Connection], T]) -> T:
    """Run `work` on a connection to the migrated database, without the ORM: for the commands
    that only read (they start in a fraction of a runtime's time; issue 20, target 7). No
    runtime's sealing check: such a command reads no sealed note. Errors become one line."""
    from sqlalchemy import text

    from concierge.core_engine import core_engine
    from concierge.migrate import behind

    try:
        try:
            engine = core_engine(settings)
        except OSError as exc:  # the SQLite file's folder cannot be created
            raise no_folder(exc) from exc
        safe_url = settings.url.render_as_string(hide_password=True)
        try:
            with _connect(engine, safe_url) as connection:
                try:
                    connection.execute(text("SELECT 1"))
                    outdated = behind(connection)
                except Exception as exc:  # any driver error: the URL leads to no database
                    raise unusable(safe_url, exc) from exc
                if outdated:
                    raise not_migrated()
                return work(connection)
        finally:
            engine.dispose()
    except StartupError as exc:
        fail_to_start(exc)
