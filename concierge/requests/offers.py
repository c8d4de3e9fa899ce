"""Offers: a request offered to one operator, waiting for their answer (a reservation)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from concierge.database import Base, UTCDateTime


class OfferStatus(StrEnum):
    """The answer to one offer of a request to one operator."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"  # given to someone else by a coordinator, or the request ended


class Offer(Base):
    """A request offered to one operator, waiting for their answer (a reservation)."""

    __tablename__ = "offers"
    # The database itself guarantees one accepted offer per request: two operators pressing
    # Accept at once cannot both get it, whatever the code above it does.
    __table_args__ = (
        Index(
            "uq_offers_one_accepted",
            "request_id",
            unique=True,
            sqlite_where=text("status = 'accepted'"),
            postgresql_where=text("status = 'accepted'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("requests.id", ondelete="CASCADE"), index=True
    )
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    status: Mapped[OfferStatus] = mapped_column(String(20), default=OfferStatus.PENDING)
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


async def withdraw_pending_offers(session: AsyncSession, request_id: int, now: datetime) -> None:
    """A request ended (cancelled, failed) while offered: the offer waits for nobody now."""
    await session.execute(
        update(Offer)
        .where(Offer.request_id == request_id, Offer.status == OfferStatus.PENDING)
        .values(status=OfferStatus.WITHDRAWN, answered_at=now)
    )
