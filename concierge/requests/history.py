"""A request's whole history for the dashboard: its timeline, the messages both ways with the
requester, and what staff noted or changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select

from concierge.context import DomainContext
from concierge.i18n import catalogue, format_moment, t
from concierge.outbox import OutboxMessage
from concierge.people.conversations import InboundRecord
from concierge.requests.lifecycle import OPEN_STATUSES
from concierge.requests.notes import NoteKind, notes_on
from concierge.requests.request import ServiceRequest
from concierge.requests.timeline import request_timeline
from concierge.team.users import User

# The requester's words that led to the request came in the minutes before it was confirmed.
INTAKE_LEAD = timedelta(minutes=30)


class HistoryKind(StrEnum):
    """What sort of line a history line is (the page styles each its own way)."""

    EVENT = "event"
    MESSAGE_IN = "message_in"
    MESSAGE_OUT = "message_out"
    NOTE = "note"


@dataclass(frozen=True)
class HistoryLine:
    """One line of a request's history."""

    at: datetime
    kind: HistoryKind
    text: str
    detail: str = ""  # who wrote it, or how the message went


def _closed_at(request: ServiceRequest) -> datetime | None:
    if request.status in OPEN_STATUSES or not request.events:
        return None
    return request.events[-1].at


async def _messages(ctx: DomainContext, request: ServiceRequest, lang: str) -> list[HistoryLine]:
    requester = request.requester
    # Inbound messages carry no request number: the requester's messages while it lived.
    since = request.created_at - INTAKE_LEAD
    until = _closed_at(request) or ctx.now()
    received = await ctx.session.scalars(
        select(InboundRecord)
        .where(
            InboundRecord.person_id == requester.id,
            InboundRecord.received_at >= since,
            InboundRecord.received_at <= until,
        )
        .order_by(InboundRecord.id)
    )
    lines = [
        HistoryLine(
            row.received_at,
            HistoryKind.MESSAGE_IN,
            row.text or row.choice,
            t(lang, f"dash.channel.{row.channel}"),
        )
        for row in received.all()
    ]
    sent = await ctx.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.request_id == request.id, OutboxMessage.person_id == requester.id)
        .order_by(OutboxMessage.id)
    )
    for row in sent.all():
        state = row.delivery_status or row.status
        key = f"dash.delivery.{state}"  # providers report more states than we name
        shown = t(lang, key) if key in catalogue(lang) else state
        channel = t(lang, f"dash.channel.{row.channel}")
        detail = t(lang, "dash.sent_via", channel=channel, state=shown)
        if row.last_error and row.status == "dead":
            detail = f"{detail} · {row.last_error}"
        lines.append(HistoryLine(row.created_at, HistoryKind.MESSAGE_OUT, row.text, detail))
    return lines


async def request_history(
    ctx: DomainContext, request: ServiceRequest, lang: str
) -> list[HistoryLine]:
    """Everything that happened to a request, oldest first, in `lang`."""
    lines = [
        HistoryLine(entry.at, HistoryKind.EVENT, entry.text)
        for entry in await request_timeline(ctx, request.id, lang)
    ]
    lines += await _messages(ctx, request, lang)
    for note in await notes_on(ctx, request.id):
        user = await ctx.session.get(User, note.user_id) if note.user_id else None
        who = user.display_name if user else t(lang, "timeline.system")
        text = note.text
        if note.kind == NoteKind.PRIORITY:
            text = t(lang, f"dash.priority_set.{note.text}")
        elif note.kind == NoteKind.DUE:
            due = datetime.fromisoformat(note.text) if note.text else None
            shown = format_moment(due, lang, ctx.zone) if due else t(lang, "dash.no_due")
            text = t(lang, "dash.due_set", due=shown)
        elif note.kind == NoteKind.MESSAGE:
            text = t(lang, "dash.message_sent", text=note.text)
        lines.append(HistoryLine(note.at, HistoryKind.NOTE, text, who))
    return sorted(lines, key=lambda line: line.at)
