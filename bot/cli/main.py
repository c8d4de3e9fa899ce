"""The `concierge` command line: serve the service, migrate the database, load demo data."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from pydantic import AwareDatetime, BaseModel, ValidationError

from bot.cli.checkins import checkins_app
from bot.cli.help_text import PlainGroup
from bot.cli.notices import notices_app
from bot.cli.people import people_app
from bot.cli.posture import demo_refusal, demo_users, doctor
from bot.cli.services import services_app
from bot.cli.support import (
    GIVEN_LANGUAGE,
    LANG_HELP,
    cli_language,
    fail,
    run_unit,
    runtime_or_fail,
    settings_or_fail,
)
from bot.cli.team import operators_app, rota_app
from bot.cli.telegram import telegram_app
from bot.cli.users import users_app
from bot.cli.welfare import welfare_app
from bot.log_privacy import install_log_masking
from bot.logs import configure_logging
from bot.runtime import StartupError, first_line, hold_sqlite_file
from concierge.clock import SystemClock
from concierge.context import DomainContext
from concierge.database import transaction
from concierge.demo import DEMO_PASSWORD, load_demo
from concierge.errors import NotFound
from concierge.i18n import format_moment, t
from concierge.intake.catalogue import ensure_default_services
from concierge.intake.understanding import understand
from concierge.jobs.listing import describe_pending
from concierge.migrate import upgrade
from concierge.requests.notifications import request_summary
from concierge.requests.request import get_request
from concierge.requests.timeline import request_timeline
from concierge.settings import Language, Settings

app = typer.Typer(
    help="Neighbourhood concierge bot: requests by chat and phone, routed to operators on duty.",
    no_args_is_help=True,
    add_completion=False,
    cls=PlainGroup,
)
db_app = typer.Typer(help="Manage the database.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(operators_app, name="operators")
app.add_typer(rota_app, name="rota")
app.add_typer(telegram_app, name="telegram")
app.add_typer(checkins_app, name="checkins")
app.add_typer(notices_app, name="notices")
app.add_typer(users_app, name="users")
app.add_typer(people_app, name="people")
app.add_typer(services_app, name="services")
app.add_typer(welfare_app)
app.command()(doctor)


@app.callback()
def main(lang: Annotated[str | None, typer.Option(help=LANG_HELP)] = None) -> None:
    """Neighbourhood concierge bot: requests by chat and phone, routed to operators on duty."""
    GIVEN_LANGUAGE.set(lang)


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
        fail(f"DATABASE_URL: cannot migrate {safe_url}: {first_line(exc)}")
    typer.echo(t(language, "cli.db.upgraded", added=added))


@app.command()
def demo(lang: Annotated[str | None, typer.Option(help=LANG_HELP)] = None) -> None:
    """Load demo data: a cooperative, three operators on a Mon–Sat 8:00–18:00 rota, residents."""
    settings = settings_or_fail()
    language = cli_language(settings, lang)
    added = run_unit(settings, lambda ctx: load_demo(ctx.session, ctx.now(), ctx.settings))
    typer.echo(t(language, "cli.demo.ready", **added))
    typer.echo(t(language, "cli.demo.users", password=repr(DEMO_PASSWORD)))


@app.command()
def jobs(lang: Annotated[str | None, typer.Option(help=LANG_HELP)] = None) -> None:
    """List the pending scheduled jobs: when (local time), what, which request, for whom."""
    settings = settings_or_fail()
    language = cli_language(settings, lang)
    rows = run_unit(settings, lambda ctx: describe_pending(ctx, language))
    if not rows:
        typer.echo(t(language, "cli.jobs.none"))
        return
    when = t(language, "cli.jobs.when", zone=settings.time_zone)
    what, request, whom = (t(language, f"cli.jobs.{key}") for key in ("what", "request", "for"))
    typer.echo(f"{when:<22} {what:<20} {request:<18} {whom}")
    for row in rows:
        typer.echo(f"{row['when']:<22} {row['what']:<20} {row['request']:<18} {row['for']}")


@app.command()
def request(
    number: Annotated[int, typer.Argument(help="The request's number, as people see it.")],
    lang: Annotated[str | None, typer.Option(help=LANG_HELP)] = None,
) -> None:
    """Show one request and its timeline: every change, who made it, the requester's mark."""
    settings = settings_or_fail()
    language = cli_language(settings, lang)

    async def timeline(ctx: DomainContext) -> list[str] | None:
        try:
            found = await get_request(ctx, number)
        except NotFound:
            return None
        lines = [request_summary(ctx, found, language)]
        for entry in await request_timeline(ctx, number, language):
            lines.append(f"{format_moment(entry.at, language, ctx.zone)}  {entry.text}")
        return lines

    lines = run_unit(settings, timeline)
    if lines is None:
        fail(t(language, "cli.request.missing", number=number))
    for line in lines:
        typer.echo(line)


