"""Who read, exported or erased whose sensitive data, and when: an append-only trail for the
cooperative's admin (GDPR accountability)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from concierge.database import Base, UTCDateTime

SHOWN = 200


class AuditAction(StrEnum):
    """What was done with sensitive data."""

    READ = "read"
    EXPORT = "export"
    ERASE = "erase"


class AuditEvent(Base):
    """One read, export or erasure of sensitive data."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(120))  # "user:paola", "operator:3", "cli"
    action: Mapped[AuditAction] = mapped_column(String(20))
    # What was touched, never its content: "checkin_plan:4 (request 12)", "person:7".
    subject: Mapped[str] = mapped_column(String(200))
    cooperative_id: Mapped[int | None] = mapped_column(
        ForeignKey("cooperatives.id"), nullable=True, index=True
    )


def audit(
    session: AsyncSession,
    now: datetime,
    actor: str,
    action: AuditAction,
    subject: str,
    cooperative_id: int | None = None,
) -> AuditEvent:
    """Record one access, in the same transaction as the access itself."""
    event = AuditEvent(
        at=now, actor=actor[:120], action=action, subject=subject[:200],
        cooperative_id=cooperative_id,
    )  # fmt: skip
    session.add(event)
    return event


async def audit_trail(
    session: AsyncSession, cooperative_id: int | None = None, limit: int = SHOWN
) -> list[AuditEvent]:
    """The latest events, newest first; one cooperative's when `cooperative_id` is given."""
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    if cooperative_id is not None:
        query = query.where(AuditEvent.cooperative_id == cooperative_id)
    return list((await session.scalars(query)).all())
