"""The front desk: a request entered for a walk-in or a caller, its printable receipt, and the
shelf of parcels held for residents.

Coordinators and operators both use it (admins too): the kiosk and the contact centre's phone
are staffed by the cooperative's operators on shift, and the desk only does what the resident
could do themselves (ask for an errand, be handed a parcel); it steers nobody's queue. Everything
is scoped to the staff member's cooperative, like every dashboard page.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from bot.dashboard.auth import Checked, Forbidden, signed_in
from bot.dashboard.pages import flash, flash_refusal, reader_language, render
from bot.dashboard.served import Served
from bot.runtime import Runtime
from concierge.context import DomainContext
from concierge.errors import DomainError, InvalidPhoneNumber, InvalidValue
from concierge.i18n import format_due
from concierge.parcels.shelf import ParcelInput, hand_over, on_the_shelf, receive_parcel
from concierge.people.lookup import add_walk_in, own_channel, search_people
from concierge.people.person import Person
from concierge.requests.desk import DeskRequestInput, UnreadableWhen, desk_request
from concierge.requests.request import get_request
from concierge.team.catalogue import cooperative_catalogue
from concierge.team.users import Role, User

RECEIPTS = "desk_receipts"  # the requests this session entered: their receipts stay printable
KEPT_RECEIPTS = 20


async def desk_staff(user: Annotated[User, Depends(signed_in)]) -> User:
    """Staff of a cooperative (coordinator or operator), or an admin."""
    if user.role != Role.ADMIN and user.cooperative_id is None:
        raise Forbidden
    return user


Desk = Annotated[User, Depends(desk_staff)]


def scope_of(user: User) -> int | None:
    """The cooperative whose desk the user works at; None for an admin (every one)."""
    return None if user.role == Role.ADMIN else user.cooperative_id


def _number(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 10 else None


async def _picking(ctx: DomainContext, runtime: Runtime, q: str, person: str) -> dict[str, Any]:
    """The person search of both forms: who matches `q`, and who was picked."""
    chosen_id = _number(person)
    chosen = await ctx.session.get(Person, chosen_id) if chosen_id else None
    found = await search_people(ctx.session, q, runtime.settings.default_region) if q else []
    return {"q": q, "found": found, "chosen": chosen, "searched": bool(q.strip())}


# The front desk's form, its receipts, and adding a walk-in.
desk_routes = APIRouter(prefix="/dashboard")


@desk_routes.get("/desk", response_class=HTMLResponse)
async def desk_page(
    request: Request, user: Desk, runtime: Served,
    q: Annotated[str, Query(max_length=100)] = "",
    person: Annotated[str, Query(max_length=12)] = "",
) -> HTMLResponse:  # fmt: skip
    """The desk's form: find or add the person, then service, when and details."""
    async with runtime.unit() as ctx:
        picking = await _picking(ctx, runtime, q, person)
        # The desk's own cooperative's catalogue, under its names (an admin: the shared one).
        services = (await cooperative_catalogue(ctx.session, scope_of(user))).services
    return render(request, runtime, "desk.html", user, services=services, **picking)


@desk_routes.post("/desk/people", dependencies=[Checked])
async def add_person(
    request: Request, user: Desk, runtime: Served,
    first_name: Annotated[str, Form(max_length=80)] = "",
    last_name: Annotated[str, Form(max_length=80)] = "",
    phone: Annotated[str, Form(max_length=40)] = "",
    back: Annotated[str, Form(max_length=20)] = "desk",
) -> RedirectResponse:  # fmt: skip
    """A walk-in added (a phone is optional), then picked on the page they came from."""
    page = "/dashboard/parcels" if back == "parcels" else "/dashboard/desk"
    try:
        async with runtime.unit() as ctx:
            added = await add_walk_in(
                ctx.session, first_name=first_name, last_name=last_name, phone=phone,
                language=reader_language(request, user, runtime),
                default_region=runtime.settings.default_region, now=ctx.now(),
            )  # fmt: skip
            added_id = added.id
    except InvalidPhoneNumber:
        flash(request, "dash.desk.bad_phone", "error", number=phone)
        return RedirectResponse(page, status_code=303)
    except InvalidValue:
        flash(request, "dash.desk.person_refused", "error")
        return RedirectResponse(page, status_code=303)
    flash(request, "dash.desk.person_added", name=f"{first_name} {last_name}".strip())
    return RedirectResponse(f"{page}?person={added_id}", status_code=303)


