"""Production posture: refusing to serve the published demo passwords on the internet, and
`concierge doctor`, the checklist of what a public service needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import typer

from bot.cli.support import run_unit, settings_or_fail
from concierge.context import DomainContext
from concierge.demo import DEMO_PASSWORD
from concierge.i18n import t
from concierge.sealing import key_file
from concierge.settings import Settings
from concierge.team.users import users_with_password

BACKUP_AGE = timedelta(hours=26)  # a daily backup, with some slack


def demo_users(settings: Settings) -> list[str]:
    """Active dashboard users whose password is still the demo one (published in the README)."""

    async def work(ctx: DomainContext) -> list[str]:
        return await users_with_password(ctx, DEMO_PASSWORD)

    return run_unit(settings, work)


def demo_refusal(names: list[str], language: str) -> str:
    """The one line `serve` stops with while demo passwords remain on a public service."""
    return t(
        language, "cli.serve.demo_passwords", password=repr(DEMO_PASSWORD), names=", ".join(names)
    )


@dataclass(frozen=True)
class Check:
    """One line of the checklist: what holds, or what to do about it."""

    ok: bool
    what: str
    todo: str = ""

    def line(self) -> str:
        """The check as the doctor prints it."""
        return f"[ok] {self.what}" if self.ok else f"[!!] {self.what}: {self.todo}"


def _https(settings: Settings) -> Check:
    return Check(
        settings.is_public,
        "served over https (PUBLIC_BASE_URL)",
        "set PUBLIC_BASE_URL=https://your.domain behind a TLS-terminating proxy",
    )


def _secrets(settings: Settings) -> list[Check]:
    return [
        Check(
            bool(settings.session_secret),
            "SESSION_SECRET set",
            "set SESSION_SECRET to a long random value, e.g. the output of"
            " `python -c 'import secrets; print(secrets.token_urlsafe(32))'`",
        ),
        Check(
            not settings.webchat_demo,
            "web chat demo off (WEBCHAT_DEMO)",
            "remove WEBCHAT_DEMO: the web chat lets anyone talk as anyone",
        ),
        Check(not settings.api_docs, "API docs off (API_DOCS)", "remove API_DOCS"),
        Check(
            settings.forwarded_allow_ips.strip() != "*",
            "only named proxies trusted (FORWARDED_ALLOW_IPS)",
            "list your proxy's address instead of *, unless it is the only way in",
        ),
    ]


def _webhooks(settings: Settings) -> list[Check]:
    checks = []
    if settings.telegram_bot_token and settings.telegram_mode == "webhook":
        checks.append(
            Check(
                bool(settings.telegram_webhook_secret and settings.public_base_url),
                "Telegram webhook secret and address set",
                "set TELEGRAM_WEBHOOK_SECRET and PUBLIC_BASE_URL, then run"
                " `concierge telegram set-webhook https://…/telegram/webhook`",
            )
        )
    elif settings.telegram_bot_token:
        checks.append(Check(True, "Telegram by polling (no webhook to register)"))
    if settings.twilio_account_sid or settings.twilio_auth_token:
        checks.append(
            Check(
                settings.twilio_enabled and bool(settings.public_base_url),
                "Twilio account, number and PUBLIC_BASE_URL set (its signatures are checked)",
                "set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, a number and PUBLIC_BASE_URL; point"
                " the number's webhooks at PUBLIC_BASE_URL/twilio/sms, /twilio/whatsapp,"
                " /twilio/voice",
            )
        )
    if not checks:
        checks.append(
            Check(
                False,
                "a channel for people (Telegram or Twilio)",
                "set TELEGRAM_BOT_TOKEN or the TWILIO_* settings",
            )
        )
    return checks


def _backups(settings: Settings, now: datetime) -> Check:
    path = settings.sqlite_path
    if path is None:
        return Check(
            True, "PostgreSQL: backups are the database server's (pg_dump or your provider's)"
        )
    pattern = f"{path.stem}*backup*"
    found = list(path.parent.glob(pattern)) + list(path.parent.glob(f"{path.name}.bak*"))
    recent = [p for p in found if now - datetime.fromtimestamp(p.stat().st_mtime, UTC) < BACKUP_AGE]
    return Check(
        bool(recent),
        f"a backup of {path} from the last day",
        f'back it up daily while it runs, e.g. `sqlite3 {path} ".backup'
        f' {path.parent / (path.stem + "-backup.sqlite3")}"` and copy it off the machine',
    )


def _sealing_key(settings: Settings, backup: Check) -> Check:
    """The key of the sealed notes must outlive the machine: set, or backed up beside the data."""
    made = key_file(settings)
    ok = bool(settings.sealing_keys) or not made.exists() or (settings.is_sqlite and backup.ok)
    return Check(
        ok,
        "the key sealing check-in notes is set (SEALING_KEYS) or backed up with the database",
        f"copy {made} with every backup, or put its key in SEALING_KEYS: without it the"
        " check-in notes can never be read again",
    )


def checklist(settings: Settings, demo: list[str], now: datetime) -> list[Check]:
    """Every check of a public service, in the order to fix them."""
    return [
        _https(settings),
        *_secrets(settings),
        *_webhooks(settings),
        Check(
            not demo,
            "no dashboard user has the demo password",
            f"change {', '.join(demo)} with `concierge users password NAME` or disable them",
        ),
        backup := _backups(settings, now),
        _sealing_key(settings, backup),
    ]


def doctor() -> None:
    """Print the production checklist: what holds, and what to do about each miss."""
    settings = settings_or_fail()
    checks = checklist(settings, demo_users(settings), datetime.now(UTC))
    for check in checks:
        typer.echo(check.line())
    misses = sum(not check.ok for check in checks)
    typer.echo(f"{misses} thing(s) to do before serving on the internet." if misses else "Ready.")
    if misses:
        raise typer.Exit(code=1)
