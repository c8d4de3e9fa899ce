"""The front desk and the parcel shelf as the resident hears them: transcripts of what reaches
Maria (Italian) and Emma (English) when the desk enters a request for them, records a parcel,
the reminder fires after PARCEL_REMINDER_DAYS, and the parcel is handed over."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from concierge.errors import InvalidValue, NotFound
from concierge.jobs.dispatch import fire_timer
from concierge.messages import Channel, IdentityKind
from concierge.outbox import OutboxMessage
from concierge.parcels.shelf import Parcel, ParcelInput, hand_over, on_the_shelf, receive_parcel
from concierge.people.lookup import add_walk_in, search_people
from concierge.people.person import find_person
from concierge.requests.desk import DeskRequestInput, UnreadableWhen, desk_request
from concierge.requests.lifecycle import RequestStatus
from concierge.requests.request import ServiceRequest
from concierge.timers import TimerKind, pending_timers
from tests.conftest import Domain
from tests.transcript import Speaker

MARIA, EMMA = "+393402000001", "+393402000004"


async def _person_id(domain: Domain, phone: str) -> int:
    async with domain.unit() as ctx:
        person = await find_person(ctx.session, IdentityKind.PHONE, phone)
        assert person is not None
        return person.id


async def _receive(domain: Domain, phone: str, sender: str = "Amazon") -> int:
    entry = ParcelInput(
        person_id=await _person_id(domain, phone), carrier="BRT", sender=sender, shelf="B2"
    )
    async with domain.unit() as ctx:
        return (await receive_parcel(ctx, entry, cooperative_id=1, staff_id=2)).id


async def _fire_due_parcel_timers(domain: Domain) -> int:
    async with domain.unit() as ctx:
        due = [
            t for t in await pending_timers(ctx)
            if t.kind == TimerKind.PARCEL_REMINDER and t.due_at <= ctx.now()
        ]  # fmt: skip
        fired = [await fire_timer(ctx, t.id) for t in due]
    return sum(fired)


async def test_maria_hears_of_her_parcel_is_reminded_once_and_a_delegate_collects_it(
    demo_domain: Domain,
) -> None:
    maria = Speaker(demo_domain, MARIA, Channel.SMS)
    number = await _receive(demo_domain, MARIA)
    assert await maria.inbox() == [
        f"È arrivato un pacco per te (n. {number}, BRT, da Amazon): è custodito al banco della"
        " portineria. Passa a ritirarlo negli orari di servizio, o manda qualcuno di fiducia con"
        " il numero del pacco."
    ]
    demo_domain.clock.advance(timedelta(days=2, hours=23))  # PARCEL_REMINDER_DAYS is 3
    assert await _fire_due_parcel_timers(demo_domain) == 0
    demo_domain.clock.advance(timedelta(hours=1))
    assert await _fire_due_parcel_timers(demo_domain) == 1
    assert await maria.inbox() == [
        f"Promemoria: il tuo pacco n. {number} (BRT, da Amazon) ti aspetta al banco da 3 giorni."
        " Passa a ritirarlo, o manda qualcuno di fiducia con il numero del pacco."
    ]
    demo_domain.clock.advance(timedelta(days=5))
    assert await _fire_due_parcel_timers(demo_domain) == 0  # one reminder, not one a day

    async with demo_domain.unit() as ctx:
        await hand_over(ctx, number, scope=1, staff_id=2, delegate="Lucia Rossi (figlia)")
    assert await maria.inbox() == [
        f"Il pacco n. {number} (BRT, da Amazon) è stato consegnato a Lucia Rossi (figlia), a tuo"
        " nome. Se non lo conosci, chiamaci."
    ]
    async with demo_domain.unit() as ctx:
        parcel = await ctx.session.get(Parcel, number)
        assert parcel is not None
        assert parcel.collected_by == "Lucia Rossi (figlia)" and parcel.handed_over_by == 2
        assert parcel.collected_at == ctx.now()
        assert await on_the_shelf(ctx, 1) == []
        with pytest.raises(InvalidValue):  # nothing twice
            await hand_over(ctx, number, scope=1, staff_id=2)


async def test_emma_hears_in_english_and_collecting_calls_off_the_reminder(
    demo_domain: Domain,
) -> None:
    emma = Speaker(demo_domain, EMMA, Channel.SMS)
    number = await _receive(demo_domain, EMMA, sender="")
    assert await emma.inbox() == [
        f"A parcel has arrived for you (no. {number}, BRT, from sender not given): it is kept at"
        " the front desk. Come and collect it during opening hours, or send someone you trust"
        " with the parcel number."
    ]
    async with demo_domain.unit() as ctx:
        await hand_over(ctx, number, scope=1, staff_id=2)
    assert await emma.inbox() == [
        f"You collected parcel no. {number} (BRT, from sender not given). Thank you!"
    ]
    demo_domain.clock.advance(timedelta(days=4))
    assert await _fire_due_parcel_timers(demo_domain) == 0
    assert await emma.inbox() == []


async def test_another_cooperatives_desk_neither_sees_nor_hands_over_the_parcel(
    demo_domain: Domain,
) -> None:
    number = await _receive(demo_domain, MARIA)
    async with demo_domain.unit() as ctx:
        assert [p.id for p in await on_the_shelf(ctx, 1)] == [number]
        assert await on_the_shelf(ctx, 99) == []
        assert [p.id for p in await on_the_shelf(ctx, None)] == [number]  # an admin
        with pytest.raises(NotFound):
            await hand_over(ctx, number, scope=99, staff_id=2)


async def test_the_desk_enters_emmas_request_and_she_hears_it_in_english(
    demo_domain: Domain,
) -> None:
    emma = Speaker(demo_domain, EMMA, Channel.SMS)
    entry = DeskRequestInput(
        person_id=await _person_id(demo_domain, EMMA), service_code="ironing",
        when="tomorrow morning", details="6 shirts",
    )  # fmt: skip
    async with demo_domain.unit() as ctx:
        made = await desk_request(ctx, entry)
        number, status, due = made.id, made.status, made.due_kind
    assert status == RequestStatus.QUEUED and due == "morning"
    assert await emma.inbox() == [
        f"Request registered: no. {number} · Ironing · Tuesday 24 November, morning"
        " · «6 shirts». I'll write as soon as an operator takes it on."
    ]


async def test_maria_is_told_on_the_channel_she_last_wrote_on(demo_domain: Domain) -> None:
    chat = Speaker(demo_domain, MARIA, Channel.WEBCHAT)
    await chat.say("ciao")
    await chat.inbox()
    entry = DeskRequestInput(
        person_id=await _person_id(demo_domain, MARIA), service_code="parcel",
        when="domani alle 10",
    )  # fmt: skip
    async with demo_domain.unit() as ctx:
        made = await desk_request(ctx, entry)
        number, channel = made.id, made.channel
    assert channel == Channel.WEBCHAT
    assert await chat.inbox() == [
        f"Richiesta registrata: n. {number} · Ritiro pacchi · martedì 24 novembre, 10:00. Ti scrivo"
        " appena un operatore la prende in carico."
    ]


async def test_a_walk_in_without_a_phone_gets_a_request_and_no_message(demo_domain: Domain) -> None:
    async with demo_domain.unit() as ctx:
        before = await ctx.session.scalar(select(func.count(OutboxMessage.id)))
        walk_in = await add_walk_in(
            ctx.session, first_name="Anna", last_name="Neri", phone="", language="it",
            default_region="IT", now=ctx.now(),
        )  # fmt: skip
        made = await desk_request(
            ctx, DeskRequestInput(person_id=walk_in.id, service_code="shopping", details="pane")
        )
        assert made.status == RequestStatus.QUEUED
        after = await ctx.session.scalar(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.person_id == walk_in.id)
        )
        assert after == 0 and before is not None
        assert [p.id for p in await search_people(ctx.session, "anna ner", "IT")] == [walk_in.id]
        assert [p.display_name for p in await search_people(ctx.session, "340 200 0004", "IT")] == [
            "Emma Clark"
        ]


async def test_an_unreadable_when_or_unknown_service_creates_nothing(demo_domain: Domain) -> None:
    maria_id = await _person_id(demo_domain, MARIA)
    for entry, refusal in (
        (DeskRequestInput(person_id=maria_id, service_code="parcel", when="boh"), UnreadableWhen),
        (DeskRequestInput(person_id=maria_id, service_code="teleport"), NotFound),
        (DeskRequestInput(person_id=987654, service_code="parcel"), NotFound),
    ):
        with pytest.raises(refusal):
            async with demo_domain.unit() as ctx:
                await desk_request(ctx, entry)
    async with demo_domain.unit() as ctx:
        assert await ctx.session.scalar(select(func.count(ServiceRequest.id))) == 0
