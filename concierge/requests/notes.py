"""What staff add to a request besides moving it: notes, and the record of their changes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from concierge.context import DomainContext
from concierge.database import Base, UTCDateTime


class NoteKind(StrEnum):
    """Why a line was added to a request's history."""

    NOTE = "note"  # a remark for colleagues
    PRIORITY = "priority"  # made urgent, or normal again
    DUE = "due"  # a new due time
    MESSAGE = "message"  # a message written to the requester


class RequestNote(Base):
    """One line staff added to a request's history."""

    __tablename__ = "request_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("requests.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    kind: Mapped[NoteKind] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)


async def add_note(
    ctx: DomainContext, request_id: int, user_id: int | None, kind: NoteKind, text: str
) -> RequestNote:
    """Add a line to a request's history."""
    note = RequestNote(request_id=request_id, at=ctx.now(), user_id=user_id, kind=kind, text=text)
    ctx.session.add(note)
    await ctx.session.flush()
    return note


async def notes_on(ctx: DomainContext, request_id: int) -> list[RequestNote]:
    """A request's notes, oldest first."""
    rows = await ctx.session.scalars(
        select(RequestNote).where(RequestNote.request_id == request_id).order_by(RequestNote.id)
    )
    return list(rows.all())
