"""`concierge parcels list`: what is on the desks' shelves (issue 23), for whoever runs the
service; the dashboard's desk page shows one cooperative's shelf to its own staff."""

from __future__ import annotations

import json
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from sqlalchemy import select

from bot.cli.support import LANG_HELP, cli_language, fail, run_unit, settings_or_fail
from concierge.context import DomainContext
from concierge.i18n import format_moment, t
from concierge.parcels.shelf import Parcel, on_the_shelf
from concierge.settings import Language
from concierge.team.operators import Cooperative

parcels_app = typer.Typer(help="Parcels held at the desks.", no_args_is_help=True)


def _row(parcel: Parcel, desk: str | None) -> dict[str, object]:
    """A parcel for scripts: English keys, ISO-8601 times."""
    return {
        "number": parcel.id,
        "person": parcel.person.display_name,
        "cooperative": desk,
        "carrier": parcel.carrier,
        "sender": parcel.sender,
        "shelf": parcel.shelf,
        "received_at": parcel.received_at.isoformat(),
        "reminded_at": parcel.reminded_at.isoformat() if parcel.reminded_at else None,
    }


def _line(parcel: Parcel, desk: str | None, language: Language, zone: ZoneInfo) -> str:
    """A parcel as the desk reads it, in the reader's language and the service's time."""
    line = t(
        language,
        "cli.parcels.line",
        number=parcel.id,
        person=parcel.person.display_name,
        carrier=parcel.carrier,
        sender=parcel.sender or t(language, "parcel.unknown_sender"),
        shelf=parcel.shelf,
        received=format_moment(parcel.received_at, language, zone),
        desk=desk or "-",
    )
    return f"{line} · {t(language, 'dash.parcels.reminded')}" if parcel.reminded_at else line


async def _held(
    ctx: DomainContext, cooperative: str | None, language: Language
) -> list[tuple[dict[str, object], str]]:
    desks = {row.id: row.name for row in await ctx.session.scalars(select(Cooperative))}
    scope = None
    if cooperative is not None:
        scope = next((key for key, name in desks.items() if name == cooperative), None)
        if scope is None:
            fail(t(language, "cli.parcels.no_cooperative", name=repr(cooperative)))
    held = []
    for parcel in await on_the_shelf(ctx, scope):
        desk = desks.get(parcel.cooperative_id) if parcel.cooperative_id else None
        held.append((_row(parcel, desk), _line(parcel, desk, language, ctx.zone)))
    return held


@parcels_app.command("list")
def list_parcels(
    cooperative: Annotated[
        str | None, typer.Option(help="Only this cooperative's desk (its name).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON array, for scripts.")] = False,
    lang: Annotated[str | None, typer.Option(help=LANG_HELP)] = None,
) -> None:
    """What is on the shelves now, oldest first: for whom, from whom, where, since when."""
    settings = settings_or_fail()
    language = cli_language(settings, lang)
    held = run_unit(settings, lambda ctx: _held(ctx, cooperative, language))
    if as_json:
        typer.echo(json.dumps([row for row, _ in held], ensure_ascii=False, indent=2))
    elif not held:
        typer.echo(t(language, "dash.parcels.none"))
    else:
        typer.echo("\n".join(line for _, line in held))
