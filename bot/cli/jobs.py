"""`concierge jobs`: the pending scheduled jobs, as the people who run the service read them.

Read through SQLAlchemy Core (bot.cli.support.run_read), not a runtime: no ORM to import."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from bot.cli.support import LANG_HELP, cli_language, run_read, settings_or_fail
from concierge.i18n import t
from concierge.jobs.listing import describe_pending


def jobs(lang: Annotated[str | None, typer.Option(help=LANG_HELP)] = None) -> None:
    """List the pending scheduled jobs: when (local time), what, which request, for whom."""
    settings = settings_or_fail()
    language = cli_language(settings, lang)
    zone = ZoneInfo(settings.time_zone)
    rows = run_read(settings, lambda connection: describe_pending(connection, zone, language))
    if not rows:
        typer.echo(t(language, "cli.jobs.none"))
        return
    when = t(language, "cli.jobs.when", zone=settings.time_zone)
    what, request, whom = (t(language, f"cli.jobs.{key}") for key in ("what", "request", "for"))
    typer.echo(f"{when:<22} {what:<20} {request:<18} {whom}")
    for row in rows:
        typer.echo(f"{row['when']:<22} {row['what']:<20} {row['request']:<18} {row['for']}")
