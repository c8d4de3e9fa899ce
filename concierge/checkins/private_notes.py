"""A check-in plan's sealed notes (keys, door codes, health), opened only for those who need
them: the operator holding the urgent request while it is open, and the coordinators of the
cooperative watching the resident. Every opening is audited; requests only refer to the notes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from concierge.audit import AuditAction, audit
from concierge.checkins.plans import CheckinPlan, CheckinRound
from concierge.context import DomainContext
from concierge.requests.lifecycle import OPEN_STATUSES
from concierge.requests.request import ServiceRequest
from concierge.sealing import is_sealed, seal, unseal


@dataclass(frozen=True)
class NotesReader:
    """Who asks to read: `actor` names them in the audit trail."""

    actor: str
    operator_id: int | None = None
    coordinator_of: int | None = None  # the cooperative they coordinate


async def plan_of_request(ctx: DomainContext, request_id: int) -> CheckinPlan | None:
    """The check-in plan whose round raised the request, if it is one."""
    found: CheckinPlan | None = await ctx.session.scalar(
        select(CheckinPlan)
        .join(CheckinRound, CheckinRound.plan_id == CheckinPlan.id)
        .where(CheckinRound.request_id == request_id)
    )
    return found


def may_read(reader: NotesReader, request: ServiceRequest, plan: CheckinPlan) -> bool:
    """The holder of the open task, or a coordinator of the plan's cooperative."""
    holding = (
        reader.operator_id is not None
        and request.operator_id == reader.operator_id
        and request.status in OPEN_STATUSES
    )
    coordinating = reader.coordinator_of is not None and reader.coordinator_of in (
        plan.cooperative_id,
        request.cooperative_id,
    )
    return holding or coordinating


async def read_notes(ctx: DomainContext, reader: NotesReader, request_id: int) -> str | None:
    """The notes the request refers to, audited; None when there are none or the reader may not
    read them (the two are not told apart, so nobody learns a resident has notes)."""
    request = await ctx.session.get(ServiceRequest, request_id)
    plan = await plan_of_request(ctx, request_id) if request is not None else None
    if request is None or plan is None or not plan.sealed_notes:
        return None
    if not may_read(reader, request, plan):
        return None
    audit(
        ctx.session, ctx.now(), reader.actor, AuditAction.READ,
        f"checkin_plan:{plan.id} notes (request {request_id})", plan.cooperative_id,
    )  # fmt: skip
    return unseal(ctx.settings, plan.sealed_notes)


def plan_notes(ctx: DomainContext, plan: CheckinPlan, actor: str, action: AuditAction) -> str:
    """A plan's notes for an export or a coordinator's own view of the plan, audited."""
    if not plan.sealed_notes:
        return ""
    audit(
        ctx.session, ctx.now(), actor, action, f"checkin_plan:{plan.id} notes", plan.cooperative_id
    )
    return unseal(ctx.settings, plan.sealed_notes)


def set_notes(ctx: DomainContext, plan: CheckinPlan, notes: str) -> None:
    """Replace a plan's notes (sealed)."""
    plan.sealed_notes = seal(ctx.settings, notes)


async def check_sealing(ctx: DomainContext) -> int:
    """Start-up check: once sealed notes exist, the configured keys must open them
    (SealingError otherwise: a wrong or lost key must stop the service, not garble notes).
    Notes written in clear before sealing existed are sealed now; returns how many."""
    plans = (
        await ctx.session.scalars(select(CheckinPlan).where(CheckinPlan.sealed_notes != ""))
    ).unique()
    opened, sealed_now = False, 0
    for plan in plans:
        if not is_sealed(plan.sealed_notes):
            set_notes(ctx, plan, plan.sealed_notes)
            sealed_now += 1
        elif not opened:
            unseal(ctx.settings, plan.sealed_notes)
            opened = True
    return sealed_now
