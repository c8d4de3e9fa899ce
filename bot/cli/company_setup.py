"""`concierge companies add|plan|show`: how a network sets up a member company without demo
data — its enrolment code and partita IVA, its welfare plan (a yearly credit or vouchers per
worker, the days it runs, the services it pays for), and what it holds now."""

from __future__ import annotations

import json
from collections.abc import Awaitable
from typing import Annotated

import typer
from pydantic import ValidationError

from bot.cli.amounts import codes, day, long_day, positive_cents
from bot.cli.support import LANG_HELP, cli_language, fail, run_unit, settings_or_fail
from concierge.context import DomainContext
from concierge.errors import InvalidValue, NotFound
from concierge.i18n import t
from concierge.intake.catalogue import Service, active_services
from concierge.settings import Language
from concierge.team.vat_number import valid_vat_number
from concierge.welfare.companies import (
    Company,
    Plan,
    PlanInput,
    PlanMode,
    add_company,
    add_plan,
    company_named,
    company_with_code,
    plan_on,
)
from concierge.welfare.enrolment import EnrolmentStatus, company_enrolments, grant_confirmed
from concierge.welfare.money import euros, show

Lang = Annotated[str | None, typer.Option(help=LANG_HELP)]
Name = Annotated[str, typer.Argument(help="The company's name.")]


async def _company(ctx: DomainContext, name: str, language: Language) -> Company:
    try:
        return await company_named(ctx, name)
    except NotFound:
        fail(t(language, "cli.companies.unknown", name=repr(name)))


async def _found(lookup: Awaitable[Company]) -> Company | None:
    try:
        return await lookup
    except NotFound:
        return None


def add(
    name: Annotated[str, typer.Argument(help="The company's name, e.g. 'Beta S.r.l.'.")],
    code: Annotated[str, typer.Option(help="The code its workers give the bot to enrol.")],
    vat_number: Annotated[str, typer.Option(help="Its partita IVA (11 digits, checked).")] = "",
    lang: Lang = None,
) -> None:
    """A new member company with its enrolment code (unique) and partita IVA."""
    settings = settings_or_fail()
    said = cli_language(settings, lang)
    if not name.strip() or not code.strip():
        fail(t(said, "cli.companies.name_and_code"))
    try:
        number = valid_vat_number(vat_number) if vat_number.strip() else ""
    except InvalidValue:
        fail(t(said, "cli.companies.bad_vat", given=repr(vat_number)))

    async def work(ctx: DomainContext) -> str:
        holder = await _found(company_with_code(ctx, code))
        if holder is not None:
            fail(t(said, "cli.companies.code_taken", code=holder.code, company=holder.name))
        same = await _found(company_named(ctx, name))
        if same is not None:
            fail(t(said, "cli.companies.name_taken", name=same.name))
        company = await add_company(ctx, name, code, number)
        return t(said, "cli.companies.added", name=company.name, code=company.code)

    typer.echo(run_unit(settings, work))


async def _services(ctx: DomainContext, wanted: tuple[str, ...], language: Language) -> None:
    known = await active_services(ctx.session)
    unknown = [code for code in wanted if code not in {s.code for s in known}]
    if unknown:
        fail(
            t(language, "cli.welfare.unknown_services", codes=", ".join(unknown),
              known=", ".join(s.code for s in known))
        )  # fmt: skip


