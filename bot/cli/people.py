"""`concierge people`: a person's rights over their data - everything held about them as one
JSON document, and their erasure."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer

from bot.cli.support import (
    LANG_HELP,
    cli_language,
    refuse,
    run_unit,
    runtime_or_fail,
    say,
    settings_or_fail,
)
from concierge.context import DomainContext
from concierge.database import checkpoint
from concierge.privacy.erasure import erase_person
from concierge.privacy.records import Document, export_person, person_by_phone, plain
from concierge.settings import Settings

people_app = typer.Typer(
    help="A person's data: export everything held about them, or erase it.", no_args_is_help=True
)
CLI_ACTOR = "cli"


@people_app.command("export")
def export(phone: Annotated[str, typer.Argument(help="Their phone number.")]) -> None:
    """Print one JSON document with everything held about the person (the export is audited)."""

    async def work(ctx: DomainContext) -> Document:
        return await export_person(ctx, await person_by_phone(ctx, phone), CLI_ACTOR)

    document = run_unit(settings_or_fail(), work)
    typer.echo(json.dumps(document, ensure_ascii=False, indent=2, default=plain))


def _scrub(settings: Settings) -> None:
    async def run() -> None:
        runtime = runtime_or_fail(settings)
        try:
            await checkpoint(runtime.engine)
        finally:
            await runtime.close()

    asyncio.run(run())


@people_app.command("erase")
def erase(
    phone: Annotated[str, typer.Argument(help="Their phone number.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask to confirm.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Erase even with open requests (they are cancelled).")
    ] = False,
    lang: Annotated[str | None, typer.Option(help=LANG_HELP)] = None,
) -> None:
    """Erase the person's identity, contacts, texts and notes; anonymous rows stay counted."""
    settings = settings_or_fail()
    cli_language(settings, lang)
    if not yes and not typer.confirm(say("cli.people.erase_confirm", phone=phone)):
        refuse("cli.people.nothing_erased")

    async def work(ctx: DomainContext) -> int:
        person = await person_by_phone(ctx, phone)
        await erase_person(ctx, person, CLI_ACTOR, force=force)
        return person.id

    erased = run_unit(settings, work)
    _scrub(settings)
    typer.echo(say("cli.people.erased", id=erased))
