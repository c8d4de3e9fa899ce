"""Why the service or a command cannot start, said once for the runtime and the read-only
commands (which open no runtime: bot.cli.support.run_read)."""

from __future__ import annotations


def first_line(exc: BaseException) -> str:
    """An exception as one line, for messages that must fit one line."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


class StartupError(Exception):
    """The service cannot start; the message names the setting or the command that fixes it.
    `key` and `params` say the same in the catalogue, for the command line's reader."""

    def __init__(self, message: str, key: str | None = None, **params: object) -> None:
        super().__init__(message)
        self.key = key
        self.params = params


def no_folder(exc: OSError) -> StartupError:
    """The SQLite file's folder cannot be created."""
    return StartupError(
        f"DATABASE_URL: cannot create the database folder: {exc}",
        key="cli.startup.no_folder",
        reason=str(exc),
    )


def unusable(safe_url: str, exc: BaseException) -> StartupError:
    """The URL does not lead to a database (any driver error on the first statement)."""
    reason = first_line(exc)
    return StartupError(
        f"DATABASE_URL: cannot use {safe_url}: {reason}",
        key="cli.startup.unusable",
        url=safe_url,
        reason=reason,
    )


def not_migrated() -> StartupError:
    """The database is behind the newest migration."""
    return StartupError(
        "DATABASE_URL: the database is not up to date; run `concierge db upgrade`",
        key="cli.startup.not_migrated",
    )
