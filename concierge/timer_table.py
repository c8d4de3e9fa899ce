"""The timers' table in SQLAlchemy Core: its one definition, mapped by `concierge.timers.Timer`
and read without the ORM by `concierge jobs` (issue 20, target 7)."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table

from concierge.tables import METADATA, UTCDateTime


class TimerKind(StrEnum):
    """What happens when a timer fires."""

    OFFER_TIMEOUT = "offer_timeout"
    REMINDER = "reminder"
    OVERDUE = "overdue"
    FOLLOW_UP = "follow_up"
    FOLLOW_UP_CLOSE = "follow_up_close"
    DAILY_DIGEST = "daily_digest"
    SHIFT_START = "shift_start"
    CHECKIN = "checkin"  # subject: a check-in plan
    CHECKIN_RETRY = "checkin_retry"  # subject: a check-in round
    BULLETIN = "bulletin"  # the noticeboard's weekly bulletin, service-wide
    PARCEL_REMINDER = "parcel_reminder"  # subject: a parcel held at the desk
    CREDIT_ROUND = "credit_round"  # welfare credits: notices before a plan ends, then expiry
    RETENTION = "retention"  # nightly redaction of old texts (privacy.retention)
    STANDING_ORDER = "standing_order"  # subject: a standing order, its next occurrence


class TimerStatus(StrEnum):
    """A timer waits, has fired, or was called off."""

    PENDING = "pending"
    FIRED = "fired"
    CANCELLED = "cancelled"


# One thing to do at one moment for one request.
TIMERS = Table(
    "timers",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("kind", String(30), nullable=False),
    Column(
        "request_id",
        ForeignKey("requests.id", ondelete="CASCADE"),
        nullable=True,
        index=True,
    ),
    Column("subject_id", Integer, nullable=True),
    Column("due_at", UTCDateTime(), nullable=False, index=True),
    Column("status", String(20), nullable=False, default=TimerStatus.PENDING, index=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("fired_at", UTCDateTime(), nullable=True),
    # The scheduler's window (pending, soonest first) without walking every timer that fired.
    Index("ix_timers_status_due_at", "status", "due_at"),
)
