"""Retention: message texts, inbound logs and voicemail links older than RETENTION_DAYS are
redacted once a night. Rows stay (with their times, statuses and counts), so every number
the service reports about the past stays right."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import String, cast, update
from sqlalchemy.engine import CursorResult

from concierge.context import DomainContext
from concierge.dead_letters import DeadLetter
from concierge.local_time import next_daily
from concierge.outbox import OutboxMessage, OutboxStatus
from concierge.people.conversations import InboundRecord
from concierge.requests.request import ServiceRequest
from concierge.requests.task_reports import TaskReport
from concierge.timers import Timer, TimerKind, plan_service_timer

REDACTED = "[redacted]"
RUNS_AT = time(3, 30)  # a quiet hour, away from the morning check-ins


@dataclass(frozen=True)
class Redacted:
    """How many rows one run redacted, per kind."""

    messages_sent: int
    messages_received: int
    dead_letters: int
    voicemail_links: int


def _stored(column: Any) -> Any:
    """A JSON column as its stored text (JSON has no equality on PostgreSQL)."""
    return cast(column, String)


def _count(result: object) -> int:
    return result.rowcount if isinstance(result, CursorResult) else 0


async def redact_old(ctx: DomainContext, now: datetime | None = None) -> Redacted:
    """Redact what is older than the retention period (pending messages are left to go)."""
    cutoff = (now or ctx.now()) - timedelta(days=ctx.settings.retention_days)
    run = ctx.session.execute
    sent = await run(
        update(OutboxMessage)
        .where(OutboxMessage.created_at < cutoff, OutboxMessage.status != OutboxStatus.PENDING,
               OutboxMessage.text != REDACTED)
        .values(text=REDACTED, media=[], choices=[])
    )  # fmt: skip
    received = await run(
        update(InboundRecord)
        .where(InboundRecord.received_at < cutoff, InboundRecord.text != REDACTED)
        .values(text=REDACTED)
    )
    dead = await run(
        update(DeadLetter)
        .where(DeadLetter.created_at < cutoff, DeadLetter.raw != REDACTED)
        .values(raw=REDACTED)
    )
    links = await run(
        update(ServiceRequest)
        .where(ServiceRequest.created_at < cutoff, _stored(ServiceRequest.attachments) != "[]")
        .values(attachments=[])
    )
    await run(
        update(TaskReport)
        .where(TaskReport.at < cutoff, _stored(TaskReport.media) != "[]")
        .values(media=[])
    )
    return Redacted(_count(sent), _count(received), _count(dead), _count(links))


async def plan_retention(ctx: DomainContext) -> Timer | None:
    """Keep tonight's redaction planned."""
    return await plan_service_timer(
        ctx, TimerKind.RETENTION, next_daily(RUNS_AT, ctx.now(), ctx.zone)
    )


async def run_retention(ctx: DomainContext, timer: Timer) -> None:
    """The retention timer fired: redact, then plan the next night's run."""
    await redact_old(ctx)
    await plan_retention(ctx)
