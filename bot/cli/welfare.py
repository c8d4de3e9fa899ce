"""`concierge companies`, `concierge credit` and `concierge report company`: company welfare
from the command line — member companies, a worker's credit, a company's monthly report."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from bot.cli import company_setup, receipts
from bot.cli.support import LANG_HELP, cli_language, refuse, run_unit, say, settings_or_fail
from concierge.context import DomainContext
from concierge.messages import IdentityKind
from concierge.people.person import find_person, normalise_phone
from concierge.welfare.companies import all_companies, company_named, plan_on
from concierge.welfare.enrolment import EnrolmentStatus, company_enrolments
from concierge.welfare.money import euros
from concierge.welfare.report import company_report
from concierge.welfare.report_files import report_csv, report_pdf
from concierge.welfare.statement import credit_statement

welfare_app = typer.Typer()
companies_app = typer.Typer(help="Member companies and their welfare plans.", no_args_is_help=True)
report_app = typer.Typer(help="Reports: a company's month.", no_args_is_help=True)
welfare_app.add_typer(companies_app, name="companies")
welfare_app.add_typer(report_app, name="report")
welfare_app.command("receipt")(receipts.receipt)
welfare_app.command("paid")(receipts.paid)
welfare_app.command("fiscal-code")(receipts.fiscal_code)
welfare_app.command("vat-number")(receipts.vat_number)


async def _companies(ctx: DomainContext) -> list[dict[str, object]]:
    today = ctx.now().astimezone(ctx.zone).date()
    rows: list[dict[str, object]] = []
    for company in await all_companies(ctx):
        plan = plan_on(company, today)
        statuses = [e.status for e in await company_enrolments(ctx, company.id)]
        rows.append({
            "name": company.name, "code": company.code, "vat_number": company.vat_number,
            "plan": plan.name if plan else None, "mode": plan.mode if plan else None,
            "yearly_credit_euros": str(euros(plan.yearly_credit_cents)) if plan else None,
            "plan_ends_on": plan.ends_on.isoformat() if plan else None,
            "services": plan.services if plan else [],
            "workers_confirmed": statuses.count(EnrolmentStatus.CONFIRMED),
            "workers_pending": statuses.count(EnrolmentStatus.PENDING),
        })  # fmt: skip
    return rows


@companies_app.command("list")
def list_companies(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON array, for scripts.")] = False,
    lang: Annotated[str | None, typer.Option(help=LANG_HELP)] = None,
) -> None:
    """The member companies: enrolment code, running plan, workers confirmed and waiting."""
    settings = settings_or_fail()
    cli_language(settings, lang)
    rows = run_unit(settings, _companies)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        typer.echo(say("cli.companies.none"))
        return
    for row in rows:
        plan = say("cli.companies.plan", **row) if row["plan"] else say("cli.companies.no_plan")
        typer.echo(say("cli.companies.line", **{**row, "plan": plan}))


companies_app.command("add")(company_setup.add)
companies_app.command("plan")(company_setup.plan)
companies_app.command("show")(company_setup.show_company)


@welfare_app.command("credit")
def credit(
    phone: Annotated[str, typer.Argument(help="The worker's phone number.")],
    lang: Annotated[str | None, typer.Option(help=LANG_HELP)] = None,
) -> None:
    """A worker's welfare credit: what is left, until when, unused vouchers, last movements."""
    settings = settings_or_fail()
    language = cli_language(settings, lang)

    async def work(ctx: DomainContext) -> str:
        number = normalise_phone(phone, ctx.settings.default_region)
        person = await find_person(ctx.session, IdentityKind.PHONE, number)
        if person is None:
            refuse("cli.nobody_with_phone", phone=phone)
        return f"{person.display_name}\n{await credit_statement(ctx, person.id, language)}"

    typer.echo(run_unit(settings, work))


def _bad(text: str) -> date:
    refuse("cli.expected_month", option="--month", given=repr(text))


def _month(text: str) -> date:
    try:
        return date.fromisoformat(f"{text.strip()}-01") if len(text.strip()) == 7 else _bad(text)
    except ValueError:
        return _bad(text)


def _write(path: Path, content: str | bytes) -> None:
    try:
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    except OSError as exc:
        refuse("cli.cannot_write", path=str(path), reason=exc.strerror)


@report_app.command("company")
def company(
    name: Annotated[str, typer.Argument(help="The company's name.")],
    month: Annotated[str, typer.Option(help="The month, e.g. 2026-11.")],
    csv: Annotated[Path, typer.Option(help="Where to write the CSV.")],
    pdf: Annotated[Path | None, typer.Option(help="Where to write the PDF.")] = None,
    lang: Annotated[str | None, typer.Option(help=LANG_HELP)] = None,
) -> None:
    """A company's monthly welfare report: workers, use by service and purpose, credit, fringe
    benefits against the limit, solidarity fund."""
    settings = settings_or_fail()
    language = cli_language(settings, lang)
    first = _month(month)

    async def work(ctx: DomainContext) -> tuple[str, bytes | None]:
        found = await company_report(ctx, await company_named(ctx, name), first, language)
        return report_csv(found), report_pdf(found, language) if pdf is not None else None

    text, document = run_unit(settings, work)
    _write(csv, text)
    if pdf is not None and document is not None:
        _write(pdf, document)
    files = say("cli.report.two_files", csv=str(csv), pdf=str(pdf)) if pdf else str(csv)
    typer.echo(say("cli.report.written", name=name, month=month, files=files))
