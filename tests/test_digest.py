"""The coordinators' daily digest: planned at the set local time, yesterday's numbers and what is
open, sent once, and a digest missed while the service was down is sent once on start-up."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from concierge.jobs.dispatch import fire_timer
from concierge.messages import Channel, IdentityKind
from concierge.numbers.digest import plan_digest
from concierge.people.person import find_person
from concierge.requests.request import cancel_request, create_request, finish_request, start_request
from concierge.requests.satisfaction import Satisfaction, rate_request
from concierge.routing.assignment import accept_offer, offer_next
from concierge.settings import Settings
from concierge.team.coordinators import Coordinator
from concierge.team.operators import Operator
from concierge.timers import Timer, TimerKind, pending_timers
from tests.conftest import ROME, Domain, make_settings
from tests.transcript import Speaker

MARIA, GIUSEPPE, PAOLA = "+393402000001", "+393402000002", "+393331000009"
TUESDAY_8 = datetime(2026, 11, 24, 8, 0, tzinfo=ROME)


async def _plan(domain: Domain, settings: Settings | None = None) -> Timer | None:
    async with domain.unit() as ctx:
        if settings is not None:
            ctx = type(ctx)(session=ctx.session, clock=ctx.clock, settings=settings)
        return await plan_digest(ctx)


async def _fire(domain: Domain, timer: Timer) -> bool:
    async with domain.unit() as ctx:
        return await fire_timer(ctx, timer.id)


async def _a_busy_monday(domain: Domain) -> None:
    """Three requests: one done and rated 4, one cancelled, one still waiting, due at 15:00."""
    async with domain.unit() as ctx:
        maria = await find_person(ctx.session, IdentityKind.PHONE, MARIA)
        giuseppe = await find_person(ctx.session, IdentityKind.PHONE, GIUSEPPE)
        giulia = await ctx.session.scalar(select(Operator).order_by(Operator.id))
        assert maria is not None and giuseppe is not None and giulia is not None
        done = await create_request(ctx, maria, "parcel", "", Channel.WEBCHAT)
        await offer_next(ctx, done)
        await accept_offer(ctx, giulia, done.id)
        await start_request(ctx, giulia, done.id)
        await finish_request(ctx, giulia, done.id)
        ctx.session.add(Satisfaction(request_id=done.id, asked_at=ctx.now()))
        await ctx.session.flush()
        await rate_request(ctx, maria.id, done.id, 4)
        cancelled = await create_request(ctx, giuseppe, "shopping", "", Channel.WEBCHAT)
        await cancel_request(ctx, giuseppe, cancelled.id)
        due = datetime(2026, 11, 23, 15, 0, tzinfo=ROME)
        await create_request(ctx, giuseppe, "prescription", "ricetta", Channel.WEBCHAT, due_at=due)


async def test_the_digest_tells_yesterday_and_what_is_open(demo_domain: Domain) -> None:
    paola = Speaker(demo_domain, PAOLA)
    timer = await _plan(demo_domain)
    assert timer is not None and timer.due_at == TUESDAY_8
    await _a_busy_monday(demo_domain)
    await paola.inbox()  # the overdue alert is another story

    assert not await _fire(demo_domain, timer), "sent before its time"
    demo_domain.clock.set(TUESDAY_8)
    assert await _fire(demo_domain, timer)
    assert await paola.inbox() == [
        "Riepilogo di lunedì 23 novembre\n"
        "Richieste: 3 nuove, 1 completate, 1 annullate, 0 non riuscite.\n"
        "Valutazioni ricevute: 1, media 4/5.\n"
        "Aperte ora: 1 (1 in attesa, 0 proposte, 0 prese in carico, 0 in corso).\n"
        "Oltre la scadenza:\n"
        "• n. 3 · Ricette e farmaci · lunedì 23 novembre, 15:00 · «ricetta»"
    ]
    assert not await _fire(demo_domain, timer), "sent twice"
    async with demo_domain.unit() as ctx:
        following = [t for t in await pending_timers(ctx) if t.kind == TimerKind.DAILY_DIGEST]
    assert [t.due_at for t in following] == [TUESDAY_8 + timedelta(days=1)]


async def test_a_quiet_day_in_english(demo_domain: Domain) -> None:
    async with demo_domain.unit() as ctx:
        coordinator = await ctx.session.scalar(select(Coordinator))
        assert coordinator is not None
        coordinator.person.language = "en"
    timer = await _plan(demo_domain)
    assert timer is not None
    demo_domain.clock.set(TUESDAY_8)
    assert await _fire(demo_domain, timer)
    assert await Speaker(demo_domain, PAOLA).inbox() == [
        "Digest for Monday 23 November\n"
        "Requests: 0 new, 0 done, 0 cancelled, 0 failed.\n"
        "No marks received.\n"
        "No open requests."
    ]


async def test_a_digest_missed_while_down_is_sent_once_on_start(demo_domain: Domain) -> None:
    missed = await _plan(demo_domain)
    assert missed is not None
    # The service was down from Monday until Wednesday noon: the start-up keeps the missed digest.
    demo_domain.clock.set(datetime(2026, 11, 25, 12, 0, tzinfo=ROME))
    again = await _plan(demo_domain)
    assert again is not None and again.id == missed.id
    assert await _fire(demo_domain, missed)
    async with demo_domain.unit() as ctx:
        following = [t for t in await pending_timers(ctx) if t.kind == TimerKind.DAILY_DIGEST]
    assert [t.due_at for t in following] == [datetime(2026, 11, 26, 8, 0, tzinfo=ROME)]
    assert len(await Speaker(demo_domain, PAOLA).inbox()) == 1


async def test_the_digest_follows_its_setting(demo_domain: Domain) -> None:
    url = demo_domain.runtime.settings.database_url
    early = await _plan(demo_domain, make_settings(url, DAILY_DIGEST_TIME="07:30"))
    assert early is not None and early.due_at == datetime(2026, 11, 24, 7, 30, tzinfo=ROME)
    assert await _plan(demo_domain, make_settings(url, DAILY_DIGEST_TIME="off")) is None
    async with demo_domain.unit() as ctx:
        assert await pending_timers(ctx) == []
