"""Turn one Inbound into state changes and replies, all in one transaction with the outbox."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from concierge.checkins.belonging import cooperative_of_person
from concierge.clock import Clock
from concierge.context import DomainContext
from concierge.database import transaction
from concierge.errors import DomainError
from concierge.i18n import t
from concierge.intake.words import words
from concierge.messages import Channel, IdentityKind, Inbound, Reply, identity_kind
from concierge.outbox import enqueue_all
from concierge.people.conversations import (
    Sender,
    load_conversation,
    record_inbound,
    save_state,
    sender_of,
)
from concierge.people.person import (
    Person,
    find_or_register,
    link_phone,
    normalise_address,
    register,
)
from concierge.requests.notifications import language_of
from concierge.requests.threads import tie_turn
from concierge.settings import Settings
from concierge.team.coordinators import staff_roles
from handlers.checkin_answers import checkin_answer
from handlers.choices import read_choice
from handlers.coordinator_actions import handle_coordinator
from handlers.flood_control import flooding, window_start
from handlers.intake_draft import DRAFT_STEPS
from handlers.operator_actions import handle_operator, wants_operator
from handlers.opt_out import help_notice, opt_out_turn
from handlers.resident_intake import handle_resident
from handlers.turn import State, Turn, command_of, turn_language
from handlers.unreadable import unreadable_answer
from handlers.voice_menu import VoiceStep, answer_call, voice_event

log = logging.getLogger(__name__)
# Words a message needs before its language is remembered as the person's.
LANGUAGE_EVIDENCE_WORDS = 3


# Channels that answer in the provider's HTTP response (a call reads its answer out at once):
# their replies are handed back to the channel, not queued for a sender.
ANSWERED_IN_RESPONSE = frozenset({Channel.VOICE})


@dataclass(frozen=True)
class Handled:
    """What became of an inbound message: for channels that answer in the HTTP response, the
    replies themselves (`answers`) or the next step of the call (`voice`)."""

    duplicate: bool
    person_id: int | None
    replies: int
    answers: tuple[Reply, ...] = ()
    voice: VoiceStep | None = None


async def _queue_replies(
    ctx: DomainContext,
    person: Person,
    inbound: Inbound,
    address: str,
    replies: list[Reply],
    language: str | None = None,
) -> Handled:
    """The replies into the outbox (or back to a channel that answers in its response)."""
    handled = Handled(duplicate=False, person_id=person.id, replies=len(replies))
    if inbound.channel in ANSWERED_IN_RESPONSE:
        return replace(handled, answers=tuple(replies))
    cooperative_id = await cooperative_of_person(ctx.session, person.id) if replies else None
    await enqueue_all(
        ctx.session,
        [
            (f"reply:{inbound.channel}:{inbound.provider_message_id}:{index}", reply)
            for index, reply in enumerate(replies)
        ],
        ctx.now(),
        channel=inbound.channel,
        address=address,
        person_id=person.id,
        language=language or language_of(ctx, person),
        cooperative_id=cooperative_id,
    )
    return handled


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
    for staff in await staff_roles(ctx.session, owner.id):
        if staff is not None:
            staff.contact_channel = inbound.channel
    name = owner.first_name or owner.display_name
    reply = Reply(text=t(language_of(ctx, owner), "contact.linked", name=name))
    return await _queue_replies(ctx, owner, inbound, address, [reply])


async def _is_staff(ctx: DomainContext, person: Person | None) -> bool:
    return person is not None and await staff_roles(ctx.session, person.id) != (None, None)


def _before_dialogue(turn: Turn, sender: Sender) -> list[Reply] | None:
    """What is answered whatever the dialogue: a sender past their rate, a kind of message the
    service cannot read, an opt-out word. None: the dialogue reads the message."""
    flooded = flooding(turn, sender.recent)
    if flooded is not None:
        return flooded
    answer = unreadable_answer(turn) or opt_out_turn(turn)
    return [answer] if answer is not None else None


async def _converse(ctx: DomainContext, inbound: Inbound, address: str, sender: Sender) -> Handled:
    """The turn of a new message from `address`, whose sender is read already."""
    session = ctx.session
    known = sender.person
    if inbound.from_staff_group and not await _is_staff(ctx, known):
        # Residents in a staff group are not served there, and nobody is registered for it.
        await record_inbound(session, inbound, None)
        return Handled(duplicate=False, person_id=None, replies=0)
    person = known or await register(session, identity_kind(inbound.channel), address, ctx.now())
    read = await read_choice(ctx, inbound, address, sender.last_received_at)
    inbound = read.inbound
    await record_inbound(session, inbound, person.id)
    language = turn_language(person, inbound.text, ctx.default_language)
    turn = Turn(ctx=ctx, person=person, language=language, inbound=inbound)
    early = _before_dialogue(turn, sender)
    if early is not None:
        return await _queue_replies(ctx, person, inbound, address, early, language)
    if inbound.shared_phone:
        return await _link_account(ctx, person, inbound, address)
    if inbound.edited or read.closed:
        # A stale or foreign choice changes nothing: the person is told the question is over.
        key = "message.edited" if inbound.edited else "choice.closed"
        reply = Reply(text=t(language_of(ctx, person), key))
        return await _queue_replies(ctx, person, inbound, address, [reply])
    return await _dialogue(ctx, person, inbound, address, sender)


def _learn_language(ctx: DomainContext, person: Person, inbound: Inbound, language: str) -> None:
    if (
        person.language is None
        and language != ctx.default_language
        and len(words(inbound.text or "")) >= LANGUAGE_EVIDENCE_WORDS
        and command_of(inbound.text) is None
    ):
        # Learnt from a real sentence (not "help"): later notifications come in it too.
        person.language = language


async def _dialogue(
    ctx: DomainContext, person: Person, inbound: Inbound, address: str, sender: Sender
) -> Handled:
    """The turn of whichever dialogue the person is in: a check-in answer first, then the
    coordinator's, the operator's or the resident's. The conversation was read with the sender
    (none there: the first on this channel); a person registered by this message has no staff
    role yet: it is not looked up."""
    session = ctx.session
    registered_now = sender.person is None
    conversation = sender.conversation or await load_conversation(
        session, person.id, inbound.channel, ctx.now(), known_new=True
    )
    language = turn_language(person, inbound.text, ctx.default_language)
    _learn_language(ctx, person, inbound, language)
    turn = Turn(ctx=ctx, person=person, language=language, inbound=inbound)
    state, notice = _unless_stale(turn, dict(conversation.state), conversation.updated_at)
    answered = await checkin_answer(turn)
    if answered is not None:
        # A first message on this channel starts its conversation, even a check-in's answer.
        session.add(conversation)
        return await _queue_replies(ctx, person, inbound, address, [answered], turn.language)
    operator, coordinator = (
        (None, None) if registered_now else await staff_roles(session, person.id)
    )
    if coordinator is not None and (operator is None or not wants_operator(turn, state)):
        state, replies = await handle_coordinator(turn, state, coordinator)
    elif operator is not None:
        state, replies = await handle_operator(turn, state, operator)
    else:
        state, replies = await handle_resident(turn, state)
    save_state(session, conversation, state, ctx.now())
    replies += [n for n in (help_notice(turn),) if n is not None]
    handled = await _queue_replies(ctx, person, inbound, address, notice + replies, turn.language)
    await tie_turn(ctx, person.id, inbound)  # the message and its replies, to their request
    return replace(handled, replies=len(replies))


async def _explain_error(
    ctx: DomainContext, inbound: Inbound, address: str, error: DomainError
) -> Handled:
    person, _ = await find_or_register(
        ctx.session, identity_kind(inbound.channel), address, ctx.now()
    )
    await record_inbound(ctx.session, inbound, person.id)
    reply = Reply(text=t(language_of(ctx, person), error.key, **error.params))
    return await _queue_replies(ctx, person, inbound, address, [reply])


async def _call_step(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, settings: Settings, inbound: Inbound
) -> Handled:
    """A step of a call to the voice menu: the menu keeps its own place in the call (and reads a
    voicemail once), and its answer is the next step, given back for the channel to render."""
    async with transaction(sessions) as session:
        ctx = DomainContext(session=session, clock=clock, settings=settings)
        step = await answer_call(ctx, voice_event(inbound))
    return Handled(duplicate=False, person_id=None, replies=len(step.say), voice=step)


async def handle_inbound(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, settings: Settings, inbound: Inbound
) -> Handled:
    """Process one inbound message exactly once; its replies land in the outbox atomically
    (or, for channels that answer in their HTTP response, come back in `Handled.answers`).
    A step of a call to the voice menu (`inbound.call`) is answered with the call's next step
    in `Handled.voice`.

    Raises InvalidPhoneNumber when the sender address cannot be read.
    """
    if inbound.call is not None:
        if not inbound.call.withheld:  # a withheld caller is known by the call's own id
            number = normalise_address(IdentityKind.PHONE, inbound.sender, settings.default_region)
            inbound = inbound.model_copy(update={"sender": number})
        return await _call_step(sessions, clock, settings, inbound)
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
                kind = identity_kind(inbound.channel)
                sender = await sender_of(session, inbound, kind, address, window_start(ctx))
                if sender.duplicate:
                    return Handled(duplicate=True, person_id=None, replies=0)
                return await _converse(ctx, inbound, address, sender)
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
