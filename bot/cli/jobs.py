"""`concierge jobs`: the pending scheduled jobs, as the people who run the service read them."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.support import LANG_HELP, cli_language, run_unit, settings_or_fail
from concierge.i18n import t
from concierge.jobs.listing import describe_pending


def jobs(lang: Annotated[str | None, typer.Option(help=LANG_HELP)] = None) -> None:
    """List the pending scheduled jobs: when (local time), what, which request, for whom."""
    settings = settings_or_fail()
    language = cli_language(settings, lang)
    rows = run_unit(settings, lambda ctx: describe_pending(ctx, language))
    if not rows:
        typer.echo(t(language, "cli.jobs.none"))
        return
    when = t(language, "cli.jobs.when", zone=settings.time_zone)
    what, request, whom = (t(language, f"cli.jobs.{key}") for key in ("what", "request", "for"))
    typer.echo(f"{when:<22} {what:<20} {request:<18} {whom}")
    for row in rows:
        typer.echo(f"{row['when']:<22} {row['what']:<20} {row['request']:<18} {row['for']}")
