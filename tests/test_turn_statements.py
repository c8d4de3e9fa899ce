"""How many SQL statements a resident's turn costs, so that it cannot quietly grow: the rota is
loaded at most once per turn (it was loaded three times by the Confirm turn) and not at all
while the process's kept copy is current, and a unit of work that changes operators sees its
change. The time per turn is measured by benchmarks/, not here."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.runtime import Runtime
from concierge.database import transaction
from concierge.demo import load_demo
from concierge.messages import Channel, Inbound
from concierge.outbox import OutboxMessage
from concierge.team.editing import add_operator
from concierge.team.operators import active_operators
from handlers.inbound import handle_inbound
from tests.sql_statements import statements

# The figures of this commit (benchmarks/turn_profile.py prints them); lower them as turns
# get cheaper. The aim for a routine turn is 8.
# A new person, registered, asked to confirm: who sends it and whether it came before (one
# statement), the person and their identity, the message, the catalogue, the serving operators'
# skills and the price (welfare), the conversation's one INSERT, which cooperative serves them,
# the reply (one INSERT … ON CONFLICT DO NOTHING). Nobody registered by this message has a
# conversation, a staff role or earlier messages to count: none is looked up.
FIRST_MESSAGE_STATEMENTS = 11
# The request made, offered to an operator, timers and three messages; the last two tie the
# turn's and the intake's messages to the request for its history (one UPDATE a table: it was
# two a message). A request made in this turn has no timer to call off (no look-up), is
# inserted queued (no UPDATE after its INSERT), and its "registered" message goes in without a
# look-up of its key. The rota is read only when the process's kept copy is stale (three of
# these statements).
CONFIRM_STATEMENTS = 22
# A known resident asking again: the sender read with their identities, whether the message
# came before, their recent messages (flood control), their last one and their conversation in
# one statement; their operator or coordinator roles in one.
KNOWN_SENDER_STATEMENTS = 12


async def _texts(runtime: Runtime, sender: str, text: str, sid: str) -> list[str]:
    runtime.clock.advance(timedelta(seconds=20))  # type: ignore[attr-defined]
    inbound = Inbound(
        channel=Channel.SMS, provider_message_id=sid, sender=sender,
        received_at=runtime.clock.now(), text=text,
    )  # fmt: skip
    with statements(runtime) as seen:
        await handle_inbound(runtime.sessions, runtime.clock, runtime.settings, inbound)
    return seen


async def _texts_to(runtime: Runtime, address: str) -> str:
    async with transaction(runtime.sessions) as session:
        found = await session.scalars(
            select(OutboxMessage.text)
            .where(OutboxMessage.address == address)
            .order_by(OutboxMessage.id)
        )
        return "\n".join(found)


async def test_a_request_by_sms_costs_a_bounded_number_of_statements(runtime: Runtime) -> None:
    async with transaction(runtime.sessions) as session:
        await load_demo(session, runtime.clock.now())
    for number, sender in enumerate(("+393491000001", "+393491000002")):
        first = await _texts(runtime, sender, "pacco domani", f"SMa{number}")
        assert (await _texts_to(runtime, sender)).endswith("Confermi?")
        confirm = await _texts(runtime, sender, "1", f"SMb{number}")
        assert "Richiesta registrata" in await _texts_to(runtime, sender)
        again = await _texts(runtime, sender, "spesa venerdi", f"SMc{number}")
        assert (await _texts_to(runtime, sender)).endswith("Confermi?")
        assert len(first) <= FIRST_MESSAGE_STATEMENTS, first
        assert len(confirm) <= CONFIRM_STATEMENTS, confirm
        assert len(again) <= KNOWN_SENDER_STATEMENTS, again
        rota_loads = [s for s in confirm if "FROM shifts" in s or "FROM shift_exceptions" in s]
        if number == 0:  # each table once: the rota was read once
            assert len(rota_loads) == 2, rota_loads
        else:  # unchanged since: the process's kept copy (concierge.reference), not read again
            assert rota_loads == [], rota_loads


async def test_a_unit_that_changes_the_team_sees_its_change(runtime: Runtime) -> None:
    async with transaction(runtime.sessions) as session:
        await load_demo(session, runtime.clock.now())
    async with runtime.unit() as ctx:
        before = await active_operators(ctx.session)
        with statements(runtime) as seen:
            assert await active_operators(ctx.session) == before
        assert seen == []  # the unit's copy
        added = await add_operator(
            ctx, first_name="Nadia", last_name="Neri", phone="+393331999999", skills=["parcel"],
            capacity=2, zones=[], language="it", cooperative="Cooperativa",
        )  # fmt: skip
        assert added in await active_operators(ctx.session)
        before[0].active = False
        now_active = await active_operators(ctx.session)
        assert before[0] not in now_active and added in now_active
    async with runtime.unit() as ctx:  # a new unit reads the team again
        assert [op.id for op in await active_operators(ctx.session)] == [op.id for op in now_active]
