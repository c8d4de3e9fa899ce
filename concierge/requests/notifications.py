"""What each lifecycle change tells the people concerned, written to the outbox."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from concierge.context import DomainContext
from concierge.i18n import format_due, t
from concierge.messages import Channel, Choice, IdentityKind, Reply, identity_kind
from concierge.outbox import enqueue_all
from concierge.people.person import Person
from concierge.requests.lifecycle import RequestStatus
from concierge.team.coordinators import coordinators_of, one_cooperative
from concierge.team.operators import Operator

if TYPE_CHECKING:
    from concierge.requests.request import RequestEvent, ServiceRequest


# The states in which a request's operator is named (an offer is not yet anyone's).
OPERATOR_STATUSES = (RequestStatus.ACCEPTED, RequestStatus.IN_PROGRESS)


def language_of(ctx: DomainContext, person: Person) -> str:
    """The language to write to a person in."""
    return person.language or ctx.default_language


def request_summary(ctx: DomainContext, request: ServiceRequest, language: str) -> str:
    """One line naming a request: number, service, when and details."""
    parts = [t(language, "request.number", id=request.id), request.service_name(language)]
    if request.due_at is not None:
        parts.append(format_due(request.due_at, request.due_kind, language, ctx.zone))
    if request.details:
        parts.append(f"«{request.details}»")
    if request.urgent:
        parts.append(t(language, "request.urgent"))
    return " · ".join(parts)


def status_line(ctx: DomainContext, request: ServiceRequest, language: str) -> str:
    """'• n. 3 · Spesa · …: presa in carico (Giulia)': a request and where it stands."""
    status = t(language, f"status.{request.status}")
    if request.operator is not None and request.status in OPERATOR_STATUSES:
        status = t(
            language, "status.with_operator", status=status, operator=request.operator.first_name
        )
    return f"• {request_summary(ctx, request, language)}: {status}"


async def tell_person(
    ctx: DomainContext,
    person: Person,
    channel: Channel,
    reply: Reply,
    dedupe_key: str,
    request_id: int | None = None,
    *,
    cooperative_id: int | None = None,
    essential: bool = True,
) -> None:
    """Queue a message to a person on a channel, if we know their address there; the row
    carries the cooperative it belongs to (its request's, the staff member's). A message they
    did not ask for (`essential=False`: a survey) is not sent where they said STOP."""
    if channel == Channel.VOICE:  # a call cannot be made to say a line later: SMS it
        channel = Channel.SMS
    kind = identity_kind(channel)
    address = person.address_for(kind)
    if address is None or (not essential and person.stopped(kind)):
        return
    # One INSERT … ON CONFLICT DO NOTHING (a known key is skipped, as `enqueue` does), not a
    # look-up of the key then an ORM insert: nobody here needs the row back (issue 20).
    await enqueue_all(
        ctx.session,
        [(dedupe_key, reply)],
        ctx.now(),
        channel=channel,
        address=address,
        person_id=person.id,
        request_id=request_id,
        language=language_of(ctx, person),
        cooperative_id=cooperative_id,
    )


async def tell_operator(
    ctx: DomainContext, operator: Operator, key: str, request: ServiceRequest, dedupe_key: str
) -> None:
    """Queue a catalogue text about one request to an operator, on their contact channel."""
    lang = language_of(ctx, operator.person)
    text = t(lang, key, summary=request_summary(ctx, request, lang))
    await tell_person(
        ctx, operator.person, operator.contact_channel, Reply(text=text), dedupe_key, request.id,
        cooperative_id=request.cooperative_id,
    )  # fmt: skip


async def tell_coordinators(
    ctx: DomainContext, key: str, request: ServiceRequest, dedupe_prefix: str, **params: Any
) -> None:
    """Queue a catalogue text about one request to the active coordinators of its cooperative
    (only theirs: alerts carry residents' details), each in their language."""
    cooperative_id = request.cooperative_id
    for coordinator in await coordinators_of(ctx, cooperative_id):
        lang = language_of(ctx, coordinator.person)
        text = t(lang, key, summary=request_summary(ctx, request, lang), **params)
        await tell_person(
            ctx, coordinator.person, coordinator.contact_channel, Reply(text=text),
            f"{dedupe_prefix}:coordinator:{coordinator.id}", request.id,
            cooperative_id=cooperative_id,
        )  # fmt: skip
    group = ctx.settings.telegram_coordinators_group
    if group is not None and await one_cooperative(ctx):
        lang = ctx.default_language
        text = t(lang, key, summary=request_summary(ctx, request, lang), **params)
        await tell_group(
            ctx, group, Reply(text=text), f"{dedupe_prefix}:coordinators-group", cooperative_id
        )


async def tell_group(
    ctx: DomainContext,
    chat_id: int,
    reply: Reply,
    dedupe_key: str,
    cooperative_id: int | None = None,
) -> None:
    """Queue a message to a staff group on Telegram, in the service's language."""
    await enqueue_all(
        ctx.session, [(dedupe_key, reply)], ctx.now(), channel=Channel.TELEGRAM,
        address=str(chat_id), cooperative_id=cooperative_id,
    )  # fmt: skip


def offer_reply(ctx: DomainContext, request: ServiceRequest, language: str) -> Reply:
    """The message that offers a request to an operator, with accept and decline."""
    requester = request.requester
    who = ", ".join(
        dict.fromkeys(  # a person without a name is shown by their number: once is enough
            part
            for part in (
                requester.display_name,
                requester.address,
                requester.address_for(IdentityKind.PHONE),
            )
            if part
        )
    )
    if requester.no_number_to_call_back:  # a withheld caller: the id of their call says nothing
        who = t(language, "request.no_callback")
    summary = request_summary(ctx, request, language)
    if request.attachments:  # the photos go with the offer where the channel can show them
        summary += t(language, "intake.photos", count=len(request.attachments))
    return Reply(
        text=t(language, "offer.new", summary=summary, who=who),
        media=tuple(request.attachments),
        choices=(
            Choice(label=t(language, "choice.accept"), payload=f"accept:{request.id}"),
            Choice(label=t(language, "choice.decline"), payload=f"decline:{request.id}"),
        ),
    )


_REQUESTER_TEXTS = {
    RequestStatus.ACCEPTED: "request.accepted",
    RequestStatus.IN_PROGRESS: "request.started",
    RequestStatus.DONE: "request.done",
    RequestStatus.CANCELLED: "request.cancelled",
    RequestStatus.FAILED: "request.failed",
}


async def notify_transition(
    ctx: DomainContext, request: ServiceRequest, event: RequestEvent
) -> None:
    """Queue what the requester and the operator should hear about one lifecycle change."""
    target = RequestStatus(event.to_status)
    requester = request.requester
    operator = request.operator
    requester_acted = event.actor_kind == "person" and event.actor_id == requester.id
    operator_acted = (
        operator is not None and event.actor_kind == "operator" and event.actor_id == operator.id
    )

    if (
        target is RequestStatus.QUEUED
        and event.from_status == RequestStatus.NEW
        and requester_acted
    ):
        lang = language_of(ctx, requester)
        text = t(lang, "request.queued", summary=request_summary(ctx, request, lang))
        await tell_person(
            ctx,
            requester,
            request.channel,
            Reply(text=text),
            f"event:{event.id}:requester",
            request.id,
            cooperative_id=request.cooperative_id,
        )
    elif target is RequestStatus.OFFERED and operator is not None:
        lang = language_of(ctx, operator.person)
        await tell_person(
            ctx,
            operator.person,
            operator.contact_channel,
            offer_reply(ctx, request, lang),
            f"event:{event.id}:operator",
            request.id,
            cooperative_id=request.cooperative_id,
        )
    elif target in _REQUESTER_TEXTS and not requester_acted:
        lang = language_of(ctx, requester)
        text = t(
            lang,
            _REQUESTER_TEXTS[target],
            summary=request_summary(ctx, request, lang),
            operator=operator.first_name if operator is not None else "",
        )
        await tell_person(
            ctx,
            requester,
            request.channel,
            Reply(text=text),
            f"event:{event.id}:requester",
            request.id,
            cooperative_id=request.cooperative_id,
        )

    if target is RequestStatus.CANCELLED and operator is not None and not operator_acted:
        await tell_operator(ctx, operator, "task.cancelled", request, f"event:{event.id}:operator")
