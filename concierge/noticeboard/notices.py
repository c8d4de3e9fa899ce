"""Notices: what a cooperative posts for its neighbourhood (markets, events, pharmacies on duty,
office hours, offers of local shops), each valid from one day to another, in Italian and/or
English."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import Date, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from concierge.context import DomainContext
from concierge.database import Base, UTCDateTime
from concierge.errors import NotFound, refusal

# The longest stretch a notice may run: a year (office hours are reposted when they change).
MAX_VALID_DAYS = 366


class NoticeKind(StrEnum):
    """What a notice is about; residents' questions name it in their words."""

    MARKET = "market"
    PHARMACY = "pharmacy"
    EVENT = "event"
    OFFICE = "office"
    OFFER = "offer"
    OTHER = "other"


class Notice(Base):
    """One notice on one cooperative's board."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    kind: Mapped[NoticeKind] = mapped_column(String(20))
    text_it: Mapped[str] = mapped_column(Text, default="")
    text_en: Mapped[str] = mapped_column(Text, default="")
    valid_from: Mapped[date] = mapped_column(Date, index=True)
    valid_until: Mapped[date] = mapped_column(Date, index=True)  # the last day it holds
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    def text(self, language: str) -> str:
        """The notice in a language, or in the other one when it was written only in that."""
        preferred = self.text_en if language == "en" else self.text_it
        return preferred or self.text_it or self.text_en

    def valid_on(self, day: date) -> bool:
        """Whether the notice holds on a day (and has not been retired)."""
        return self.retired_at is None and self.valid_from <= day <= self.valid_until


class NoticeInput(BaseModel):
    """A notice as a coordinator writes it, checked before it is posted."""

    model_config = ConfigDict(str_strip_whitespace=True)

    kind: NoticeKind
    text_it: str = Field(default="", max_length=1000)
    text_en: str = Field(default="", max_length=1000)
    valid_from: date
    valid_until: date

    @model_validator(mode="after")
    def _sensible(self) -> NoticeInput:
        if not (self.text_it or self.text_en):
            raise refusal("why.notice_text", "a notice needs a text in Italian or in English")
        if self.valid_until < self.valid_from:
            raise refusal("why.notice_order", "a notice cannot end before it starts")
        if (self.valid_until - self.valid_from).days > MAX_VALID_DAYS:
            raise refusal(
                "why.notice_long", "a notice runs {days} days at most", days=MAX_VALID_DAYS
            )
        return self


async def post_notice(ctx: DomainContext, cooperative_id: int, given: NoticeInput) -> Notice:
    """Put a notice on a cooperative's board."""
    notice = Notice(cooperative_id=cooperative_id, created_at=ctx.now(), **given.model_dump())
    ctx.session.add(notice)
    await ctx.session.flush()
    return notice


async def board_of(
    ctx: DomainContext, cooperative_id: int | None, *, retired: bool = False
) -> list[Notice]:
    """A cooperative's notices (every cooperative's for None), soonest first; the retired ones
    and those already over only when `retired`."""
    query = select(Notice).order_by(Notice.valid_from, Notice.id)
    if cooperative_id is not None:
        query = query.where(Notice.cooperative_id == cooperative_id)
    if not retired:
        today = ctx.now().astimezone(ctx.zone).date()
        query = query.where(Notice.retired_at.is_(None), Notice.valid_until >= today)
    return list((await ctx.session.scalars(query)).all())


async def notices_between(
    ctx: DomainContext, cooperative_id: int | None, first: date, last: date
) -> list[Notice]:
    """A cooperative's notices that hold on at least one day of `first`…`last`."""
    query = select(Notice).where(
        Notice.retired_at.is_(None), Notice.valid_from <= last, Notice.valid_until >= first
    )
    if cooperative_id is not None:
        query = query.where(Notice.cooperative_id == cooperative_id)
    return list((await ctx.session.scalars(query.order_by(Notice.valid_from, Notice.id))).all())


async def retire_notice(ctx: DomainContext, notice_id: int, cooperative_id: int | None) -> Notice:
    """Take a notice down (it stays on record); NotFound if it is not on that cooperative's
    board (any board for None), so nobody retires another cooperative's notice."""
    notice = await ctx.session.get(Notice, notice_id)
    if notice is None or (cooperative_id is not None and notice.cooperative_id != cooperative_id):
        raise NotFound(f"no notice {notice_id}", why="why.no_notice", what=str(notice_id))
    if notice.retired_at is None:
        notice.retired_at = ctx.now()
    return notice
