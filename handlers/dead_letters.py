"""An inbound message set aside after failing every time: kept, and its sender told, once."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from concierge.clock import Clock
from concierge.context import DomainContext
from concierge.database import transaction
from concierge.dead_letters import SetAside, set_aside
from concierge.i18n import t
from concierge.messages import Reply, identity_kind
from concierge.outbox import enqueue
from concierge.people.person import find_person
from concierge.requests.notifications import language_of
from concierge.settings import Settings


async def keep_dead_letter(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, settings: Settings, letter: SetAside
) -> None:
    """Store the message with its raw body and, when its sender can be told, queue a word that
    it could not be read and how else to reach a person, in the same transaction."""
    async with transaction(sessions) as session:
        ctx = DomainContext(session=session, clock=clock, settings=settings)
        address = letter.reply_to
        if address is not None:
            person = await find_person(session, identity_kind(letter.channel), address)
            language = language_of(ctx, person) if person else ctx.default_language
            await enqueue(
                session, channel=letter.channel, address=address, now=ctx.now(),
                reply=Reply(text=t(language, "message.set_aside")),
                dedupe_key=f"dead-letter:{letter.channel}:{letter.reference}",
                person_id=person.id if person else None, language=language,
            )  # fmt: skip
        await set_aside(
            session, channel=letter.channel, reference=letter.reference, raw=letter.raw,
            error=letter.error, attempts=letter.attempts, answered=address is not None,
            now=ctx.now(),
        )  # fmt: skip