class ParseLine(BaseModel):
    """One line of a `concierge parse --batch` file."""

    text: str
    now: AwareDatetime | None = None
    lang: Language | None = None


def _invalid(exc: ValidationError) -> str:
    """A pydantic error as one line naming the option or field, e.g. '--now: Input should…'."""
    parts = []
    for error in exc.errors():
        name = ".".join(str(part) for part in error["loc"])
        parts.append(f"{'--' + name if name in ('now', 'lang') else name}: {error['msg']}")
    return "; ".join(parts)


def _understood(settings: Settings, line: ParseLine) -> str:
    now = line.now or SystemClock().now()
    reading = understand(line.text, now, settings.zone, line.lang)
    return json.dumps(reading.summary(settings.zone), ensure_ascii=False)


@app.command()
def parse(
    text: Annotated[
        str | None, typer.Argument(help="A request as a person would write it.")
    ] = None,
    now: Annotated[
        str | None, typer.Option(help="When it was written, ISO-8601 (default: now).")
    ] = None,
    lang: Annotated[
        str | None, typer.Option(help="The writer's language setting: it or en.")
    ] = None,
    batch: Annotated[
        Path | None,
        typer.Option(help='A JSON Lines file of {"text", "now", "lang"}; one answer per line.'),
    ] = None,
) -> None:
    """Print what the bot understands of a request: category, when, urgency (one JSON object)."""
    settings = settings_or_fail()
    if (text is None) == (batch is None):
        fail("give either a TEXT or --batch FILE")
    try:
        if batch is not None:
            lines = batch.read_text(encoding="utf-8").splitlines()
            for number, raw in enumerate(lines, start=1):
                if raw.strip():
                    try:
                        typer.echo(_understood(settings, ParseLine.model_validate_json(raw)))
                    except ValidationError as exc:
                        fail(f"{batch}:{number}: {_invalid(exc)}")
            return
        line = ParseLine.model_validate({"text": text, "now": now, "lang": lang})
    except ValidationError as exc:
        fail(_invalid(exc))
    except OSError as exc:
        fail(f"cannot read {batch}: {exc.strerror}")
    typer.echo(_understood(settings, line))


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (HTTP_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (HTTP_PORT).")] = None,
) -> None:
    """Start the service: the dashboard, and every channel configured in .env."""
    settings = settings_or_fail()
    configure_logging(settings.log_level)
    install_log_masking()  # before the first statement: numbers masked, no texts logged
    runtime = runtime_or_fail(settings)
    try:
        asyncio.run(runtime.check_database())
        hold_sqlite_file(settings)  # held for the process's life; the app holds it too
    except StartupError as exc:
        fail(str(exc))
    if settings.is_public and settings.webchat_demo:
        fail("WEBCHAT_DEMO is on but PUBLIC_BASE_URL is https: the demo web chat lets anyone act"
             " as anyone; remove WEBCHAT_DEMO from this service's settings")  # fmt: skip
    if settings.is_public and (published := demo_users(settings)):
        fail(demo_refusal(published))
    listen_host = host or settings.http_host
    listen_port = port or settings.http_port
    if settings.webchat_demo:
        typer.echo(f"Web chat (demo): http://{listen_host}:{listen_port}/chat")
    typer.echo(f"Dashboard: http://{listen_host}:{listen_port}/dashboard")
    from importlib.util import find_spec

    from bot.app import create_app  # the whole service, loaded only to serve it

    uvicorn.run(
        create_app(runtime_or_fail(settings)),
        host=listen_host,
        port=listen_port,
        # uvicorn[standard]'s C event loop and HTTP parser: about four times the pure-Python
        # defaults' ceiling on this service's hardware (benchmarks/webhook_intake.py).
        loop="uvloop" if find_spec("uvloop") else "asyncio",
        http="httptools" if find_spec("httptools") else "h11",
        log_level=settings.log_level.lower(),
        # Client addresses (log-in throttling) and https come from X-Forwarded-* headers only
        # when the peer is one of these proxies.
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        log_config=None,  # uvicorn's lines in the service's one format (bot.logs)
        # Open dashboards hold event streams: a stop waits for them a few seconds, not forever.
        timeout_graceful_shutdown=5,
    )


if __name__ == "__main__":
    app()
