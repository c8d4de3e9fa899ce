"""Standing orders: a recurring ask confirmed becomes a series whose occurrences are requests
made on a durable timer, moved or skipped by holidays, skipped, paused and stopped by message
(Italian and English); daily calls to a relative become a proposed check-in. The clock is
moved by the test and due timers are fired as the scheduler would."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select

from concierge.jobs.dispatch import fire_timer
from concierge.messages import Channel, IdentityKind
from concierge.people.person import find_person
from concierge.privacy.erasure import erase_person
from concierge.privacy.records import export_person
from concierge.requests.request import ServiceRequest, cancel_request
from concierge.service_calendar import ServiceCalendar
from concierge.standing.occurrences import make_occurrence
from concierge.standing.orders import StandingOccurrence, StandingOrder, history_of
from concierge.standing.schedule import Rule, planned_after, resolve
from concierge.timers import Timer, TimerKind, pending_timers
from tests.conftest import ROME, Domain
from tests.transcript import Speaker

MARIA, EMMA = "+393402000001", "+393402000004"
PAOLA = "+393331000009"  # the demo coordinator
CALENDAR = ServiceCalendar(ROME, "IT", ())


def _at(day: int, month: int = 12, hour: int = 12) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=ROME)


async def run_until(domain: Domain, moment: datetime) -> int:
    """Let time pass until `moment`, firing every timer on the way as the scheduler would."""
    fired = 0
    while True:
        async with domain.unit() as ctx:
            due = [t for t in await pending_timers(ctx) if t.due_at <= moment]
        if not due:
            break
        timer = due[0]
        domain.clock.set(max(timer.due_at, domain.clock.now()))
        async with domain.unit() as ctx:
            fired += await fire_timer(ctx, timer.id)
    domain.clock.set(moment)
    return fired


async def _made(domain: Domain) -> list[tuple[date, str]]:
    """The requests the series made: local due day and details."""
    async with domain.unit() as ctx:
        rows = await ctx.session.scalars(select(ServiceRequest).order_by(ServiceRequest.id))
        return [(r.due_at.astimezone(ROME).date(), r.details) for r in rows.unique() if r.due_at]


async def _order(domain: Domain, order_id: int = 1) -> StandingOrder:
    async with domain.unit() as ctx:
        order = await ctx.session.get(StandingOrder, order_id)
    assert order is not None
    return order


async def _standing_timers(domain: Domain) -> list[Timer]:
    async with domain.unit() as ctx:
        return [t for t in await pending_timers(ctx) if t.kind == TimerKind.STANDING_ORDER]


def test_the_schedule_and_the_calendar() -> None:
    tuesdays = Rule(freq="weekly", days=(1,), anchor=date(2026, 11, 24))
    assert planned_after(tuesdays, None) == date(2026, 11, 24)
    assert planned_after(tuesdays, date(2026, 11, 24)) == date(2026, 12, 1)
    moved = resolve(tuesdays, date(2026, 12, 8), CALENDAR)  # Immacolata: the next open day
    assert (moved.day, moved.moved) == (date(2026, 12, 9), True)
    fortnight = Rule(freq="weekly", days=(0, 3), interval=2, anchor=date(2026, 11, 23))
    assert planned_after(fortnight, date(2026, 11, 26)) == date(2026, 12, 7)
    plants = Rule(freq="every_n_days", interval=2, anchor=date(2027, 8, 4), until=date(2027, 8, 16))
    assert planned_after(plants, date(2027, 8, 14)) == date(2027, 8, 16)
    assert planned_after(plants, date(2027, 8, 16)) is None
    assert resolve(plants, date(2027, 8, 15), CALENDAR).day is None  # Ferragosto: skipped
    rent = Rule(freq="monthly", month_day=1, anchor=date(2026, 12, 1))
    assert planned_after(rent, date(2026, 12, 1)) == date(2027, 1, 1)
    assert resolve(rent, date(2027, 1, 1), CALENDAR).day == date(2027, 1, 2)
    first_monday = Rule(freq="monthly", nth_weekday=(1, 0), anchor=date(2026, 12, 7))
    assert planned_after(first_monday, date(2026, 12, 7)) == date(2027, 1, 4)
    # Easter Monday would move onto Tuesday, which has its own: one a day, so it is skipped.
    mondays_tuesdays = Rule(freq="weekly", days=(0, 1), anchor=date(2026, 3, 30))
    assert resolve(mondays_tuesdays, date(2026, 4, 6), CALENDAR).day is None
    # "Il 31": the last day of the shorter months, never a month without.
    month_end = Rule(freq="monthly", month_day=31, anchor=date(2027, 1, 31))
    assert planned_after(month_end, date(2027, 1, 31)) == date(2027, 2, 28)
    assert planned_after(month_end, date(2027, 2, 28)) == date(2027, 3, 31)


async def test_four_weeks_of_shirts_with_a_holiday_a_skip_and_a_stop(demo_domain: Domain) -> None:
    maria = Speaker(demo_domain, MARIA)
    await maria.say("ogni martedì mattina ritirate le camicie")
    assert await maria.tap("Confermo") == [
        "Fatto: ho attivato la serie n. 1 (Stiratura, «ritirate le camicie»), ogni martedì, "
        "a partire da martedì 24 novembre, mattina. La prima richiesta partirà martedì 24 "
        "novembre; ogni volta riceverai il numero della richiesta. Per saltarne una scrivi "
        "«salta» e il giorno, «sospendi» per sospenderla, «riprendi» per farla ripartire, "
        "«basta» per fermarla, «le mie serie» per vederle."
    ]
    assert await _made(demo_domain) == [], "nothing is made before its day"

    await run_until(demo_domain, _at(25, 11))
    assert await maria.inbox() == [
        "Richiesta registrata: n. 1 · Stiratura · martedì 24 novembre, mattina · «ritirate le "
        "camicie — serie n. 1». Ti scrivo appena un operatore la prende in carico."
    ]
    assert await maria.say("salta martedì") == [
        "Per la serie n. 1 (Stiratura, «ritirate le camicie»): martedì 8 dicembre è festivo "
        "(Immacolata Concezione) e il servizio è chiuso, quella volta la spostiamo a "
        "mercoledì 9 dicembre.",
        "Va bene: per la serie n. 1 (Stiratura, «ritirate le camicie») saltiamo martedì "
        "1 dicembre; la prossima è mercoledì 9 dicembre.",
    ]
    assert (await maria.say("le mie serie")) == [
        "Le tue serie:\n• serie n. 1 (Stiratura, «ritirate le camicie»): attiva; la prossima "
        "è mercoledì 9 dicembre"
    ]

    await run_until(demo_domain, _at(16))
    made = await _made(demo_domain)
    assert [day for day, _ in made] == [date(2026, 11, 24), date(2026, 12, 9), date(2026, 12, 15)]
    assert {details for _, details in made} == {"ritirate le camicie — serie n. 1"}
    assert len(await maria.inbox()) == 2, "one «registrata» for each, nothing about the 1st"

    assert await maria.say("basta") == [
        "Ho fermato la serie n. 1 (Stiratura, «ritirate le camicie»): non creeremo altre "
        "richieste. Quelle già create restano."
    ]
    assert await _standing_timers(demo_domain) == []
    await run_until(demo_domain, _at(31))
    assert len(await _made(demo_domain)) == 3, "stopped: the 22nd and 29th make nothing"
    assert (await _order(demo_domain)).status == "stopped"
    async with demo_domain.unit() as ctx:
        history = [(e.actor, e.action) for e in await history_of(ctx, 1)]
    maria_acts = history[0][0]
    assert maria_acts.startswith("person:")
    assert history == [
        (maria_acts, "created"),
        ("system", "made"),
        (maria_acts, "skipped"),
        ("system", "moved"),  # told once, though planned again after the skip
        ("system", "made"),
        ("system", "made"),
        (maria_acts, "stopped"),
    ]
    assert await maria.say("le mie serie") == [
        "Non hai serie attive. Per crearne una scrivi ad esempio «ogni martedì ritirate le "
        "camicie»."
    ]


async def test_a_timer_fired_twice_makes_one_request(demo_domain: Domain) -> None:
    maria = Speaker(demo_domain, MARIA)
    await maria.say("ogni martedì mattina ritirate le camicie")
    await maria.tap("Confermo")
    [timer] = await _standing_timers(demo_domain)
    demo_domain.clock.set(timer.due_at)
    async with demo_domain.unit() as ctx:
        assert await fire_timer(ctx, timer.id)
    async with demo_domain.unit() as ctx:
        assert not await fire_timer(ctx, timer.id), "a fired timer does not fire again"
    async with demo_domain.unit() as ctx:
        # Even handed the same occurrence again (a second scheduler), the day is made once.
        order = await ctx.session.get(StandingOrder, 1)
        assert order is not None
        order.next_planned = order.next_day = date(2026, 11, 24)
        await make_occurrence(ctx, timer)
    async with demo_domain.unit() as ctx:
        made = await ctx.session.scalar(select(func.count(StandingOccurrence.id)))
        requests = await ctx.session.scalar(select(func.count(ServiceRequest.id)))
    assert (made, requests) == (1, 1)


async def test_every_three_days_in_english_skips_the_holiday_and_ends(demo_domain: Domain) -> None:
    emma = Speaker(demo_domain, EMMA)
    assert await emma.say("collect my mail every 3 days until 12 December") == [
        "I understood: Home, plants and pets, every 3 days, starting Monday 23 November, until "
        "Saturday 12 December — «collect my mail». Do you confirm?"
    ]
    assert (await emma.tap("Confirm"))[0].startswith(
        "Done: I started series no. 1 (Home, plants and pets, «collect my mail»), every 3 days, "
        "starting Monday 23 November, until Saturday 12 December. The first request goes out "
        "Monday 23 November;"
    )
    await run_until(demo_domain, _at(3))
    assert [day.day for day, _ in await _made(demo_domain)] == [23, 26, 29, 2]
    assert await emma.say("pause") == [
        "I paused series no. 1 (Home, plants and pets, «collect my mail»): no requests until "
        "you write «resume»."
    ]
    await run_until(demo_domain, _at(6))
    assert len(await _made(demo_domain)) == 4, "paused: the 5th is not made"
    texts = await emma.say("resume")
    assert texts == [
        "For series no. 1 (Home, plants and pets, «collect my mail»): Tuesday 8 December is a "
        "holiday (Immaculate Conception) and the service is closed, so that one is skipped.",
        "I resumed series no. 1 (Home, plants and pets, «collect my mail»): the next one is "
        "Friday 11 December.",
    ]
    await run_until(demo_domain, _at(20))
    assert [day.day for day, _ in await _made(demo_domain)] == [23, 26, 29, 2, 11]
    assert (await emma.inbox())[-1] == (
        "Your series no. 1 (Home, plants and pets, «collect my mail») has reached its last "
        "day: no more requests will be made."
    )
    assert (await _order(demo_domain)).status == "finished"


async def test_several_series_ask_which_and_stop_is_still_the_opt_out(demo_domain: Domain) -> None:
    maria = Speaker(demo_domain, MARIA, Channel.SMS)
    await maria.say("ogni martedì mattina ritirate le camicie")
    await maria.tap("Confermo")
    await maria.say("il primo del mese pagare l'affitto")
    assert (await maria.tap("Confermo"))[0].startswith("Fatto: ho attivato la serie n. 2")
    assert await maria.say("sospendi") == ["Quale serie?"]
    assert maria.buttons() == [
        "serie n. 1 (Stiratura, «ritirate le camicie»)",
        "serie n. 2 (Pagamento bollette, «pagare l'affitto»)",
    ]
    assert (await maria.say("2"))[0].startswith("Ho sospeso la serie n. 2")
    assert (await maria.say("sospendi la stireria"))[0].startswith("Ho sospeso la serie n. 1")
    assert (await maria.say("riprendi le camicie"))[0].startswith("Ho ripreso la serie n. 1")
    assert (await maria.say("STOP"))[0].startswith("Fatto: da ora non ti mandiamo più messaggi")
    assert (await _order(demo_domain, 1)).status == "active", "STOP is the opt-out, not a stop"
    assert (await _order(demo_domain, 2)).status == "paused"


async def test_erasing_the_requester_stops_the_series_and_forgets_its_words(
    demo_domain: Domain,
) -> None:
    maria = Speaker(demo_domain, MARIA)
    await maria.say("ogni martedì mattina ritirate le camicie")
    await maria.tap("Confermo")
    async with demo_domain.unit() as ctx:
        person = await find_person(ctx.session, IdentityKind.PHONE, MARIA)
        assert person is not None
        exported = await export_person(ctx, person, "cli")
        assert [o["details"] for o in exported["standing_orders"]] == ["ritirate le camicie"]
        await erase_person(ctx, person, "cli")
    order = await _order(demo_domain)
    assert (order.status, order.details) == ("stopped", "[erased]")
    assert await _standing_timers(demo_domain) == []


async def test_skip_list_and_stop_in_english(demo_domain: Domain) -> None:
    emma = Speaker(demo_domain, EMMA)
    assert (await emma.say("iron my shirts every Tuesday morning"))[0].startswith(
        "I understood: Ironing, every Tuesday, starting Tuesday 24 November, morning"
    )
    await emma.tap("Confirm")
    assert await emma.say("skip Tuesday") == [
        "All right: series no. 1 (Ironing, «iron my shirts») skips Tuesday 24 November; the "
        "next one is Tuesday 1 December."
    ]
    assert await emma.say("my series") == [
        "Your series:\n• series no. 1 (Ironing, «iron my shirts»): on; the next one is Tuesday "
        "1 December"
    ]
    await run_until(demo_domain, _at(2))
    assert [day for day, _ in await _made(demo_domain)] == [date(2026, 12, 1)]
    assert await emma.say("stop the ironing") == [
        "I stopped series no. 1 (Ironing, «iron my shirts»): no more requests will be made. "
        "Those already made stay."
    ]
    await run_until(demo_domain, _at(16))
    assert len(await _made(demo_domain)) == 1


async def test_plants_every_two_days_in_august_read_back_and_planned(demo_domain: Domain) -> None:
    maria = Speaker(demo_domain, MARIA)
    assert await maria.say("bagnare le piante ogni 2 giorni dal 4 al 16 agosto") == [
        "Ho capito: Casa, piante e animali, ogni 2 giorni, a partire da mercoledì 4 agosto, fino "
        "a lunedì 16 agosto — «bagnare le piante». Confermi?"
    ]
    assert "La prima richiesta partirà mercoledì 4 agosto" in (await maria.tap("Confermo"))[0]
    order = await _order(demo_domain)
    assert order.schedule == Rule(
        freq="every_n_days", interval=2, anchor=date(2027, 8, 4), until=date(2027, 8, 16)
    )
    [timer] = await _standing_timers(demo_domain)
    assert timer.due_at == datetime(2027, 8, 4, 7, 0, tzinfo=ROME)


async def test_an_urgent_series_makes_urgent_requests(demo_domain: Domain) -> None:
    maria = Speaker(demo_domain, MARIA)
    [asked] = await maria.say("urgente: ogni martedì mattina ritirate le camicie")
    assert "(URGENTE)" in asked, asked
    await maria.tap("Confermo")
    assert (await _order(demo_domain)).urgent
    await run_until(demo_domain, _at(2))
    async with demo_domain.unit() as ctx:
        query = select(ServiceRequest).order_by(ServiceRequest.id)
        rows = (await ctx.session.scalars(query)).unique().all()
        assert [(r.due_at.astimezone(ROME).date(), r.urgent) for r in rows if r.due_at] == [
            (date(2026, 11, 24), True),
            (date(2026, 12, 1), True),
        ]
    plain = Speaker(demo_domain, EMMA)
    await plain.say("every Tuesday morning collect my shirts")
    await plain.tap("Confirm")
    assert not (await _order(demo_domain, 2)).urgent


async def test_skipping_tuesday_on_a_tuesday_already_requested_says_which_day(
    demo_domain: Domain,
) -> None:
    """On Tuesday 24 November, after that day's request was made, "salta martedì" cannot call
    today's off (it is a request now, cancelled with «annulla»): the next Tuesday is skipped,
    and the reply says both days in words."""
    maria = Speaker(demo_domain, MARIA)
    await maria.say("ogni martedì mattina ritirate le camicie")
    await maria.tap("Confermo")
    await run_until(demo_domain, _at(24, 11, hour=9))
    assert [day for day, _ in await _made(demo_domain)] == [date(2026, 11, 24)]
    await maria.inbox()
    # (before it, the notice of the 8 December holiday, as in the test above)
    assert (await maria.say("salta martedì"))[-1:] == [
        "Quella di oggi, martedì 24 novembre, è già stata richiesta (n. 1: per annullarla "
        "scrivi «annulla»); per la serie n. 1 (Stiratura, «ritirate le camicie») saltiamo "
        "quindi la prossima, martedì 1 dicembre; la prossima è mercoledì 9 dicembre."
    ]
    await run_until(demo_domain, _at(7))
    assert [day for day, _ in await _made(demo_domain)] == [date(2026, 11, 24)]


async def test_skipping_tuesday_after_todays_request_was_cancelled_offers_no_cancelling(
    demo_domain: Domain,
) -> None:
    """Today's request already cancelled: nothing of today's is left to cancel, so the reply
    says only which Tuesday the series skips."""
    maria = Speaker(demo_domain, MARIA)
    await maria.say("ogni martedì mattina ritirate le camicie")
    await maria.tap("Confermo")
    await run_until(demo_domain, _at(24, 11, hour=9))
    async with demo_domain.unit() as ctx:
        person = await find_person(ctx.session, IdentityKind.PHONE, MARIA)
        assert person is not None
        await cancel_request(ctx, person, 1)
    await maria.inbox()
    reply = (await maria.say("salta martedì"))[-1]
    assert "già stata richiesta" not in reply and "annulla" not in reply
    assert "martedì 1 dicembre" in reply


async def test_skip_tuesday_on_a_tuesday_already_requested_in_english(demo_domain: Domain) -> None:
    emma = Speaker(demo_domain, EMMA)
    await emma.say("iron my shirts every Tuesday morning")
    await emma.tap("Confirm")
    await run_until(demo_domain, _at(24, 11, hour=9))
    await emma.inbox()
    assert (await emma.say("skip Tuesday"))[-1:] == [
        "Today's, Tuesday 24 November, is already requested (no. 1: to cancel it write "
        "«cancel»); so series no. 1 (Ironing, «iron my shirts») skips the next one, Tuesday "
        "1 December; the next one is Wednesday 9 December."
    ]
