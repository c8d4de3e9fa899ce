"""Prometheus metrics at /metrics, read from the database at each scrape (so every process of a
cluster reports the same figures). A scraper authenticates with `Authorization: Bearer
METRICS_TOKEN`; an admin logged in to the dashboard may read them too."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest

from bot.runtime import Runtime
from concierge.numbers.export import LiveFigures, live_figures
from concierge.team.users import Role, active_user


def exposition(figures: LiveFigures) -> bytes:
    """The figures in Prometheus' text format."""
    registry = CollectorRegistry()
    open_requests = Gauge(
        "concierge_open_requests", "Open requests", ["status", "service"], registry=registry
    )
    for (status, service), count in figures.open_requests.items():
        open_requests.labels(status=status, service=service).set(count)
    Gauge(
        "concierge_open_requests_overdue", "Open requests past their due time", registry=registry
    ).set(figures.open_overdue)
    outbox = Gauge("concierge_outbox_messages", "Outbox messages", ["status"], registry=registry)
    for status, count in figures.outbox.items():
        outbox.labels(status=status).set(count)
    Gauge("concierge_operators_on_duty", "Operators on duty now", registry=registry).set(
        figures.operators_on_duty
    )
    rounds = Gauge(
        "concierge_checkin_rounds_today", "Today's check-in rounds", ["status"], registry=registry
    )
    for status, count in figures.checkin_rounds_today.items():
        rounds.labels(status=status).set(count)
    made = Gauge(
        "concierge_requests_created", "Requests ever created", ["channel"], registry=registry
    )
    for channel, count in figures.requests_by_channel.items():
        made.labels(channel=channel).set(count)
    offers = Gauge("concierge_offers", "Offers ever made", ["status"], registry=registry)
    for status, count in figures.offers_by_status.items():
        offers.labels(status=status).set(count)
    return bytes(generate_latest(registry))


def metrics_router(runtime: Runtime) -> APIRouter:
    """The /metrics endpoint."""
    router = APIRouter()
    token = runtime.settings.metrics_token

    async def allowed(request: Request) -> bool:
        given = request.headers.get("authorization", "")
        if token and given.startswith("Bearer ") and secrets.compare_digest(given[7:], token):
            return True
        user_id = request.session.get("user_id")
        if not isinstance(user_id, int):
            return False
        async with runtime.unit() as ctx:
            user = await active_user(ctx, user_id)
        # The figures span every cooperative: admins only (coordinators have their numbers page).
        return user is not None and user.role == Role.ADMIN

    @router.get("/metrics")
    async def metrics(request: Request) -> Response:
        if not await allowed(request):
            return Response(status_code=401, headers={"WWW-Authenticate": "Bearer"})
        async with runtime.unit() as ctx:
            figures = await live_figures(ctx)
        return Response(exposition(figures), media_type=CONTENT_TYPE_LATEST)

    return router
