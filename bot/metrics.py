"""Prometheus metrics at /metrics, read from the database at each scrape (so every process of a
cluster reports the same figures), every series labelled with its cooperative. A scraper
authenticates with `Authorization: Bearer METRICS_TOKEN` and reads them all; an admin logged in
to the dashboard may read them all too, a coordinator only their cooperative's."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest

from bot.runtime import Runtime
from concierge.numbers.export import Labelled, LiveFigures, live_figures
from concierge.team.users import Role, User, active_user

# (metric, help, its labels before "cooperative", the figures' field)
_SERIES = (
    ("concierge_open_requests", "Open requests", ("status", "service"), "open_requests"),
    (
        "concierge_open_requests_overdue",
        "Open requests past their due time",
        (),
        "open_overdue",
    ),
    ("concierge_outbox_messages", "Outbox messages", ("status",), "outbox"),
    ("concierge_operators_on_duty", "Operators on duty now", (), "operators_on_duty"),
    (
        "concierge_checkin_rounds_today",
        "Today's check-in rounds",
        ("status",),
        "checkin_rounds_today",
    ),
    ("concierge_requests_created", "Requests ever created", ("channel",), "requests_by_channel"),
    ("concierge_offers", "Offers ever made", ("status",), "offers_by_status"),
)


def exposition(figures: LiveFigures) -> bytes:
    """The figures in Prometheus' text format, each series labelled with its cooperative."""
    registry = CollectorRegistry()
    for metric, about, labels, field in _SERIES:
        gauge = Gauge(metric, about, [*labels, "cooperative"], registry=registry)
        counts: Labelled = getattr(figures, field)
        for key, count in counts.items():
            gauge.labels(*key).set(count)
    return bytes(generate_latest(registry))


def metrics_router(runtime: Runtime) -> APIRouter:
    """The /metrics endpoint."""
    router = APIRouter()
    token = runtime.settings.metrics_token

    async def reader(request: Request) -> User | None:
        user_id = request.session.get("user_id")
        if not isinstance(user_id, int):
            return None
        async with runtime.unit() as ctx:
            user = await active_user(ctx, user_id)
        # Staff who steer: operators and company HR read no service-wide figures.
        return user if user is not None and user.role in (Role.ADMIN, Role.COORDINATOR) else None

    @router.get("/metrics")
    async def metrics(request: Request) -> Response:
        given = request.headers.get("authorization", "")
        scraper = bool(
            token and given.startswith("Bearer ") and secrets.compare_digest(given[7:], token)
        )
        user = None if scraper else await reader(request)
        if not scraper and user is None:
            return Response(status_code=401, headers={"WWW-Authenticate": "Bearer"})
        async with runtime.unit() as ctx:
            figures = await live_figures(ctx)
        if user is not None and user.role == Role.COORDINATOR:
            # A coordinator reads their cooperative's series only.
            figures = figures.of(user.cooperative.name if user.cooperative else "\0")
        return Response(exposition(figures), media_type=CONTENT_TYPE_LATEST)

    return router
