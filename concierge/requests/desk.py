"""The front desk: staff enter a request for a walk-in or a caller, who then hears about it on
their own channel exactly as if they had written it themselves."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from concierge.context import DomainContext
from concierge.errors import InvalidValue, NotFound
from concierge.i18n import t
from concierge.intake.due_dates import extract_when
from concierge.messages import Channel
from concierge.people.lookup import own_channel
from concierge.people.person import Person
from concierge.requests.notes import NoteKind, add_note
from concierge.requests.notifications import language_of
from concierge.requests.request import ServiceRequest, create_request
from concierge.team.catalogue import catalogue_for, cooperative_catalogue


class DeskRequestInput(BaseModel):
    """What the desk's form gives: who, which service, when (as the person said it), details."""

    model_config = ConfigDict(str_strip_whitespace=True)

    person_id: int = Field(gt=0)
    service_code: str = Field(min_length=1, max_length=40)
    when: str = Field(default="", max_length=200)
    details: str = Field(default="", max_length=1000)


class UnreadableWhen(InvalidValue):
    """The desk wrote a 'when' the understanding cannot read: asked again, nothing saved."""

    key = "dash.desk.when_unreadable"


async def desk_request(
    ctx: DomainContext,
    entry: DeskRequestInput,
    staff_id: int | None = None,
    desk_cooperative: int | None = None,
) -> ServiceRequest:
    """Create the person's request from the desk, through the same domain function the chat
    uses: it is routed as usual and the person is told on their own channel (if they have one).
    A note in its history says which member of staff entered it: the person asked, the desk
    wrote it down, and nobody is taken for somebody else."""
    person = await ctx.session.get(Person, entry.person_id)
    if person is None:
        raise NotFound(f"no person {entry.person_id}", why="why.no_person", what=entry.person_id)
    # What the desk's cooperative offers (the form lists it), and with no desk of one
    # cooperative what the cooperative serving the person's zone offers, as in the chat.
    if desk_cooperative is not None:
        catalogue = await cooperative_catalogue(ctx.session, desk_cooperative)
    else:
        catalogue = await catalogue_for(ctx.session, person)
    if not catalogue.offers(entry.service_code):
        raise NotFound(
            f"no service {entry.service_code}", why="why.no_service", what=entry.service_code
        )
    found = None
    if entry.when:
        found = extract_when(entry.when, ctx.now(), ctx.zone, language_of(ctx, person))
        if found is None:
            raise UnreadableWhen(f"cannot read {entry.when!r}", when=entry.when)
    when = found.when if found else None
    channel = await own_channel(ctx.session, person)
    request = await create_request(
        ctx, person, entry.service_code, entry.details, channel or Channel.SMS,
        due_at=when.due(ctx.zone) if when else None, due_kind=when.kind if when else "time",
    )  # fmt: skip
    await add_note(
        ctx, request.id, staff_id, NoteKind.NOTE, t(ctx.default_language, "request.desk_note")
    )
    return request
