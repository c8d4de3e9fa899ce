"""`concierge services`: a cooperative's catalogue from the command line, as its coordinators
keep it from the dashboard: list, retire, activate, rename, words, hours, add its own.

The domain is imported inside each command, so that `concierge --help` stays quick."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.support import cli_language, refuse, rejected, run_unit, settings_or_fail

if TYPE_CHECKING:
    from concierge.context import DomainContext
    from concierge.team.catalogue import Catalogue, OfferedService

services_app = typer.Typer(
    help="A cooperative's service catalogue: what it offers, under which names, words, hours.",
    no_args_is_help=True,
)
COOPERATIVE_HELP = "The cooperative whose catalogue it is, by name."
Cooperative = Annotated[str, typer.Option("--cooperative", help=COOPERATIVE_HELP)]
Code = Annotated[str, typer.Argument(help="The service's code, e.g. ironing.")]


async def _cooperative_id(ctx: DomainContext, name: str) -> int:
    from sqlalchemy import select

    from concierge.team.operators import Cooperative as Team

    found = await ctx.session.scalar(select(Team.id).where(Team.name == name))
    if found is None:
        refuse("cli.parcels.no_cooperative", name=repr(name))
    return found


def _row(entry: OfferedService) -> dict[str, object]:
    hours = entry.hours
    return {
        "code": entry.code, "active": entry.active, "own": entry.own,
        "name_it": entry.name_it, "name_en": entry.name_en,
        "description_it": entry.description_it, "description_en": entry.description_en,
        "words_it": list(entry.words_it), "words_en": list(entry.words_en),
        "hours": None if hours is None else {
            "days": list(hours.days), "from": f"{hours.starts_at:%H:%M}",
            "to": f"{hours.ends_at:%H:%M}",
        },
    }  # fmt: skip


def _line(entry: OfferedService, language: str) -> str:
    from concierge.i18n import t

    state = t(language, "cli.services.active" if entry.active else "cli.services.retired")
    if entry.own:
        state += t(language, "cli.services.own")
    hours = entry.hours.describe(language) if entry.hours else t(language, "cli.services.rota")
    words = ", ".join([*entry.words_it, *entry.words_en])
    return f"{entry.code:<16} {state:<18} {entry.name(language):<28} {hours:<24} {words}".rstrip()


@services_app.command("list")
def list_services(
    cooperative: Annotated[str | None, typer.Option(help=COOPERATIVE_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON array, for scripts.")] = False,
) -> None:
    """Every service of a cooperative's catalogue (without one: the shared catalogue)."""
    from concierge.team.catalogue import cooperative_catalogue

    settings = settings_or_fail()
    language = cli_language(settings)

    async def listing(ctx: DomainContext) -> Catalogue:
        chosen = await _cooperative_id(ctx, cooperative) if cooperative else None
        return await cooperative_catalogue(ctx.session, chosen)

    catalogue = run_unit(settings, listing)
    if as_json:
        rows = [_row(entry) for entry in catalogue.entries]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for entry in catalogue.entries:
        typer.echo(_line(entry, language))


def _change(
    cooperative: str, code: str, change: Callable[[DomainContext, int], Awaitable[object]]
) -> None:
    """Make one change to a cooperative's entry for a service; print the entry as it is now."""
    from concierge.team.catalogue import cooperative_catalogue

    settings = settings_or_fail()
    language = cli_language(settings)

    async def work(ctx: DomainContext) -> str:
        chosen = await _cooperative_id(ctx, cooperative)
        await change(ctx, chosen)
        entry = (await cooperative_catalogue(ctx.session, chosen)).get(code)
        assert entry is not None
        return _line(entry, language)

    typer.echo(run_unit(settings, work))


@services_app.command("retire")
def retire(code: Code, cooperative: Cooperative) -> None:
    """Stop offering a service: its requesters are told it is not offered in their zone."""
    from concierge.team.catalogue_editing import set_offered

    _change(cooperative, code, lambda ctx, team: set_offered(ctx, team, code, False))


@services_app.command("activate")
def activate(code: Code, cooperative: Cooperative) -> None:
    """Offer a retired service again."""
    from concierge.team.catalogue_editing import set_offered

    _change(cooperative, code, lambda ctx, team: set_offered(ctx, team, code, True))


