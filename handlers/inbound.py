"""Turn one Inbound into state changes and replies, all in one transaction with the outbox."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from concierge.clock import Clock
from concierge.context import DomainContext
from concierge.database import transaction
from concierge.errors import DomainError
from concierge.i18n import t
from concierge.intake.words import words
from concierge.messages import Inbound, Reply, identity_kind
from concierge.outbox import enqueue
from concierge.people.conversations import (
    already_received,
    load_conversation,
    record_inbound,
    save_state,
)
from concierge.people.person import (
    Person,
    find_or_register,
    find_person,
    link_phone,
    normalise_address,
)
from concierge.requests.notifications import language_of
from concierge.requests.threads import tie_turn
from concierge.settings import Settings
from concierge.team.coordinators import coordinator_for_person
from concierge.team.operators import operator_for_person
from handlers.checkin_answers import checkin_answer
from handlers.coordinator_actions import handle_coordinator
from handlers.intake_draft import DRAFT_STEPS
from handlers.operator_actions import handle_operator, wants_operator
from handlers.resident_intake import handle_resident
from handlers.turn import State, Turn, command_of, turn_language

log = logging.getLogger(__name__)
# Words a message needs before its language is remembered as the person's.
LANGUAGE_EVIDENCE_WORDS = 3


@dataclass(frozen=True)
class Handled:
    """What became of an inbound message."""

    duplicate: bool
    person_id: int | None
    replies: int


async def _queue_replies(
    ctx: DomainContext,
    person: Person,
    inbound: Inbound,
    address: str,
    replies: list[Reply],
    language: str | None = None,
) -> None:
    for index, reply in enumerate(replies):
        await enqueue(
            ctx.session,
            channel=inbound.channel,
            address=address,
            reply=reply,
            dedupe_key=f"reply:{inbound.channel}:{inbound.provider_message_id}:{index}",
            now=ctx.now(),
            person_id=person.id,
            language=language or language_of(ctx, person),
        )


def _unless_stale(turn: Turn, state: State, updated_at: datetime) -> tuple[State, list[Reply]]:
    """A dialogue left half-way too long is dropped before this turn; a half-told request is
    worth a word to the person, other waits (a comment, a proof) end quietly."""
    expiry = timedelta(minutes=turn.ctx.settings.conversation_expiry_minutes)
    if state.get("step", "idle") == "idle" or turn.ctx.now() - updated_at <= expiry:
        return state, []
    return {}, [turn.reply("intake.expired")] if state.get("step") in DRAFT_STEPS else []


async def _link_account(
    ctx: DomainContext, person: Person, inbound: Inbound, address: str
) -> Handled:
    """The sender shared their own number: they are the person known by it, and if they are an
    operator or a coordinator, their work messages come on this channel from now on."""
    assert inbound.shared_phone is not None
    owner = await link_phone(ctx.session, person, inbound.shared_phone, ctx.settings.default_region)
    for staff in (
        await operator_for_person(ctx.session, owner.id),
        await coordinator_for_person(ctx.session, owner.id),
    ):
        if staff is not None:
            staff.contact_channel = inbound.channel
    name = owner.first_name or owner.display_name
    reply = Reply(text=t(language_of(ctx, owner), "contact.linked", name=name))
    await _queue_replies(ctx, owner, inbound, address, [reply])
    return Handled(duplicate=False, person_id=owner.id, replies=1)


async def _is_staff(ctx: DomainContext, inbound: Inbound, address: str) -> bool:
    person = await find_person(ctx.session, identity_kind(inbound.channel), address)
    return person is not None and (
        await operator_for_person(ctx.session, person.id) is not None
        or await coordinator_for_person(ctx.session, person.id) is not None
    )


async def _converse(ctx: DomainContext, inbound: Inbound, address: str) -> Handled:
    session = ctx.session
    if inbound.from_staff_group and not await _is_staff(ctx, inbound, address):
        # Residents in a staff group are not served there, and nobody is registered for it.
        await record_inbound(session, inbound, None)
        return Handled(duplicate=False, person_id=None, replies=0)
    person, _ = await find_or_register(session, identity_kind(inbound.channel), address, ctx.now())
    await record_inbound(session, inbound, person.id)
    if inbound.shared_phone:
        return await _link_account(ctx, person, inbound, address)
    if inbound.edited:
        reply = Reply(text=t(language_of(ctx, person), "message.edited"))
        await _queue_replies(ctx, person, inbound, address, [reply])
        return Handled(duplicate=False, person_id=person.id, replies=1)
    conversation = await load_conversation(session, person.id, inbound.channel, ctx.now())
    language = turn_language(person, inbound.text, ctx.default_language)
    if (
        person.language is None
        and language != ctx.default_language
        and len(words(inbound.text or "")) >= LANGUAGE_EVIDENCE_WORDS
        and command_of(inbound.text) is None
    ):
        # Learnt from a real sentence (not "help"): later notifications come in it too.
        person.language = language
    turn = Turn(ctx=ctx, person=person, language=language, inbound=inbound)
    state, notice = _unless_stale(turn, dict(conversation.state), conversation.updated_at)
    answered = await checkin_answer(turn)
    if answered is not None:
        await _queue_replies(ctx, person, inbound, address, [answered], turn.language)
        return Handled(duplicate=False, person_id=person.id, replies=1)
    operator = await operator_for_person(session, person.id)
    coordinator = await coordinator_for_person(session, person.id)
    if coordinator is not None and (operator is None or not wants_operator(turn, state)):
        state, replies = await handle_coordinator(turn, state, coordinator)
    elif operator is not None:
        state, replies = await handle_operator(turn, state, operator)
    else:
        state, replies = await handle_resident(turn, state)
    save_state(conversation, state, ctx.now())
    await _queue_replies(ctx, person, inbound, address, notice + replies, turn.language)
    await tie_turn(ctx, person.id, inbound)  # the message and its replies, to their request
    return Handled(duplicate=False, person_id=person.id, replies=len(replies))


async def _explain_error(
    ctx: DomainContext, inbound: Inbound, address: str, error: DomainError
) -> Handled:
    person, _ = await find_or_register(
        ctx.session, identity_kind(inbound.channel), address, ctx.now()
    )
    await record_inbound(ctx.session, inbound, person.id)
    reply = Reply(text=t(language_of(ctx, person), error.key, **error.params))
    await _queue_replies(ctx, person, inbound, address, [reply])
    return Handled(duplicate=False, person_id=person.id, replies=1)


async def handle_inbound(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, settings: Settings, inbound: Inbound
) -> Handled:
    """Process one inbound message exactly once; its replies land in the outbox atomically.

    Raises InvalidPhoneNumber when the sender address cannot be read.
    """
    address = normalise_address(
        identity_kind(inbound.channel), inbound.sender, settings.default_region
    )
    # A concurrent turn may win a race on a unique row (the same webhook twice, the first two
    # messages of a new person) or on a request both changed (two Accepts, an Accept and a
    # time-out): the loser starts over once and then sees what the winner wrote.
    for attempt in (1, 2):
        try:
            async with transaction(sessions) as session:
                ctx = DomainContext(session=session, clock=clock, settings=settings)
                if await already_received(session, inbound):
                    return Handled(duplicate=True, person_id=None, replies=0)
                return await _converse(ctx, inbound, address)
        except DomainError as error:
            # The turn's half-done changes were rolled back; explain in a clean transaction.
            async with transaction(sessions) as session:
                ctx = DomainContext(session=session, clock=clock, settings=settings)
                return await _explain_error(ctx, inbound, address, error)
        except (IntegrityError, StaleDataError):
            if attempt == 2:
                raise
            log.info("turn for %s lost a race; starting over", inbound.provider_message_id)
    raise AssertionError("unreachable")
