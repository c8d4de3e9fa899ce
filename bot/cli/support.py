"""What every `concierge` command needs: settings, a clear one-line failure, a unit of work."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import NoReturn, TypeVar

import typer

from bot.runtime import Runtime, StartupError
from concierge.context import DomainContext
from concierge.errors import DomainError
from concierge.settings import Settings, SettingsError, load_settings

T = TypeVar("T")


def fail(message: str) -> NoReturn:
    """Print `Error: message` on stderr and exit with status 2."""
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code=2)


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
