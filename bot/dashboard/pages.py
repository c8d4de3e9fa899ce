"""Rendering dashboard pages: templates, the reader's language, the session's CSRF token."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_datetime
from babel.numbers import format_percent
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from bot.runtime import Runtime
from concierge.errors import DomainError
from concierge.i18n import LANGUAGES, format_moment, format_number, language_or_default, t
from concierge.team.users import User

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent.parent / "templates" / "dashboard"))
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def reader_language(request: Request, user: User | None, runtime: Runtime) -> str:
    """The language chosen in this session, else the user's, else the service's."""
    chosen = request.session.get("lang")
    if isinstance(chosen, str) and chosen in LANGUAGES:
        return chosen
    return language_or_default(user.language if user else None, runtime.settings.default_language)


def flash(request: Request, key: str, kind: str = "ok", **params: Any) -> None:
    """A message (a catalogue key) shown once on the next page."""
    request.session["flash"] = {"key": key, "kind": kind, "params": params}


def flash_refusal(request: Request, runtime: Runtime, user: User, exc: DomainError) -> None:
    """Why the domain said no, in the reader's words, shown on the next page."""
    if exc.key == "error.generic":  # the chat's "write «aiuto»" does not fit the dashboard
        flash(request, "dash.error.invalid", "error")
        return
    params = dict(exc.params)
    if "current" in params:  # a status, as the reader names it
        lang = reader_language(request, user, runtime)
        params["current"] = t(lang, f"status.{params['current']}")
    flash(request, exc.key, "error", **params)


def humane_age(value: timedelta, lang: str) -> str:
    """How long something has waited, one way throughout: whole minutes, then hours and
    minutes, then days and hours ('under a minute', '4 min', '2 h 05 min', '3 d 4 h')."""
    minutes = max(int(value.total_seconds() // 60), 0)
    if minutes < 1:
        return t(lang, "dash.age.under_minute")
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return t(lang, "dash.age.days", days=days, hours=hours)
    if hours:
        return t(lang, "dash.age.hours", hours=hours, minutes=f"{minutes:02d}")
    return t(lang, "dash.age.minutes", minutes=minutes)


def render(
    request: Request,
    runtime: Runtime,
    template: str,
    user: User | None,
    status_code: int = 200,
    *,
    fragment: bool = False,
    **context: Any,
) -> HTMLResponse:
    """A dashboard page in the reader's language (or a piece of one, which shows no message)."""
    lang = reader_language(request, user, runtime)
    zone = runtime.settings.zone

    def text(key: str, **params: Any) -> str:
        return t(lang, key, **params)

    def moment(value: datetime | None) -> str:
        return format_moment(value, lang, zone) if value else ""

    def short(value: datetime | None) -> str:
        return str(format_datetime(value, "d MMM HH:mm", tzinfo=zone, locale=lang)) if value else ""

    def age(value: timedelta) -> str:
        return humane_age(value, lang)

    def short_day(value: date) -> str:
        return str(format_date(value, "EEE d MMM", locale=lang))

    def weekday_name(value: date) -> str:
        return str(format_date(value, "EEEE", locale=lang))

    def number(value: float) -> str:
        return format_number(value, lang)

    def percent(value: float) -> str:
        return str(format_percent(value, locale=lang))

    shown = None if fragment else request.session.pop("flash", None)
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "_": text,
            "lang": lang,
            "other_lang": next(code for code in LANGUAGES if code != lang),
            "user": user,
            "csrf": csrf_token(request),
            "csrf_field": CSRF_FIELD,
            "moment": moment,
            "short": short,
            "age": age,
            "short_day": short_day,
            "weekday_name": weekday_name,
            "number": number,
            "percent": percent,
            "flash": shown,
            "now": runtime.clock.now(),
            **context,
        },
        status_code=status_code,
    )