@services_app.command("rename")
def rename(
    code: Code,
    cooperative: Cooperative,
    it: Annotated[str | None, typer.Option("--it", help="The Italian name ('': default).")] = None,
    en: Annotated[str | None, typer.Option("--en", help="The English name ('': default).")] = None,
    description_it: Annotated[str | None, typer.Option(help="The Italian description.")] = None,
    description_en: Annotated[str | None, typer.Option(help="The English description.")] = None,
) -> None:
    """Names and descriptions the cooperative's requesters read; '' goes back to the default."""
    from pydantic import ValidationError

    from concierge.team.catalogue_editing import ServiceNames
    from concierge.team.catalogue_editing import rename as renaming

    try:
        names = ServiceNames(
            name_it=it, name_en=en, description_it=description_it, description_en=description_en
        )
    except ValidationError as exc:
        refuse("cli.services.invalid_name", reason=rejected(exc, code))
    _change(cooperative, code, lambda ctx, team: renaming(ctx, team, code, names))


@services_app.command("words")
def words(
    code: Code,
    cooperative: Cooperative,
    add: Annotated[list[str] | None, typer.Option(help="A word or phrase ('pacc*': stem).")] = None,
    remove: Annotated[list[str] | None, typer.Option(help="A word to stop recognising.")] = None,
    lang: Annotated[str, typer.Option(help="The words' language: it or en.")] = "it",
) -> None:
    """Words that recognise the service in requests from the cooperative's zone."""
    from concierge.team.catalogue_editing import clean_words, entry_for, set_words

    if lang not in ("it", "en"):
        refuse("cli.lang_expected", choices="it, en", given=repr(lang))

    async def change(ctx: DomainContext, team: int) -> None:
        entry = await entry_for(ctx, team, code)
        current = list((entry.words_en if lang == "en" else entry.words_it) or [])
        dropped = set(clean_words(remove or []))
        kept = [word for word in current if word not in dropped]
        await set_words(ctx, team, code, lang, [*kept, *(add or [])])

    _change(cooperative, code, change)


@services_app.command("hours")
def hours(
    code: Code,
    cooperative: Cooperative,
    days: Annotated[str | None, typer.Option(help="e.g. mon-fri, sat,sun, lun-ven.")] = None,
    start: Annotated[str | None, typer.Option("--from", help="From, e.g. 09:00.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="To, e.g. 13:00.")] = None,
    clear: Annotated[bool, typer.Option(help="Back to the rota's opening hours.")] = False,
) -> None:
    """The days and hours the cooperative offers the service (else the rota's hours)."""
    from concierge.team.catalogue_editing import set_hours
    from concierge.team.offered_hours import OfferedHours, parse_days, parse_time

    if clear:
        _change(cooperative, code, lambda ctx, team: set_hours(ctx, team, code, None))
        return
    if days is None or start is None or end is None:
        refuse("cli.services.hours_needed")
    try:
        offered = OfferedHours(
            days=parse_days(days), starts_at=parse_time(start), ends_at=parse_time(end)
        )
    except ValueError as exc:  # a ValidationError is one too
        refuse("cli.services.invalid_hours", reason=rejected(exc, f"{days} {start}-{end}"))
    _change(cooperative, code, lambda ctx, team: set_hours(ctx, team, code, offered))


@services_app.command("add")
def add(
    code: Code,
    cooperative: Cooperative,
    it: Annotated[str, typer.Option("--it", help="The Italian name.")],
    en: Annotated[str, typer.Option("--en", help="The English name.")],
    description_it: Annotated[str, typer.Option(help="The Italian description.")] = "",
    description_en: Annotated[str, typer.Option(help="The English description.")] = "",
    words_it: Annotated[str, typer.Option(help="Italian words, comma-separated.")] = "",
    words_en: Annotated[str, typer.Option(help="English words, comma-separated.")] = "",
) -> None:
    """A service only this cooperative offers; give its operators the skill (its code)."""
    from pydantic import ValidationError

    from concierge.i18n import t
    from concierge.team.catalogue_editing import NewService, add_own_service

    try:
        given = NewService(
            code=code, name_it=it, name_en=en, description_it=description_it,
            description_en=description_en, words_it=words_it.split(","),
            words_en=words_en.split(","),
        )  # fmt: skip
    except ValidationError as exc:
        refuse("cli.services.invalid", reason=rejected(exc, code))
    _change(cooperative, code, lambda ctx, team: add_own_service(ctx, team, given))
    typer.echo(t(cli_language(settings_or_fail()), "cli.services.skill_hint", code=code))
