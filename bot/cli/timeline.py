"""`concierge request N`: one request and its timeline."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.support import LANG_HELP, cli_language, fail, run_unit, settings_or_fail
from concierge.context import DomainContext
from concierge.errors import NotFound
from concierge.i18n import format_moment, t
from concierge.requests.notifications import request_summary
from concierge.requests.request import get_request
from concierge.requests.timeline import request_timeline


def request(
    number: Annotated[int, typer.Argument(help="The request's number, as people see it.")],
    lang: Annotated[str | None, typer.Option(help=LANG_HELP)] = None,
) -> None:
    """Show one request and its timeline: every change, who made it, the requester's mark."""
    settings = settings_or_fail()
    language = cli_language(settings, lang)

    async def timeline(ctx: DomainContext) -> list[str] | None:
        try:
            found = await get_request(ctx, number)
        except NotFound:
            return None
        lines = [request_summary(ctx, found, language)]
        for entry in await request_timeline(ctx, number, language):
            lines.append(f"{format_moment(entry.at, language, ctx.zone)}  {entry.text}")
        return lines

    lines = run_unit(settings, timeline)
    if lines is None:
        fail(t(language, "cli.request.missing", number=number))
    for line in lines:
        typer.echo(line)
