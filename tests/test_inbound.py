"""One inbound message, one effect: duplicates and races between concurrent turns."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from concierge.messages import Channel, Inbound
from concierge.outbox import OutboxMessage
from concierge.people.conversations import InboundRecord
from concierge.people.person import ChannelIdentity
from handlers.inbound import handle_inbound
from tests.conftest import Domain

NEW_PHONE = "+393471234567"


def _inbound(domain: Domain, message_id: str, text: str) -> Inbound:
    return Inbound(
        channel=Channel.WEBCHAT, provider_message_id=message_id, sender=NEW_PHONE, text=text,
        received_at=domain.runtime.clock.now(),
    )  # fmt: skip


async def _count(domain: Domain, model: type[object]) -> int:
    async with domain.unit() as ctx:
        return int(await ctx.session.scalar(select(func.count()).select_from(model)) or 0)


async def _handle(domain: Domain, inbound: Inbound) -> bool:
    rt = domain.runtime
    return (await handle_inbound(rt.sessions, rt.clock, rt.settings, inbound)).duplicate


async def test_the_same_message_at_once_counts_once(demo_domain: Domain) -> None:
    message = _inbound(demo_domain, "wamid-1", "pacco domani")
    duplicates = await asyncio.gather(*(_handle(demo_domain, message) for _ in range(4)))
    assert sorted(duplicates) == [False, True, True, True]
    assert await _count(demo_domain, InboundRecord) == 1
    assert await _count(demo_domain, OutboxMessage) == 1


async def test_first_messages_of_a_new_person_at_once(demo_domain: Domain) -> None:
    first = _inbound(demo_domain, "wamid-1", "ciao")
    second = _inbound(demo_domain, "wamid-2", "aiuto")
    duplicates = await asyncio.gather(_handle(demo_domain, first), _handle(demo_domain, second))
    assert duplicates == [False, False]
    async with demo_domain.unit() as ctx:
        owners = (
            await ctx.session.scalars(
                select(ChannelIdentity.person_id).where(ChannelIdentity.address == NEW_PHONE)
            )
        ).all()
    assert len(owners) == 1
    assert await _count(demo_domain, OutboxMessage) == 2
