"""The numbers page: what became of a period's requests, with charts, and the same as CSV."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from bot.dashboard.auth import Lead
from bot.dashboard.pages import reader_language, render
from bot.runtime import Runtime
from concierge.errors import InvalidValue
from concierge.i18n import t
from concierge.intake.catalogue import active_services
from concierge.numbers.counts import PeriodNumbers, period_numbers
from concierge.numbers.export import request_rows, rows_as_csv
from concierge.numbers.facts import Period
from concierge.team.users import Role, User, all_cooperatives

DEFAULT_DAYS = 30


def _period(first: str | None, last: str | None, today: date) -> tuple[Period, bool]:
    """The period asked for, or the last 30 days (and whether the asked one was refused)."""
    try:
        if first and last:
            return Period(date.fromisoformat(first), date.fromisoformat(last)), False
    except (ValueError, InvalidValue):
        return Period.ending(today, DEFAULT_DAYS), True
    return Period.ending(today, DEFAULT_DAYS), False


def _scope(user: User, cooperative: str | None) -> int | None:
    if user.role != Role.ADMIN:
        return user.cooperative_id
    return int(cooperative) if cooperative and cooperative.isdigit() else None


def chart_data(numbers: PeriodNumbers, lang: str, service_names: dict[str, str]) -> dict[str, Any]:
    """What the page's charts draw (the tables beside them say the same in words)."""
    return {
        "by_service": {
            "labels": [service_names.get(code, code) for code in numbers.by_service],
            "values": list(numbers.by_service.values()),
            "label": t(lang, "dash.numbers.requests"),
        },
        "by_channel": {
            "labels": [t(lang, f"dash.channel.{code}") for code in numbers.by_channel],
            "values": list(numbers.by_channel.values()),
            "label": t(lang, "dash.numbers.requests"),
        },
        "ratings": {
            "labels": [str(mark) for mark in numbers.ratings_by_mark],
            "values": list(numbers.ratings_by_mark.values()),
            "label": t(lang, "dash.numbers.ratings"),
        },
        "operators": {
            "labels": [line.name for line in numbers.per_operator],
            "series": [
                {
                    "label": t(lang, "dash.numbers.done"),
                    "values": [line.requests_done for line in numbers.per_operator],
                },
                {
                    "label": t(lang, "dash.numbers.declined"),
                    "values": [line.offers_declined for line in numbers.per_operator],
                },
                {
                    "label": t(lang, "dash.numbers.expired"),
                    "values": [line.offers_expired for line in numbers.per_operator],
                },
            ],
        },
    }


def numbers_router(runtime: Runtime) -> APIRouter:
    """The numbers page and its CSV export."""
    router = APIRouter(prefix="/dashboard")

    def today() -> date:
        return runtime.clock.now().astimezone(runtime.settings.zone).date()

    @router.get("/numbers", response_class=HTMLResponse)
    async def numbers_page(
        request: Request,
        user: Lead,
        first: str | None = None,
        last: str | None = None,
        cooperative: str | None = None,
    ) -> HTMLResponse:
        period, refused = _period(first, last, today())
        scope = _scope(user, cooperative)
        lang = reader_language(request, user, runtime)
        async with runtime.unit() as ctx:
            numbers = await period_numbers(ctx, period, scope)
            names = {s.code: s.name(lang) for s in await active_services(ctx.session)}
            cooperatives = await all_cooperatives(ctx) if user.role == Role.ADMIN else []
        return render(
            request, runtime, "numbers.html", user,
            numbers=numbers, period=period, refused=refused, scope=scope,
            cooperatives=cooperatives, service_names=names,
            charts=chart_data(numbers, lang, names),
        )  # fmt: skip

    @router.get("/numbers.csv")
    async def numbers_csv(
        user: Lead,
        first: str | None = None,
        last: str | None = None,
        cooperative: str | None = None,
    ) -> Response:
        period, _ = _period(first, last, today())
        async with runtime.unit() as ctx:
            rows = await request_rows(ctx, period, _scope(user, cooperative))
        name = f"requests-{period.first.isoformat()}-{period.last.isoformat()}.csv"
        return Response(
            rows_as_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    return router
