"""`concierge db upgrade` and `concierge demo`: the database's migrations, and demo data."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from bot.cli.support import (
    LANG_HELP,
    cli_language,
    fail,
    run_unit,
    runtime_or_fail,
    settings_or_fail,
)
from bot.runtime import first_line
from concierge.database import transaction
from concierge.demo import DEMO_PASSWORD, load_demo
from concierge.i18n import t
from concierge.intake.catalogue import ensure_default_services
from concierge.migrate import upgrade
from concierge.settings import Settings

db_app = typer.Typer(help="Manage the database.", no_args_is_help=True)


async def _upgrade(settings: Settings) -> int:
    runtime = runtime_or_fail(settings)
    try:
        await upgrade(runtime.engine)
        async with transaction(runtime.sessions) as session:
            return await ensure_default_services(session)
    finally:
        await runtime.close()


@db_app.command("upgrade")
def db_upgrade(lang: Annotated[str | None, typer.Option(help=LANG_HELP)] = None) -> None:
    """Apply every database migration and add the default service catalogue."""
    settings = settings_or_fail()
    language = cli_language(settings, lang)
    try:
        added = asyncio.run(_upgrade(settings))
    except Exception as exc:  # whatever the driver raised, name the setting to fix
        safe_url = settings.url.render_as_string(hide_password=True)
        fail(t(language, "cli.db.cannot_migrate", url=safe_url, reason=first_line(exc)))
    typer.echo(t(language, "cli.db.upgraded", added=added))


def demo(lang: Annotated[str | None, typer.Option(help=LANG_HELP)] = None) -> None:
    """Load demo data: a cooperative, three operators on a Mon–Sat 8:00–18:00 rota, residents."""
    settings = settings_or_fail()
    language = cli_language(settings, lang)
    added = run_unit(settings, lambda ctx: load_demo(ctx.session, ctx.now(), ctx.settings))
    typer.echo(t(language, "cli.demo.ready", **added))
    typer.echo(t(language, "cli.demo.users", password=repr(DEMO_PASSWORD)))
