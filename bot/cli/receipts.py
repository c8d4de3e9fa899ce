"""`concierge receipt`, `concierge paid`, `concierge fiscal-code` and `concierge vat-number`:
receipts of paid services from the command line, the payment a person made, and the codes
receipts carry (a person's codice fiscale, a cooperative's partita IVA)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.support import LANG_HELP, cli_language, refuse, run_unit, say, settings_or_fail
from concierge.context import DomainContext
from concierge.messages import IdentityKind
from concierge.people.fiscal_code import set_fiscal_code
from concierge.people.person import find_person, normalise_phone
from concierge.team.vat_number import set_vat_number
from concierge.welfare.receipt_files import receipt_pdf, receipt_text
from concierge.welfare.receipts import (
    PaymentMethod,
    issued_receipt,
    paid_movement,
    receipt_for,
    receipt_view,
    record_payment,
)

CLI_ACTOR = "cli"


def receipt(
    request_id: Annotated[int, typer.Argument(help="The request's number.")],
    pdf: Annotated[Path | None, typer.Option(help="Where to write the PDF.")] = None,
    issue: Annotated[
        bool, typer.Option(help="Issue it first if it is not (it takes the next number).")
    ] = False,
    lang: Annotated[str | None, typer.Option(help=LANG_HELP)] = None,
) -> None:
    """The receipt of a request's paid service: printed, and as a PDF with --pdf.

    Reading issues nothing: a receipt not issued yet is issued with --issue."""
    settings = settings_or_fail()
    language = cli_language(settings, lang)

    async def work(ctx: DomainContext) -> tuple[str, bytes]:
        movement = await paid_movement(ctx, request_id)
        issued = await (
            receipt_for(ctx, movement, CLI_ACTOR) if issue else issued_receipt(ctx, movement)
        )
        view = await receipt_view(ctx, issued, language)
        return receipt_text(view, language), receipt_pdf(view, language)

    text, document = run_unit(settings, work)
    typer.echo(text)
    if pdf is not None:
        try:
            pdf.write_bytes(document)
        except OSError as exc:
            refuse("cli.cannot_write", path=str(pdf), reason=exc.strerror)


def paid(
    request_id: Annotated[int, typer.Argument(help="The request's number.")],
    method: Annotated[PaymentMethod, typer.Option(help="cash, card or transfer.")],
    on: Annotated[
        str | None, typer.Option(help="The payment date, e.g. 2026-11-30 (today).")
    ] = None,
    lang: Annotated[str | None, typer.Option(help=LANG_HELP)] = None,
) -> None:
    """Record that the person paid what a request left due from them (its receipt follows)."""
    settings = settings_or_fail()
    cli_language(settings, lang)
    try:
        day = date.fromisoformat(on) if on else None
    except ValueError:
        refuse("cli.expected_date", option="--on", given=repr(on))

    async def work(ctx: DomainContext) -> str:
        when = day or ctx.now().astimezone(ctx.zone).date()
        issued = await record_payment(ctx, request_id, when, method, CLI_ACTOR)
        return say("cli.paid.recorded", request_id=request_id, number=issued.number)

    typer.echo(run_unit(settings, work))


def fiscal_code(
    phone: Annotated[str, typer.Argument(help="The person's phone number.")],
    code: Annotated[str, typer.Argument(help="Their codice fiscale.")],
    lang: Annotated[str | None, typer.Option(help=LANG_HELP)] = None,
) -> None:
    """Set a person's codice fiscale (checked), printed on their receipts."""
    settings = settings_or_fail()
    cli_language(settings, lang)

    async def work(ctx: DomainContext) -> str:
        number = normalise_phone(phone, ctx.settings.default_region)
        person = await find_person(ctx.session, IdentityKind.PHONE, number)
        if person is None:
            refuse("cli.nobody_with_phone", phone=phone)
        code_set = set_fiscal_code(person, code)
        return say("cli.fiscal_code.set", name=person.display_name, code=code_set)

    typer.echo(run_unit(settings, work))


def vat_number(
    cooperative: Annotated[str, typer.Argument(help="The cooperative's name.")],
    number: Annotated[str, typer.Argument(help="Its partita IVA (11 digits).")],
    lang: Annotated[str | None, typer.Option(help=LANG_HELP)] = None,
) -> None:
    """Set a cooperative's partita IVA (checked), printed on its receipts."""
    settings = settings_or_fail()
    cli_language(settings, lang)

    async def work(ctx: DomainContext) -> str:
        found = await set_vat_number(ctx, cooperative, number)
        return say("cli.vat_number.set", name=found.name, number=found.vat_number)

    typer.echo(run_unit(settings, work))