def plan(
    name: Name,
    credit: Annotated[str, typer.Option(help="Euros a worker a year, e.g. 300 or 250,50.")],
    starts: Annotated[str, typer.Option("--from", help="The first day, e.g. 2027-01-01.")],
    ends: Annotated[str, typer.Option("--to", help="The last day credit is spent, 2027-12-31.")],
    services: Annotated[str, typer.Option(help="The services it pays for: ironing,cleaning…")],
    vouchers: Annotated[bool, typer.Option(help="Vouchers (one a service), not credit.")] = False,
    title: Annotated[str | None, typer.Option("--name", help="The plan's name.")] = None,
    lang: Lang = None,
) -> None:
    """A company's welfare plan: yearly credit (or vouchers) per worker, dates, services."""
    settings = settings_or_fail()
    said = cli_language(settings, lang)
    amount = positive_cents(credit, "--credit", said)
    first, last = day(starts, "--from", said), day(ends, "--to", said)
    if last < first:
        fail(t(said, "cli.companies.dates_reversed", starts=starts, ends=ends))
    covered = codes(services)
    if not covered:
        fail(t(said, "cli.companies.no_services"))
    try:
        given = PlanInput(
            name=title if title is not None else f"Welfare {first.year}",
            mode=PlanMode.VOUCHERS if vouchers else PlanMode.CREDIT,
            yearly_credit_cents=amount, starts_on=first, ends_on=last, services=covered,
        )  # fmt: skip
    except ValidationError:  # the rest was checked above: only the name can be wrong here
        fail(t(said, "cli.companies.bad_plan_name", given=repr(title)))

    async def work(ctx: DomainContext) -> str:
        company = await _company(ctx, name, said)
        await _services(ctx, covered, said)
        try:
            added = await add_plan(ctx, company, given)
        except InvalidValue as exc:
            other = exc.params.get("plan", "")
            fail(t(said, "cli.companies.overlap", plan=other, starts=exc.params.get("starts_on"),
                   ends=exc.params.get("ends_on")))  # fmt: skip
        granted = await grant_confirmed(ctx, company)
        line = _plan_line(added, await _names(ctx), said)
        return t(said, "cli.companies.plan_added", company=company.name, plan=line,
                 granted=granted)  # fmt: skip

    typer.echo(run_unit(settings, work))


async def _names(ctx: DomainContext) -> dict[str, Service]:
    return {service.code: service for service in await active_services(ctx.session)}


def _plan_line(plan: Plan, names: dict[str, Service], language: Language) -> str:
    services = ", ".join(names[c].name(language) if c in names else c for c in plan.services)
    return t(
        language, f"cli.companies.plan.{plan.mode}", name=plan.name,
        amount=show(plan.yearly_credit_cents, language),
        starts=long_day(plan.starts_on, language), ends=long_day(plan.ends_on, language),
        services=services,
    )  # fmt: skip


def _plan_row(plan: Plan, running: Plan | None) -> dict[str, object]:
    return {
        "name": plan.name, "mode": str(plan.mode),
        "yearly_credit_euros": str(euros(plan.yearly_credit_cents)),
        "starts_on": plan.starts_on.isoformat(), "ends_on": plan.ends_on.isoformat(),
        "services": list(plan.services), "running": plan is running,
    }  # fmt: skip


def show_company(
    name: Name,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object, for scripts.")] = False,
    lang: Lang = None,
) -> None:
    """One company: its code, partita IVA, plans (the running one marked), workers enrolled."""
    settings = settings_or_fail()
    said = cli_language(settings, lang)

    async def work(ctx: DomainContext) -> tuple[dict[str, object], list[str]]:
        company = await _company(ctx, name, said)
        running = plan_on(company, ctx.now().astimezone(ctx.zone).date())
        statuses = [e.status for e in await company_enrolments(ctx, company.id)]
        confirmed = statuses.count(EnrolmentStatus.CONFIRMED)
        pending = statuses.count(EnrolmentStatus.PENDING)
        names = await _names(ctx)
        row = {
            "name": company.name, "code": company.code, "vat_number": company.vat_number,
            "plans": [_plan_row(p, running) for p in company.plans],
            "workers_confirmed": confirmed, "workers_pending": pending,
        }  # fmt: skip
        lines = [t(said, "cli.companies.heading", name=company.name, code=company.code,
                   vat=company.vat_number or "—")]  # fmt: skip
        for each in company.plans:
            mark = t(said, "cli.companies.running") if each is running else ""
            lines.append(f"  {_plan_line(each, names, said)}{mark}")
        if not company.plans:
            lines.append(f"  {t(said, 'cli.companies.no_plan')}")
        lines.append(t(said, "cli.companies.workers", confirmed=confirmed, pending=pending))
        return row, lines

    row, lines = run_unit(settings, work)
    typer.echo(json.dumps(row, ensure_ascii=False, indent=2) if as_json else "\n".join(lines))
