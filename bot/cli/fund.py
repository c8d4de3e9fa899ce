"""`concierge fund` and `concierge referral add|list`: the solidarity fund's balance and latest
movements, and social-services referrals, from the command line (the dashboard's welfare page
shows the same to coordinators and admins)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Annotated

import typer
from pydantic import ValidationError

from bot.cli.support import LANG_HELP, cli_language, fail, run_unit, settings_or_fail
from concierge.context import DomainContext
from concierge.errors import DomainError
from concierge.i18n import t
from concierge.messages import IdentityKind
from concierge.people.person import Person, find_person, normalise_phone
from concierge.settings import Language
from concierge.welfare.fund_grants import FundLine, fund_movements
from concierge.welfare.ledger import FUND, balance
from concierge.welfare.money import cents, euros, show
from concierge.welfare.referrals import (
    Referral,
    ReferralInput,
    all_referrals,
    budget_left,
    record_referral,
)

referral_app = typer.Typer(help="Social-services referrals: record and list.", no_args_is_help=True)
YEAR = timedelta(days=364)  # a referral with no last day given runs for a year
JsonFlag = Annotated[bool, typer.Option("--json", help="One JSON document, for scripts.")]
LangOption = Annotated[str | None, typer.Option(help=LANG_HELP)]


def _movement(line: FundLine) -> dict[str, object]:
    return {
        "at": line.at.isoformat(), "kind": line.kind, "euros": str(euros(line.amount_cents)),
        "request_id": line.request_id, "person": line.person or None, "reason": line.reason,
    }  # fmt: skip


def _movement_line(line: FundLine, language: Language) -> str:
    direction = "cli.fund.in" if line.amount_cents > 0 else "cli.fund.out"
    text = t(language, direction, amount=show(abs(line.amount_cents), language))
    text += f" · {line.at.date().isoformat()} · {t(language, 'dash.fund.kind.' + line.kind)}"
    if line.request_id:
        text += " · " + t(language, "dash.fund.request_no", id=line.request_id)
    return text + "".join(f" · {part}" for part in (line.person, line.reason) if part)


def fund(
    last: Annotated[int, typer.Option(help="How many movements to show.", min=1)] = 10,
    as_json: JsonFlag = False,
    lang: LangOption = None,
) -> None:
    """The solidarity fund: its balance and its latest movements (in and out)."""
    settings = settings_or_fail()
    language = cli_language(settings, lang)

    async def work(ctx: DomainContext) -> tuple[int, list[FundLine]]:
        return await balance(ctx, FUND), await fund_movements(ctx, None, last)

    held, lines = run_unit(settings, work)
    if as_json:
        document = {"balance_euros": str(euros(held)), "movements": [_movement(x) for x in lines]}
        typer.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    typer.echo(t(language, "dash.fund.balance", amount=show(held, language)))
    typer.echo("\n".join(_movement_line(line, language) for line in lines))


async def _person(ctx: DomainContext, phone: str, language: Language) -> Person:
    try:
        number = normalise_phone(phone, ctx.settings.default_region)
    except DomainError:
        number = None
    person = await find_person(ctx.session, IdentityKind.PHONE, number) if number else None
    if person is None:
        fail(t(language, "cli.referral.nobody", phone=phone))
    return person


@referral_app.command("add")
def add(
    phone: Annotated[str, typer.Argument(help="The referred person's phone number.")],
    body: Annotated[str, typer.Option(help="Who refers and pays, e.g. 'Comune di Bergamo'.")],
    limit: Annotated[str, typer.Option(help="The budget in euros, e.g. 300 or 250.50.")],
    rules: Annotated[str, typer.Option(help="The referral's rules, as text.")] = "",
    service: Annotated[
        list[str] | None, typer.Option(help="A service it covers (repeat); none: every one.")
    ] = None,
    starts: Annotated[str | None, typer.Option(help="First day, YYYY-MM-DD (today).")] = None,
    ends: Annotated[str | None, typer.Option(help="Last day, YYYY-MM-DD (a year on).")] = None,
    lang: LangOption = None,
) -> None:
    """Record a social-services referral: its services are free to the person, paid from it."""
    settings = settings_or_fail()
    language = cli_language(settings, lang)
    try:  # read before the database is opened: a wrong field costs nothing
        first = date.fromisoformat(starts) if starts else None
        given = {
            "municipality": body.strip(), "rules": rules.strip(), "budget_cents": cents(limit),
            "services": tuple(service or ()), "ends_on": date.fromisoformat(ends) if ends else None,
        }  # fmt: skip
    except (ValueError, DomainError):
        fail(t(language, "dash.welfare.bad_referral"))

    async def work(ctx: DomainContext) -> str:
        person = await _person(ctx, phone, language)
        day = first or ctx.now().astimezone(ctx.zone).date()
        try:
            referral_input = ReferralInput.model_validate(
                {**given, "starts_on": day, "ends_on": given["ends_on"] or day + YEAR}
            )
        except ValidationError:
            fail(t(language, "dash.welfare.bad_referral"))
        referral = await record_referral(ctx, person.id, referral_input, "cli")
        return _referral_line(referral, person.display_name, referral.budget_cents, language)

    typer.echo(t(language, "cli.referral.added", referral=run_unit(settings, work)))


def _referral_line(referral: Referral, name: str, left: int, language: Language) -> str:
    return t(
        language, "cli.referral.line", id=referral.id, person=name, body=referral.municipality,
        limit=show(referral.budget_cents, language), left=show(left, language),
        starts=referral.starts_on.isoformat(), ends=referral.ends_on.isoformat(),
        rules=referral.rules or "-",
    )  # fmt: skip


@referral_app.command("list")
def list_referrals(as_json: JsonFlag = False, lang: LangOption = None) -> None:
    """Every referral, newest first: whom, who pays, the limit and what is left, valid when."""
    settings = settings_or_fail()
    language = cli_language(settings, lang)

    async def work(ctx: DomainContext) -> list[tuple[dict[str, object], str]]:
        rows = []
        for referral in await all_referrals(ctx):
            person = await ctx.session.get(Person, referral.person_id)
            name, left = person.display_name if person else "", await budget_left(ctx, referral)
            rows.append((
                {
                    "id": referral.id, "person": name, "body": referral.municipality,
                    "rules": referral.rules, "services": referral.services,
                    "limit_euros": str(euros(referral.budget_cents)),
                    "left_euros": str(euros(left)), "starts_on": referral.starts_on.isoformat(),
                    "ends_on": referral.ends_on.isoformat(),
                },
                _referral_line(referral, name, left, language),
            ))  # fmt: skip
        return rows

    rows = run_unit(settings, work)
    if as_json:
        typer.echo(json.dumps([row for row, _ in rows], ensure_ascii=False, indent=2))
    elif not rows:
        typer.echo(t(language, "dash.referrals.none"))
    else:
        typer.echo("\n".join(line for _, line in rows))
