"""`concierge serve`: the whole service — the web stack is imported here, only to serve."""

from __future__ import annotations

import asyncio
from importlib.util import find_spec
from typing import Annotated

import typer
import uvicorn

from bot.cli.posture import demo_refusal, demo_users
from bot.cli.support import (
    LANG_HELP,
    cli_language,
    fail,
    fail_to_start,
    runtime_or_fail,
    settings_or_fail,
)
from bot.log_privacy import install_log_masking
from bot.logs import configure_logging
from bot.runtime import StartupError, hold_sqlite_file
from concierge.i18n import t
from concierge.settings import Settings


def _run(settings: Settings, host: str, port: int) -> None:
    from bot.app import create_app  # the whole service, loaded only to serve it

    uvicorn.run(
        create_app(runtime_or_fail(settings)),
        host=host,
        port=port,
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


def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (HTTP_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (HTTP_PORT).")] = None,
    lang: Annotated[str | None, typer.Option(help=LANG_HELP)] = None,
) -> None:
    """Start the service: the dashboard, and every channel configured in .env."""
    settings = settings_or_fail()
    language = cli_language(settings, lang)
    configure_logging(settings.log_level)
    install_log_masking()  # before the first statement: numbers masked, no texts logged
    runtime = runtime_or_fail(settings)
    try:
        asyncio.run(runtime.check_database())
        hold_sqlite_file(settings)  # held for the process's life; the app holds it too
    except StartupError as exc:
        fail_to_start(exc)
    if settings.is_public and settings.webchat_demo:
        fail(t(language, "cli.serve.public_webchat"))
    if settings.is_public and (published := demo_users(settings)):
        fail(demo_refusal(published, language))
    listen_host = host or settings.http_host
    listen_port = port or settings.http_port
    address = f"http://{listen_host}:{listen_port}"
    if settings.webchat_demo:
        typer.echo(t(language, "cli.serve.webchat", url=f"{address}/chat"))
    typer.echo(t(language, "cli.serve.dashboard", url=f"{address}/dashboard"))
    _run(settings, listen_host, listen_port)