@desk_routes.post("/desk/requests", dependencies=[Checked])
async def enter_request(
    request: Request, user: Desk, runtime: Served,
    person_id: Annotated[str, Form(max_length=12)] = "",
    service: Annotated[str, Form(max_length=40)] = "",
    when: Annotated[str, Form(max_length=200)] = "",
    details: Annotated[str, Form(max_length=1000)] = "",
) -> RedirectResponse:  # fmt: skip
    """The request entered for the person, who hears of it on their own channel."""
    back = f"/dashboard/desk?person={_number(person_id) or ''}"
    try:
        entry = DeskRequestInput(
            person_id=_number(person_id) or 0, service_code=service, when=when, details=details
        )
        async with runtime.unit() as ctx:
            made = await desk_request(ctx, entry, user.id, scope_of(user))
            made_id = made.id
    except ValidationError:
        flash(request, "dash.desk.incomplete", "error")
        return RedirectResponse(back, status_code=303)
    except UnreadableWhen:
        flash(request, "dash.desk.when_unreadable", "error", when=when)
        return RedirectResponse(back, status_code=303)
    except DomainError as exc:
        flash_refusal(request, runtime, user, exc)
        return RedirectResponse(back, status_code=303)
    kept = [i for i in request.session.get(RECEIPTS, []) if isinstance(i, int)]
    request.session[RECEIPTS] = [*kept, made_id][-KEPT_RECEIPTS:]
    flash(request, "dash.desk.entered", id=made_id)
    return RedirectResponse(f"/dashboard/desk/receipts/{made_id}", status_code=303)


@desk_routes.get("/desk/receipts/{request_id}", response_class=HTMLResponse)
async def receipt(request: Request, request_id: int, user: Desk, runtime: Served) -> HTMLResponse:
    """A printable receipt of a request entered at the desk, with its number."""
    async with runtime.unit() as ctx:
        made = await get_request(ctx, request_id)
        entered_here = request_id in request.session.get(RECEIPTS, [])
        scope = scope_of(user)
        if not entered_here and scope is not None and made.cooperative_id != scope:
            raise Forbidden
        channel = await own_channel(ctx.session, made.requester)
    lang = reader_language(request, user, runtime)
    # As the chat reads it back ("tomorrow afternoon", not the hour it becomes late).
    due = format_due(made.due_at, made.due_kind, lang, ctx.zone) if made.due_at else ""
    return render(request, runtime, "desk_receipt.html", user, made=made, channel=channel, due=due)


def parcels_router(runtime: Runtime) -> APIRouter:
    """The shelf of parcels: record one, hand one over."""
    router = APIRouter(prefix="/dashboard")

    @router.get("/parcels", response_class=HTMLResponse)
    async def shelf_page(
        request: Request, user: Desk,
        q: Annotated[str, Query(max_length=100)] = "",
        person: Annotated[str, Query(max_length=12)] = "",
    ) -> HTMLResponse:  # fmt: skip
        async with runtime.unit() as ctx:
            picking = await _picking(ctx, runtime, q, person)
            parcels = await on_the_shelf(ctx, scope_of(user))
        return render(request, runtime, "parcels.html", user, parcels=parcels, **picking)

    @router.post("/parcels", dependencies=[Checked])
    async def record(
        request: Request, user: Desk,
        person_id: Annotated[str, Form(max_length=12)] = "",
        carrier: Annotated[str, Form(max_length=60)] = "",
        sender: Annotated[str, Form(max_length=120)] = "",
        shelf: Annotated[str, Form(max_length=40)] = "",
    ) -> RedirectResponse:  # fmt: skip
        try:
            entry = ParcelInput(
                person_id=_number(person_id) or 0, carrier=carrier, sender=sender, shelf=shelf
            )
            async with runtime.unit() as ctx:
                parcel = await receive_parcel(ctx, entry, user.cooperative_id, user.id)
                number, name = parcel.id, parcel.person.display_name
        except ValidationError:
            flash(request, "dash.parcels.incomplete", "error")
            return RedirectResponse(f"/dashboard/parcels?person={person_id}", status_code=303)
        except DomainError as exc:
            flash_refusal(request, runtime, user, exc)
            return RedirectResponse("/dashboard/parcels", status_code=303)
        flash(request, "dash.parcels.recorded", id=number, name=name)
        return RedirectResponse("/dashboard/parcels", status_code=303)

    @router.post("/parcels/{parcel_id}/handover", dependencies=[Checked])
    async def handover(
        request: Request, parcel_id: int, user: Desk,
        delegate: Annotated[str, Form(max_length=120)] = "",
    ) -> RedirectResponse:  # fmt: skip
        try:
            async with runtime.unit() as ctx:
                parcel = await hand_over(ctx, parcel_id, scope_of(user), user.id, delegate)
                number, name = parcel.id, parcel.collected_by or parcel.person.display_name
        except InvalidValue:
            flash(request, "dash.parcels.already_collected", "error", id=parcel_id)
        except DomainError as exc:
            flash_refusal(request, runtime, user, exc)
        else:
            flash(request, "dash.parcels.handed_over", id=number, name=name)
        return RedirectResponse("/dashboard/parcels", status_code=303)

    return router
