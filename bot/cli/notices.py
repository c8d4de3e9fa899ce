"""`concierge notices`: post notices on a cooperative's neighbourhood noticeboard, list them and
retire them, as coordinators do from the dashboard."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from sqlalchemy import func, select

from bot.cli.support import (
    LANG_HELP,
    cli_language,
    refuse,
    rejected,
    run_unit,
    say,
    settings_or_fail,
)
from concierge.context import DomainContext
from concierge.noticeboard.notices import (
    Notice,
    NoticeInput,
    NoticeKind,
    board_of,
    post_notice,
    retire_notice,
)
from concierge.team.operators import Cooperative

notices_app = typer.Typer(
    help="The neighbourhood noticeboard: markets, events, pharmacies on duty, office hours.",
    no_args_is_help=True,
)
KINDS = ", ".join(kind.value for kind in NoticeKind)


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        refuse("cli.expected_date", option=option, given=repr(text))


async def _cooperative(ctx: DomainContext, name: str | None) -> int:
    """The cooperative named, or the first one when the service has a single one."""
    if name is not None:
        found = await ctx.session.scalar(select(Cooperative.id).where(Cooperative.name == name))
        if found is None:
            refuse("cli.parcels.no_cooperative", name=repr(name))
        return found
    count = await ctx.session.scalar(select(func.count(Cooperative.id)))
    if count != 1:
        refuse("cli.notices.which_board" if count else "cli.notices.no_cooperative")
    first: int | None = await ctx.session.scalar(select(Cooperative.id))
    assert first is not None
    return first


def _describe(notice: Notice) -> str:
    retired = f"  ({say('cli.notices.retired_mark')})" if notice.retired_at is not None else ""
    texts = " / ".join(text for text in (notice.text_it, notice.text_en) if text)
    return f"{notice.id}: {notice.kind} {notice.valid_from}…{notice.valid_until}: {texts}{retired}"


@notices_app.command("add")
def add(
    kind: Annotated[str, typer.Option(help=f"One of: {KINDS}.")],
    start: Annotated[str, typer.Option("--from", help="First day it holds, e.g. 2026-11-28.")],
    until: Annotated[str | None, typer.Option(help="Last day it holds (none: one day).")] = None,
    it: Annotated[str, typer.Option("--it", help="The notice in Italian.")] = "",
    en: Annotated[str, typer.Option("--en", help="The notice in English.")] = "",
    cooperative: Annotated[
        str | None, typer.Option(help="Whose board (needed with several cooperatives).")
    ] = None,
    lang: Annotated[str | None, typer.Option(help=LANG_HELP)] = None,
) -> None:
    """Post a notice, in Italian and/or English, valid from one day to another."""
    settings = settings_or_fail()
    cli_language(settings, lang)
    first = _day(start, "--from")
    last = _day(until, "--until") if until else first
    try:
        given = NoticeInput(
            kind=NoticeKind(kind), text_it=it, text_en=en, valid_from=first, valid_until=last
        )
    except ValueError as exc:  # a ValidationError is one too
        refuse("cli.notices.invalid", reason=rejected(exc, repr(kind)), kinds=KINDS)

    async def posting(ctx: DomainContext) -> str:
        notice = await post_notice(ctx, await _cooperative(ctx, cooperative), given)
        return say("cli.notices.posted", notice=_describe(notice))

    typer.echo(run_unit(settings, posting))


@notices_app.command("list")
def list_notices(
    everything: Annotated[bool, typer.Option("--all", help="Also those retired or over.")] = False,
    cooperative: Annotated[str | None, typer.Option(help="Only this cooperative's.")] = None,
    lang: Annotated[str | None, typer.Option(help=LANG_HELP)] = None,
) -> None:
    """The notices current or coming, soonest first."""
    settings = settings_or_fail()
    cli_language(settings, lang)

    async def listing(ctx: DomainContext) -> list[str]:
        scope = await _cooperative(ctx, cooperative) if cooperative else None
        return [_describe(n) for n in await board_of(ctx, scope, retired=everything)]

    for line in run_unit(settings, listing):
        typer.echo(line)


@notices_app.command("retire")
def retire(
    notice_id: Annotated[int, typer.Argument(help="The notice's number.")],
    lang: Annotated[str | None, typer.Option(help=LANG_HELP)] = None,
) -> None:
    """Take a notice down (it stays on record)."""
    settings = settings_or_fail()
    cli_language(settings, lang)

    async def retiring(ctx: DomainContext) -> str:
        retired = await retire_notice(ctx, notice_id, None)
        return say("cli.notices.retired", notice=_describe(retired))

    typer.echo(run_unit(settings, retiring))
