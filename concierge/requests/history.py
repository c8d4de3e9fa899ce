"""A request's whole history for the dashboard: its timeline, the messages both ways with the
requester, and what staff noted or changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select

from concierge.context import DomainContext
from concierge.i18n import catalogue, format_moment, t
from concierge.outbox import OutboxMessage
from concierge.people.conversations import InboundRecord
from concierge.requests.notes import NoteKind, notes_on
from concierge.requests.request import ServiceRequest
from concierge.requests.timeline import request_timeline
from concierge.team.users import User


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


def _label_seen(payload: str, before: datetime, sent: list[OutboxMessage]) -> str | None:
    """The label of the button (or numbered option) the person pressed: the choice of that
    payload in the latest message offered to them before they answered."""
    for row in reversed(sent):
        if row.created_at > before:
            continue
        for choice in row.choices:
            if choice.get("payload") == payload:
                return choice.get("label")
    return None


def _received_line(row: InboundRecord, sent: list[OutboxMessage], lang: str) -> HistoryLine:
    channel = t(lang, f"dash.channel.{row.channel}")
    if row.text or not row.choice:
        return HistoryLine(row.received_at, HistoryKind.MESSAGE_IN, row.text, channel)
    label = _label_seen(row.choice, row.received_at, sent)
    text = t(lang, "dash.pressed", label=label) if label else row.choice
    return HistoryLine(row.received_at, HistoryKind.MESSAGE_IN, text, channel)


def _sent_line(row: OutboxMessage, lang: str) -> HistoryLine:
    state = row.delivery_status or row.status
    key = f"dash.delivery.{state}"  # providers report more states than we name
    shown = t(lang, key) if key in catalogue(lang) else state
    channel = t(lang, f"dash.channel.{row.channel}")
    detail = t(lang, "dash.sent_via", channel=channel, state=shown)
    if row.last_error and row.status == "dead":
        detail = f"{detail} · {row.last_error}"
    return HistoryLine(row.created_at, HistoryKind.MESSAGE_OUT, row.text, detail)


async def _messages(ctx: DomainContext, request: ServiceRequest, lang: str) -> list[HistoryLine]:
    """The messages both ways with the requester that were about this request."""
    requester = request.requester
    sent = list(
        (
            await ctx.session.scalars(
                select(OutboxMessage)
                .where(
                    OutboxMessage.request_id == request.id,
                    OutboxMessage.person_id == requester.id,
                )
                .order_by(OutboxMessage.created_at, OutboxMessage.id)
            )
        ).all()
    )
    received = await ctx.session.scalars(
        select(InboundRecord)
        .where(InboundRecord.request_id == request.id, InboundRecord.person_id == requester.id)
        .order_by(InboundRecord.id)
    )
    lines = [_received_line(row, sent, lang) for row in received.all()]
    return lines + [_sent_line(row, lang) for row in sent]


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
