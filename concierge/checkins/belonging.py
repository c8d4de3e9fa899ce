"""Which cooperative a person belongs to, for the messages written to them outside any request:
a staff member's own, else the one watching their check-ins, else that of their last request."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from concierge.checkins.plans import CheckinPlan
from concierge.requests.request import ServiceRequest
from concierge.team.coordinators import Coordinator
from concierge.team.operators import Operator


async def cooperative_of_person(session: AsyncSession, person_id: int) -> int | None:
    """The person's cooperative, or None when nothing ties them to one yet (one query: it runs
    inside a chat turn)."""
    found = await session.scalar(
        select(
            func.coalesce(
                select(Operator.cooperative_id)
                .where(Operator.person_id == person_id)
                .scalar_subquery(),
                select(Coordinator.cooperative_id)
                .where(Coordinator.person_id == person_id)
                .scalar_subquery(),
                select(func.min(CheckinPlan.cooperative_id))
                .where(CheckinPlan.person_id == person_id)
                .scalar_subquery(),
                select(ServiceRequest.cooperative_id)
                .where(ServiceRequest.requester_id == person_id)
                .order_by(ServiceRequest.id.desc())
                .limit(1)
                .scalar_subquery(),
            )
        )
    )
    return int(found) if found is not None else None
