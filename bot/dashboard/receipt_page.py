"""A request's receipt on the dashboard: staff who may see the request (its cooperative's
coordinator, the operator of the task, an admin) record the person's payment ("pagato": date
and method), issue the receipt of a service nobody owes for (a POST: it takes the cooperative's
next number) and download an issued receipt as PDF (a GET, which never issues one)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from bot.dashboard.auth import Checked, Forbidden, SignedIn
from bot.dashboard.pages import flash, flash_refusal, reader_language
from bot.dashboard.served import OnCommit, Served
from concierge.context import DomainContext
from concierge.errors import DomainError, NotFound, NotYours
from concierge.routing.steering import request_for
from concierge.team.users import User
from concierge.welfare.receipt_files import receipt_pdf
from concierge.welfare.receipts import (
    PaymentMethod,
    due_from_person,
    issued_receipt,
    paid_movement,
    receipt_for,
    receipt_of,
    receipt_view,
    record_payment,
)

router = APIRouter(prefix="/dashboard/requests")


@dataclass(frozen=True)
class ReceiptFacts:
    """What the request page shows about paying: who paid, what is left due, if it is settled."""

    payer: str
    gross_cents: int
    due_cents: int
    settled: bool
    issued: bool  # its receipt has a number: the PDF can be downloaded


async def receipt_facts(ctx: DomainContext, request_id: int) -> ReceiptFacts | None:
    """The request's charge as its page shows it; None before it is charged."""
    try:
        movement = await paid_movement(ctx, request_id)
    except NotFound:
        return None
    due = due_from_person(movement)
    receipt = await receipt_of(ctx, movement)
    return ReceiptFacts(
        payer=str(movement.payer or "person"), gross_cents=movement.gross_cents, due_cents=due,
        settled=due <= 0 or (receipt is not None and receipt.payment_id is not None),
        issued=receipt is not None,
    )  # fmt: skip


async def _seen(ctx: DomainContext, user: User, request_id: int) -> None:
    try:
        await request_for(ctx, user, request_id)
    except NotYours as exc:
        raise Forbidden from exc


@router.get("/{request_id}/receipt.pdf", response_model=None)
async def receipt_file(
    request: Request, request_id: int, user: SignedIn, runtime: Served
) -> Response:
    """The issued receipt of the request's charge as PDF; back to the page, told why, while
    none is issued (not paid yet, or waiting for the button that issues it)."""
    lang = reader_language(request, user, runtime)
    try:
        async with runtime.unit() as ctx:
            await _seen(ctx, user, request_id)
            receipt = await issued_receipt(ctx, await paid_movement(ctx, request_id))
            view = await receipt_view(ctx, receipt, lang)
    except DomainError as exc:
        flash_refusal(request, runtime, user, exc)
        return RedirectResponse(f"/dashboard/requests/{request_id}", status_code=303)
    return Response(
        receipt_pdf(view, lang), media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="receipt-{view.number}.pdf"'},
    )  # fmt: skip


@router.post("/{request_id}/receipt", dependencies=[Checked])
async def issue(
    request: Request, request_id: int, user: SignedIn, runtime: Served, on_commit: OnCommit
) -> RedirectResponse:
    """Issue the receipt of a service nothing is due for from the person (pressed twice: the
    one receipt, told again)."""
    try:
        async with runtime.unit() as ctx:
            await _seen(ctx, user, request_id)
            receipt = await receipt_for(
                ctx, await paid_movement(ctx, request_id), f"user:{user.username}"
            )
            number = receipt.number
    except DomainError as exc:
        flash_refusal(request, runtime, user, exc)
    else:
        flash(request, "dash.done.receipt_issued", id=request_id, number=number)
        on_commit()
    return RedirectResponse(f"/dashboard/requests/{request_id}", status_code=303)


@router.post("/{request_id}/paid", dependencies=[Checked])
async def paid(
    request: Request, request_id: int, user: SignedIn, runtime: Served, on_commit: OnCommit,
    paid_on: Annotated[str, Form(max_length=10)], method: Annotated[str, Form(max_length=20)],
) -> RedirectResponse:  # fmt: skip
    """Record that the person paid what the request left due from them."""
    try:
        day, how = date.fromisoformat(paid_on), PaymentMethod(method)
    except ValueError:
        flash(request, "dash.error.bad_value", "error")
        return RedirectResponse(f"/dashboard/requests/{request_id}", status_code=303)
    try:
        async with runtime.unit() as ctx:
            await _seen(ctx, user, request_id)
            await record_payment(ctx, request_id, day, how, f"user:{user.username}")
    except DomainError as exc:
        flash_refusal(request, runtime, user, exc)
    else:
        flash(request, "dash.done.paid", id=request_id)
        on_commit()
    return RedirectResponse(f"/dashboard/requests/{request_id}", status_code=303)
