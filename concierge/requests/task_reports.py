"""What operators report on a task: a problem that stops it (with a note), and proof that it
was done (a note or a photo); both stay on the request's timeline."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from concierge.context import DomainContext
from concierge.database import Base, UTCDateTime
from concierge.errors import NotYours
from concierge.requests.lifecycle import Actor, RequestStatus
from concierge.requests.notifications import tell_coordinators
from concierge.requests.request import ServiceRequest, get_request, transition
from concierge.team.operators import Operator


class ReportKind(StrEnum):
    """Why an operator wrote about a task."""

    PROBLEM = "problem"
    PROOF = "proof"


class TaskReport(Base):
    """A note (and perhaps photos) an operator left on a request."""

    __tablename__ = "task_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("requests.id", ondelete="CASCADE"), index=True
    )
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    kind: Mapped[ReportKind] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text, default="")
    media: Mapped[list[str]] = mapped_column(JSON, default=list)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


async def _own_task(ctx: DomainContext, operator: Operator, request_id: int) -> ServiceRequest:
    request = await get_request(ctx, request_id)
    if request.operator_id != operator.id:
        raise NotYours(
            f"request {request_id} is not operator {operator.id}'s", request_id=request_id
        )
    return request


async def report_problem(
    ctx: DomainContext, operator: Operator, request_id: int, note: str
) -> ServiceRequest:
    """The task cannot be done: it fails with the operator's note, and coordinators are told."""
    request = await _own_task(ctx, operator, request_id)
    ctx.session.add(
        TaskReport(
            request_id=request.id, operator_id=operator.id, kind=ReportKind.PROBLEM,
            text=note.strip(), at=ctx.now(),
        )
    )  # fmt: skip
    await transition(ctx, request, RequestStatus.FAILED, Actor.operator(operator.id), "problem")
    await tell_coordinators(
        ctx, "task.problem_reported", request, f"problem:{request.id}",
        operator=operator.person.display_name, note=note.strip(),
    )  # fmt: skip
    return request


async def add_proof(
    ctx: DomainContext, operator: Operator, request_id: int, note: str, media: tuple[str, ...]
) -> TaskReport:
    """Keep a note or photos showing a finished task was done."""
    request = await _own_task(ctx, operator, request_id)
    if request.status != RequestStatus.DONE:
        raise NotYours(f"request {request_id} is not done", request_id=request_id)
    report = TaskReport(
        request_id=request.id, operator_id=operator.id, kind=ReportKind.PROOF,
        text=note.strip(), media=list(media), at=ctx.now(),
    )  # fmt: skip
    ctx.session.add(report)
    await ctx.session.flush()
    return report


async def reports_on(ctx: DomainContext, request_id: int) -> list[TaskReport]:
    """Every report on a request, oldest first."""
    rows = await ctx.session.scalars(
        select(TaskReport).where(TaskReport.request_id == request_id).order_by(TaskReport.id)
    )
    return list(rows.all())
