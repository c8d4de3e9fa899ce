"""`concierge prices set|list`: what each cooperative asks for each service — for the whole
service or by the hour, before VAT — as the chat quotes it to a person before they confirm."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from sqlalchemy import select

from bot.cli.amounts import percent, positive_cents, vat_basis_points
from bot.cli.support import LANG_HELP, cli_language, fail, run_unit, settings_or_fail
from concierge.context import DomainContext
from concierge.i18n import t
from concierge.intake.catalogue import Service
from concierge.settings import Language
from concierge.team.operators import Cooperative
from concierge.welfare.money import euros, show
from concierge.welfare.prices import Price, PriceUnit, price_list, quote, set_price

prices_app = typer.Typer(
    help="Prices of services per cooperative, VAT shown.",
    no_args_is_help=True,
)
Lang = Annotated[str | None, typer.Option(help=LANG_HELP)]
COOPERATIVE_HELP = "The cooperative asking the price, by name."


async def _cooperative(ctx: DomainContext, name: str, language: Language) -> Cooperative:
    found = await ctx.session.scalar(select(Cooperative).where(Cooperative.name == name.strip()))
    if found is None:
        fail(t(language, "cli.prices.unknown_cooperative", name=repr(name)))
    return found


def _shown(price: Price, service: str, cooperative: str, language: Language) -> str:
    # An hourly price is shown for one hour, as the chat quotes it.
    priced = quote(price, 60)
    key = "cli.prices.line_hourly" if price.unit == PriceUnit.HOUR else "cli.prices.line"
    return t(
        language, key, service=service, cooperative=cooperative,
        net=show(priced.net_cents, language), vat=show(priced.vat_cents, language),
        rate=percent(price.vat_basis_points, language), gross=show(priced.gross_cents, language),
    )  # fmt: skip


def _row(price: Price, cooperative: str) -> dict[str, object]:
    priced = quote(price, 60)
    return {
        "service": price.service_code, "cooperative": cooperative, "unit": str(price.unit),
        "net_euros": str(euros(priced.net_cents)),
        "vat_percent": str(percent(price.vat_basis_points, "en")),
        "vat_euros": str(euros(priced.vat_cents)), "gross_euros": str(euros(priced.gross_cents)),
    }  # fmt: skip


@prices_app.command("set")
def set_command(
    service: Annotated[str, typer.Argument(help="The service's code, e.g. ironing.")],
    cooperative: Annotated[str, typer.Option(help=COOPERATIVE_HELP)],
    fixed: Annotated[str | None, typer.Option(help="Euros for the service, e.g. 12,50.")] = None,
    hourly: Annotated[str | None, typer.Option(help="Euros an hour, e.g. 18.")] = None,
    vat: Annotated[str, typer.Option(help="VAT in per cent (22; 5 for social care).")] = "22",
    lang: Lang = None,
) -> None:
    """Set (or change) a cooperative's price for a service: --fixed or --hourly, before VAT."""
    settings = settings_or_fail()
    said = cli_language(settings, lang)
    if (fixed is None) == (hourly is None):
        fail(t(said, "cli.prices.fixed_or_hourly"))
    unit = PriceUnit.FIXED if fixed is not None else PriceUnit.HOUR
    option, given = ("--fixed", fixed) if fixed is not None else ("--hourly", hourly)
    amount = positive_cents(given or "", option, said)
    rate = vat_basis_points(vat, said)
    code = service.strip().lower()

    async def work(ctx: DomainContext) -> str:
        team = await _cooperative(ctx, cooperative, said)
        entry = await ctx.session.get(Service, code)
        if entry is None:
            fail(t(said, "cli.prices.unknown_service", code=repr(service)))
        price = await set_price(ctx, code, team.id, unit, amount, rate)
        return _shown(price, entry.name(said), team.name, said)

    typer.echo(run_unit(settings, work))


@prices_app.command("list")
def list_command(
    cooperative: Annotated[str | None, typer.Option(help=COOPERATIVE_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON array, for scripts.")] = False,
    lang: Lang = None,
) -> None:
    """Every price set (or one cooperative's): net, VAT and what the person pays."""
    settings = settings_or_fail()
    said = cli_language(settings, lang)

    async def work(ctx: DomainContext) -> tuple[list[dict[str, object]], list[str]]:
        chosen = await _cooperative(ctx, cooperative, said) if cooperative else None
        teams = {c.id: c.name for c in await ctx.session.scalars(select(Cooperative))}
        names = {s.code: s.name(said) for s in await ctx.session.scalars(select(Service))}
        prices = await price_list(ctx, chosen.id if chosen else None)
        rows = [_row(p, teams[p.cooperative_id]) for p in prices]
        lines = [_shown(p, names[p.service_code], teams[p.cooperative_id], said) for p in prices]
        return rows, lines

    rows, lines = run_unit(settings, work)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    typer.echo("\n".join(lines) if lines else t(said, "cli.prices.none"))
