"""A person's data for their right of access (GDPR art. 15): a coordinator downloads everything
held about a person of their cooperative as one JSON document, as `concierge people export`
prints it; an admin for anyone. The number travels in a form, never in a URL, and every export
is audited."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from bot.dashboard.auth import Checked, Lead
from bot.dashboard.pages import flash, render
from bot.runtime import Runtime
from concierge.checkins.belonging import cooperative_of_person
from concierge.errors import DomainError
from concierge.privacy.records import export_person, person_by_phone
from concierge.team.users import Role

PAGE = "/dashboard/people"


def people_router(runtime: Runtime) -> APIRouter:
    """The export form and the download it answers with."""
    router = APIRouter(prefix=PAGE)

    @router.get("", response_class=HTMLResponse)
    async def people_page(request: Request, user: Lead) -> HTMLResponse:
        return render(request, runtime, "people.html", user)

    @router.post("/export", dependencies=[Checked], response_model=None)
    async def export(
        request: Request, user: Lead, phone: Annotated[str, Form(max_length=40)]
    ) -> Response:
        async with runtime.unit() as ctx:
            try:
                person = await person_by_phone(ctx, phone)
            except DomainError:
                person = None
            theirs = person is not None and (
                user.role == Role.ADMIN
                or await cooperative_of_person(ctx.session, person.id) == user.cooperative_id
            )
            # Somebody of another cooperative is answered as nobody: the form tells no one
            # whether a number is known elsewhere.
            actor = f"user:{user.username}"
            document = await export_person(ctx, person, actor) if person and theirs else None
        if person is None or document is None:
            flash(request, "dash.people.unknown", "error")
            return RedirectResponse(PAGE, status_code=303)
        return Response(
            json.dumps(document, ensure_ascii=False, indent=2),
            media_type="application/json",
            headers={"Content-Disposition": f'attachment; filename="person-{person.id}.json"'},
        )

    return router
