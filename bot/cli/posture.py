"""Production posture: refusing to serve the published demo passwords on the internet, and
`concierge doctor`, the checklist of what a public service needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer

from bot.cli.support import LANG_HELP, cli_language, run_unit, settings_or_fail
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
    """One line of the checklist: what holds, or what to do about it (catalogue keys
    `doctor.<name>.what` and `doctor.<name>.todo`, filled from `params`)."""

    ok: bool
    name: str
    params: dict[str, str] = field(default_factory=dict)

    def line(self, language: str = "en") -> str:
        """The check as the doctor prints it, in `language`."""
        what = t(language, f"doctor.{self.name}.what", **self.params)
        if self.ok:
            return f"[ok] {what}"
        return f"[!!] {what}: {t(language, f'doctor.{self.name}.todo', **self.params)}"


def _https(settings: Settings) -> Check:
    return Check(settings.is_public, "https")


def _secrets(settings: Settings) -> list[Check]:
    return [
        Check(bool(settings.session_secret), "session_secret"),
        Check(not settings.webchat_demo, "webchat_demo"),
        Check(not settings.api_docs, "api_docs"),
        Check(settings.forwarded_allow_ips.strip() != "*", "proxies"),
    ]


def _webhooks(settings: Settings) -> list[Check]:
    checks = []
    if settings.telegram_bot_token and settings.telegram_mode == "webhook":
        ready = bool(settings.telegram_webhook_secret and settings.public_base_url)
        checks.append(Check(ready, "telegram_webhook"))
    elif settings.telegram_bot_token:
        checks.append(Check(True, "telegram_polling"))
    if settings.twilio_account_sid or settings.twilio_auth_token:
        checks.append(Check(settings.twilio_enabled and bool(settings.public_base_url), "twilio"))
    if not checks:
        checks.append(Check(False, "channel"))
    return checks


def _backups(settings: Settings, now: datetime) -> Check:
    path = settings.sqlite_path
    if path is None:
        return Check(True, "postgresql_backups")
    pattern = f"{path.stem}*backup*"
    found = list(path.parent.glob(pattern)) + list(path.parent.glob(f"{path.name}.bak*"))
    recent = [p for p in found if now - datetime.fromtimestamp(p.stat().st_mtime, UTC) < BACKUP_AGE]
    copy = path.parent / (path.stem + "-backup.sqlite3")
    return Check(bool(recent), "sqlite_backup", {"path": str(path), "copy": str(copy)})


def _sealing_key(settings: Settings, backup: Check) -> Check:
    """The key of the sealed notes must outlive the machine: set, or backed up beside the data."""
    made = key_file(settings)
    ok = bool(settings.sealing_keys) or not made.exists() or (settings.is_sqlite and backup.ok)
    return Check(ok, "sealing_key", {"file": str(made)})


def checklist(settings: Settings, demo: list[str], now: datetime) -> list[Check]:
    """Every check of a public service, in the order to fix them."""
    return [
        _https(settings),
        *_secrets(settings),
        *_webhooks(settings),
        Check(not demo, "demo_passwords", {"names": ", ".join(demo)}),
        backup := _backups(settings, now),
        _sealing_key(settings, backup),
    ]


def doctor(lang: Annotated[str | None, typer.Option(help=LANG_HELP)] = None) -> None:
    """Print the production checklist: what holds, and what to do about each miss."""
    settings = settings_or_fail()
    language = cli_language(settings, lang)
    checks = checklist(settings, demo_users(settings), datetime.now(UTC))
    for check in checks:
        typer.echo(check.line(language))
    misses = sum(not check.ok for check in checks)
    typer.echo(
        t(language, "doctor.misses", count=misses) if misses else t(language, "doctor.ready")
    )
    if misses:
        raise typer.Exit(code=1)
