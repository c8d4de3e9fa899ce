"""Two cooperatives, and every staff capability tried across the boundary: by chat (transcripts
through the real inbound path) and by the dashboard (HTTP, logged in as the other cooperative's
coordinator). Each is refused or invisible, and nothing changes in the database. The other
cooperative's own staff see and do the same things (so the checks can fail)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as clock_time
from typing import Any

import httpx
import pytest
from sqlalchemy import Select, select

from bot.runtime import Runtime
from concierge.checkins.plans import CheckinPlan, CheckinRound, Contact, PlanInput, add_plan
from concierge.clock import ManualClock
from concierge.context import DomainContext
from concierge.database import transaction
from concierge.demo import load_demo
from concierge.jobs.dispatch import fire_timer
from concierge.messages import Channel, IdentityKind, Reply
from concierge.numbers.digest import plan_digest
from concierge.outbox import OutboxMessage, OutboxStatus, enqueue, mark_failed
from concierge.people.person import ChannelIdentity, Person, PersonKind, find_person
from concierge.requests.notes import RequestNote
from concierge.requests.offers import Offer
from concierge.requests.request import RequestEvent, ServiceRequest, create_request
from concierge.routing.assignment import offer_next
from concierge.team.coordinators import Coordinator
from concierge.team.editing import add_operator, add_weekly_slot
from concierge.team.operators import Cooperative, Operator, Shift
from concierge.team.rota import ShiftException
from concierge.team.users import Role, UserInput, add_user
from concierge.timers import Timer, TimerKind, pending_timer
from tests.conftest import Domain, make_settings, serving
from tests.dashboard_client import Staff, in_unit, staff
from tests.transcript import Speaker

pytestmark = pytest.mark.security

PORTICO, AURORA = "Cooperativa Il Portico", "Cooperativa Aurora"
PAOLA, GIULIA, MARIA = "+393331000009", "+393331000001", "+393402000001"
BRUNO, NADIA, EMMA = "+393331000029", "+393331000020", "+393402000004"
# What only Aurora's staff may read: Emma's check-in notes and her request.
SECRET = "chiavi sotto il vaso, diabetica"
THEIRS, OURS = "6 camicie", "latte e pane"
COORDINATORS_GROUP, OPERATORS_GROUP = -1001, -1002
METRICS_TOKEN = "scrape-me-please-0123456789"
AURORA_COORD, AURORA_PASSWORD = "aurora.coord", "aurora-secret"


@dataclass(frozen=True)
class Aurora:
    """The second cooperative as the tests know it."""

    cooperative_id: int
    nadia_id: int
    plan_id: int


async def add_aurora(ctx: DomainContext) -> Aurora:
    """Aurora: Nadia (ironing, shopping; always on duty) works Navile, where Emma lives, and
    Il Portico now works only the centre; Bruno coordinates Aurora by chat, `aurora.coord` on
    the dashboard; Emma's daily check-in (with private notes) is Aurora's."""
    nadia = await add_operator(
        ctx, first_name="Nadia", last_name="Neri", phone=NADIA, skills=["ironing", "shopping"],
        capacity=3, zones=["Navile"], language="it", cooperative=AURORA,
    )  # fmt: skip
    for weekday in range(7):
        await add_weekly_slot(ctx, nadia, weekday, clock_time(0, 0), clock_time(23, 59))
    for operator in (await ctx.session.scalars(select(Operator))).unique().all():
        if operator.id != nadia.id:
            operator.zones = ["Centro"]
    bruno = Person(
        first_name="Bruno", last_name="Gallo", kind=PersonKind.WORKER, language="it",
        created_at=ctx.now(),
    )  # fmt: skip
    bruno.identities.append(ChannelIdentity(kind=IdentityKind.PHONE, address=BRUNO))
    ctx.session.add(bruno)
    await ctx.session.flush()
    ctx.session.add(
        Coordinator(
            person_id=bruno.id, cooperative_id=nadia.cooperative_id,
            contact_channel=Channel.WEBCHAT, active=True,
        )
    )  # fmt: skip
    await add_user(
        ctx,
        UserInput(
            username=AURORA_COORD, password=AURORA_PASSWORD, role=Role.COORDINATOR,
            cooperative=AURORA,
        ),
    )  # fmt: skip
    emma = await find_person(ctx.session, IdentityKind.PHONE, EMMA)
    assert emma is not None
    emma.zone = "Navile"
    plan = await add_plan(
        ctx, emma,
        PlanInput(
            at_time="11:00", channel=Channel.SMS, retries=0, notes=SECRET,
            contacts=(Contact(name="Tom", phone="+393405550009"),),
        ),
    )  # fmt: skip
    plan.cooperative_id = nadia.cooperative_id
    await ctx.session.flush()
    return Aurora(nadia.cooperative_id, nadia.id, plan.id)


async def ask(
    ctx: DomainContext, phone: str, service: str, details: str, due: datetime | None = None
) -> int:
    """A resident's confirmed request, offered to whoever may take it (its number)."""
    person = await find_person(ctx.session, IdentityKind.PHONE, phone)
    assert person is not None
    request = await create_request(ctx, person, service, details, Channel.WEBCHAT, due_at=due)
    await offer_next(ctx, request)
    return request.id


async def database_state(ctx: DomainContext, besides: str = "") -> dict[str, list[Any]]:
    """What staff could change: requests, their history, offers, notes, the rota, the plans,
    and the outbox (its rows, which are undelivered), leaving out the rows to `besides` (the
    answers the attacker gets)."""
    queries: dict[str, Select[Any]] = {
        "requests": select(
            ServiceRequest.id,
            ServiceRequest.status,
            ServiceRequest.operator_id,
            ServiceRequest.cooperative_id,
            ServiceRequest.urgent,
            ServiceRequest.due_at,
            ServiceRequest.version,
        ).order_by(ServiceRequest.id),
        "events": select(RequestEvent.id, RequestEvent.to_status).order_by(RequestEvent.id),
        "offers": select(Offer.id, Offer.status, Offer.operator_id).order_by(Offer.id),
        "notes": select(RequestNote.id).order_by(RequestNote.id),
        "shifts": select(Shift.id, Shift.operator_id).order_by(Shift.id),
        "changes": select(ShiftException.id).order_by(ShiftException.id),
        "plans": select(CheckinPlan.id, CheckinPlan.active, CheckinPlan.cooperative_id),
        "outbox": select(
            OutboxMessage.id, OutboxMessage.address, OutboxMessage.status == OutboxStatus.DEAD
        )
        .where(OutboxMessage.address != besides)
        .order_by(OutboxMessage.id),
    }
    return {
        name: [tuple(row) for row in (await ctx.session.execute(query)).all()]
        for name, query in queries.items()
    }


# --- by chat ------------------------------------------------------------------------------


@pytest.fixture
async def two(database_url: str, clock: ManualClock) -> AsyncIterator[Domain]:
    """The demo (Il Portico) and Aurora, with both Telegram staff groups configured."""
    settings = make_settings(
        database_url,
        TELEGRAM_COORDINATORS_GROUP=str(COORDINATORS_GROUP),
        TELEGRAM_OPERATORS_GROUP=str(OPERATORS_GROUP),
    )
    runtime = Runtime.create(settings, clock)
    async with transaction(runtime.sessions) as session:
        await load_demo(session, clock.now())
    yield Domain(runtime)
    await runtime.close()


async def _state(domain: Domain, besides: str = "") -> dict[str, list[Any]]:
    async with domain.unit() as ctx:
        return await database_state(ctx, besides)


async def _cooperative_of_rows_to(domain: Domain, address: str) -> set[int | None]:
    async with domain.unit() as ctx:
        rows = await ctx.session.scalars(
            select(OutboxMessage.cooperative_id).where(OutboxMessage.address == address)
        )
        return set(rows.all())


async def _cooperative_id(domain: Domain, name: str) -> int:
    async with domain.unit() as ctx:
        found = await ctx.session.scalar(select(Cooperative.id).where(Cooperative.name == name))
        assert found is not None
        return found


async def _to_groups(domain: Domain) -> list[str]:
    async with domain.unit() as ctx:
        rows = await ctx.session.scalars(
            select(OutboxMessage.text).where(
                OutboxMessage.address.in_([str(COORDINATORS_GROUP), str(OPERATORS_GROUP)])
            )
        )
        return list(rows.all())


async def test_coda_assegna_and_avviso_stay_inside_the_coordinators_cooperative(
    two: Domain,
) -> None:
    async with two.unit() as ctx:
        aurora = await add_aurora(ctx)
        ours = await ask(ctx, MARIA, "shopping", OURS)
        theirs = await ask(ctx, EMMA, "ironing", THEIRS)
    paola, bruno = Speaker(two, PAOLA), Speaker(two, BRUNO)
    giulia, nadia = Speaker(two, GIULIA), Speaker(two, NADIA)
    for person in (giulia, nadia):
        await person.inbox()

    # The queue: each coordinator reads their own cooperative's requests only.
    (queue,) = await paola.say("coda")
    assert OURS in queue and THEIRS not in queue and "Richieste aperte: 1 " in queue
    (queue,) = await bruno.say("coda")
    assert THEIRS in queue and OURS not in queue and "Richieste aperte: 1 " in queue

    # Reassigning: another cooperative's request is one that does not exist; another
    # cooperative's operator is nobody; and nothing moves.
    before = await _state(two, besides=PAOLA)
    assert await paola.say("assegna 999 a Giulia") == [
        "Non trovo una richiesta n. 999 della tua cooperativa."
    ]
    assert await paola.say(f"assegna {theirs} a Giulia") == [
        f"Non trovo una richiesta n. {theirs} della tua cooperativa."
    ]
    assert await paola.say(f"assegna {ours} a Nadia") == [
        "Non trovo un operatore attivo di nome «Nadia»."
    ]
    assert await paola.say(f"/assign {theirs} to Nadia") == [
        f"Non trovo una richiesta n. {theirs} della tua cooperativa."
    ]
    assert await _state(two, besides=PAOLA) == before
    assert await nadia.inbox() == [] and await giulia.inbox() == []

    # A message to everyone on duty reaches one's own operators, not the other cooperative's,
    # nor the Telegram group that spans every cooperative.
    assert await paola.say("avviso: riunione alle 17") == [
        "Messaggio inviato agli operatori in servizio: 3."
    ]
    assert await giulia.inbox() == ["Messaggio da Paola: riunione alle 17"]
    assert await nadia.inbox() == []
    assert await bruno.say("avviso: chiudiamo alle 16") == [
        "Messaggio inviato agli operatori in servizio: 1."
    ]
    assert await nadia.inbox() == ["Messaggio da Bruno: chiudiamo alle 16"]
    assert await giulia.inbox() == []
    assert await _to_groups(two) == []

    # Bruno may do to his request what Paola may not (the refusals above are about whom).
    assert await bruno.say(f"assegna {theirs} a Nadia") == [
        f"Richiesta n. {theirs} proposta a Nadia."
    ]
    # Every row written carries its cooperative: what Paola and Giulia read is Il Portico's.
    portico = await _cooperative_id(two, PORTICO)
    assert await _cooperative_of_rows_to(two, PAOLA) == {portico}
    assert await _cooperative_of_rows_to(two, GIULIA) == {portico}
    assert await _cooperative_of_rows_to(two, NADIA) == {aurora.cooperative_id}
    assert await _cooperative_of_rows_to(two, BRUNO) == {aurora.cooperative_id}
    # A stranger belongs to no cooperative yet: what they are told is for admins to see.
    await Speaker(two, "+393409999998").say("ciao")
    assert await _cooperative_of_rows_to(two, "+393409999998") == {None}


async def test_a_staff_group_hears_only_while_there_is_one_cooperative(two: Domain) -> None:
    paola = Speaker(two, PAOLA)
    await paola.say("avviso: riunione alle 17")
    assert await _to_groups(two) == ["Messaggio da Paola: riunione alle 17"]
    async with two.unit() as ctx:
        await add_aurora(ctx)
    await paola.say("avviso: riunione alle 18")
    assert await _to_groups(two) == ["Messaggio da Paola: riunione alle 17"]


async def _fire(domain: Domain, timer_id: int) -> None:
    async with domain.unit() as ctx:
        assert await fire_timer(ctx, timer_id)


async def _timer(domain: Domain, kind: TimerKind, request_id: int | None = None) -> Timer:
    async with domain.unit() as ctx:
        found = await ctx.session.scalar(
            select(Timer).where(
                Timer.kind == kind, Timer.request_id == request_id, Timer.status == "pending"
            )
        )
        assert found is not None, kind
        return found


async def _cooperatives_of_rows_saying(domain: Domain, words: str) -> set[int | None]:
    async with domain.unit() as ctx:
        rows = await ctx.session.scalars(
            select(OutboxMessage.cooperative_id).where(OutboxMessage.text.contains(words))
        )
        return set(rows.all())


async def test_alerts_and_the_digest_reach_only_the_requests_cooperative(two: Domain) -> None:
    async with two.unit() as ctx:
        aurora = await add_aurora(ctx)
        due = two.clock.now() + timedelta(hours=1)
        await ask(ctx, MARIA, "shopping", OURS, due)
        theirs = await ask(ctx, EMMA, "ironing", THEIRS, due)
        digest = await plan_digest(ctx)
        assert digest is not None
    paola, bruno = Speaker(two, PAOLA), Speaker(two, BRUNO)
    giulia, nadia = Speaker(two, GIULIA), Speaker(two, NADIA)
    await paola.inbox()
    await bruno.inbox()

    # "Nobody can take it": Nadia declines, and Aurora has nobody else. Bruno hears, Paola not.
    await nadia.tap("Rifiuto")
    assert [text for text in await bruno.inbox() if "Nessun operatore" in text and THEIRS in text]
    assert await paola.inbox() == []

    # A problem on Il Portico's task is Paola's news, not Bruno's.
    for button in ("Accetto", "Inizio ora", "Problema"):
        await giulia.tap(button)
    await giulia.say("Il negozio è chiuso")
    assert [text for text in await paola.inbox() if text.startswith("Problema su") and OURS in text]
    assert await bruno.inbox() == []

    # Overdue: each coordinator hears of their cooperative's late request only.
    two.clock.advance(timedelta(hours=2))
    await _fire(two, (await _timer(two, TimerKind.OVERDUE, theirs)).id)
    assert [
        text for text in await bruno.inbox() if text.startswith("In ritardo") and THEIRS in text
    ]
    assert await paola.inbox() == []

    # Emma's check-in goes unanswered: the urgent request, with her plan's private notes, is
    # Aurora's, and only Bruno reads them (Aurora has nobody for check-ins: "nobody can").
    await _fire(two, (await _plan_timer(two, aurora.plan_id)).id)
    retry = await _round_retry(two, aurora.plan_id)
    two.clock.set(retry.due_at)
    await _fire(two, retry.id)
    assert [text for text in await bruno.inbox() if "note del controllo" in text]
    assert await _cooperatives_of_rows_saying(two, SECRET) == set()  # referred to, not copied
    urgent = await _round_request(two, aurora.plan_id)
    assert await paola.say(f"note {urgent}") == [
        f"La richiesta {urgent} non ha note del controllo che puoi leggere."
    ]
    assert await bruno.say(f"note {urgent}") == [
        f"Note del controllo per la richiesta {urgent}: {SECRET}"
    ]
    assert await _to_groups(two) == []  # the service-wide group would cross cooperatives

    # The digest: one per cooperative, with that cooperative's numbers and late requests.
    two.clock.set(digest.due_at)
    await _fire(two, digest.id)
    (ours_digest,) = await paola.inbox()
    (theirs_digest,) = await bruno.inbox()
    assert "Richieste: 1 nuove, 0 completate, 0 annullate, 1 non riuscite." in ours_digest
    assert "Richieste: 2 nuove, 0 completate, 0 annullate, 0 non riuscite." in theirs_digest
    assert THEIRS not in ours_digest and SECRET not in ours_digest
    assert THEIRS in theirs_digest and OURS not in theirs_digest


async def _plan_timer(domain: Domain, plan_id: int) -> Timer:
    async with domain.unit() as ctx:
        found = await pending_timer(ctx, TimerKind.CHECKIN, plan_id)
        assert found is not None
    domain.clock.set(max(found.due_at, domain.clock.now()))
    return found


async def _round_request(domain: Domain, plan_id: int) -> int:
    async with domain.unit() as ctx:
        found = await ctx.session.scalar(
            select(CheckinRound.request_id).where(CheckinRound.plan_id == plan_id)
        )
        assert found is not None
        return found


async def _round_retry(domain: Domain, plan_id: int) -> Timer:
    async with domain.unit() as ctx:
        found = await ctx.session.scalar(
            select(Timer).where(Timer.kind == TimerKind.CHECKIN_RETRY, Timer.status == "pending")
        )
        assert found is not None
        return found


# --- by the dashboard ---------------------------------------------------------------------


@dataclass(frozen=True)
class Scene:
    """The served database with both cooperatives, their requests and undelivered messages."""

    aurora: Aurora
    ours: int
    theirs: int
    giulia_id: int
    dead: dict[str, int]  # whose undelivered message → its id


async def _scene(ctx: DomainContext) -> Scene:
    aurora = await add_aurora(ctx)
    ours = await ask(ctx, MARIA, "shopping", OURS)
    theirs = await ask(ctx, EMMA, "ironing", THEIRS)
    giulia = await ctx.session.scalar(select(Operator).order_by(Operator.id))
    assert giulia is not None
    return Scene(aurora, ours, theirs, giulia.id, {})


def _kill(url: str, clock: ManualClock, scene: Scene) -> Scene:
    """One undelivered message each: to Giulia (Il Portico's), to Nadia (Aurora's), and to a
    number nobody knows (no cooperative's)."""

    async def work(ctx: DomainContext) -> dict[str, int]:
        dead: dict[str, int] = {}
        for whose, address in (("portico", GIULIA), ("aurora", NADIA)):
            row = await ctx.session.scalar(
                select(OutboxMessage).where(OutboxMessage.address == address).limit(1)
            )
            assert row is not None
            dead[whose] = row.id
        nobody = await enqueue(
            ctx.session, channel=Channel.SMS, address="+393409999999", reply=Reply(text="?"),
            dedupe_key="scope-test:nobody", now=ctx.now(),
        )  # fmt: skip
        assert nobody is not None
        dead["nobody"] = nobody.id
        for whose, message_id in dead.items():
            await mark_failed(
                ctx.session, message_id, ctx.now(), f"errore-{whose}", 8, permanent=True
            )
        return dead

    # The served outbox delivers web chat rows at once: let it, then break them.
    time.sleep(0.5)
    return Scene(**{**vars(scene), "dead": in_unit(url, clock, work)})


def _logged_in(base_url: str, username: str, password: str = "portico-demo") -> Staff:
    member = staff(base_url)
    assert member.log_in(username, password).status_code == 303
    return member


def test_a_coordinator_cannot_see_or_touch_another_cooperative_on_the_dashboard(
    database_url: str, clock: ManualClock
) -> None:
    # The scheduler's periodic round is left out of the way: it has nothing to do here.
    with serving(
        database_url, clock, METRICS_TOKEN=METRICS_TOKEN, SCHEDULER_SYNC_SECONDS=300
    ) as server:
        scene = _kill(database_url, clock, in_unit(database_url, clock, _scene))
        theirs, nadia = scene.theirs, scene.aurora.nadia_id
        paola, giulia = _logged_in(server.base_url, "paola"), _logged_in(server.base_url, "giulia")
        aurora = _logged_in(server.base_url, AURORA_COORD, AURORA_PASSWORD)
        before = in_unit(database_url, clock, database_state)

        # Every action on Aurora's request, on its operator's rota and on its undelivered
        # messages (and on the ones of no cooperative) is refused.
        page = paola.client.get(f"/dashboard/requests/{theirs}")
        assert page.status_code == 403 and THEIRS not in page.text
        actions: list[tuple[str, dict[str, str]]] = [
            (f"/dashboard/requests/{theirs}/reassign", {"operator": str(scene.giulia_id)}),
            (f"/dashboard/requests/{theirs}/reassign", {"operator": str(nadia)}),
            (f"/dashboard/requests/{theirs}/priority", {"urgent": "1"}),
            (f"/dashboard/requests/{theirs}/due", {"due_at": "2026-11-24T10:00"}),
            (f"/dashboard/requests/{theirs}/cancel", {"reason": "prova"}),
            (f"/dashboard/requests/{theirs}/note", {"text": "visto"}),
            (f"/dashboard/requests/{theirs}/message", {"text": "ciao Emma"}),
            (f"/dashboard/requests/{theirs}/task/accept", {}),
            (
                "/dashboard/rota/slots",
                {"operator": str(nadia), "weekday": "0", "starts": "08:00", "ends": "09:00"},
            ),
            (
                "/dashboard/rota/changes",
                {"operator": str(nadia), "day": "2026-11-24", "kind": "off"},
            ),
            (f"/dashboard/deliveries/{scene.dead['aurora']}/retry", {}),
            (f"/dashboard/deliveries/{scene.dead['nobody']}/retry", {}),
        ]
        for path, form in actions:
            assert paola.submit(path, form).status_code == 403, path
        # Il Portico's operator fares no better with Aurora's task.
        assert giulia.client.get(f"/dashboard/requests/{theirs}").status_code == 403
        giulia.submit(f"/dashboard/requests/{theirs}/task/accept", {})
        assert in_unit(database_url, clock, database_state) == before

        # What Paola reads holds none of Aurora's: queue, numbers, CSV, check-ins, undelivered
        # messages, metrics, the rota, even when she asks for Aurora's by its number.
        other = scene.aurora.cooperative_id
        for path in (
            "/dashboard", "/dashboard/queue/rows", f"/dashboard?operator={nadia}",
            f"/dashboard/numbers?cooperative={other}",
            f"/dashboard/numbers.csv?cooperative={other}",
            "/dashboard/checkins", "/dashboard/deliveries", "/dashboard/rota", "/metrics",
        ):  # fmt: skip
            text = paola.client.get(path).text
            for secret in (THEIRS, "Emma", "Nadia", "errore-aurora", "errore-nobody", AURORA):
                assert secret not in text, (path, secret)
        assert (
            'id="fig-requests">1<'
            in paola.client.get(f"/dashboard/numbers?cooperative={other}").text
        )
        export = paola.client.get(f"/dashboard/numbers.csv?cooperative={other}").text.splitlines()
        assert [line.split(",")[0] for line in export[1:]] == [str(scene.ours)]
        assert "errore-portico" in paola.client.get("/dashboard/deliveries").text

        # Aurora's coordinator sees exactly what was kept from Paola (so the checks can fail),
        # and an admin sees every undelivered message, those of no cooperative among them.
        assert THEIRS in aurora.client.get(f"/dashboard/requests/{theirs}").text
        assert THEIRS in aurora.client.get("/dashboard").text
        assert "Emma" in aurora.client.get("/dashboard/checkins").text
        assert f'cooperative="{AURORA}"' in aurora.client.get("/metrics").text
        everything = httpx.get(
            f"{server.base_url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
        ).text
        assert f'cooperative="{AURORA}"' in everything and f'cooperative="{PORTICO}"' in everything
        admin = _logged_in(server.base_url, "admin").client.get("/dashboard/deliveries").text
        assert all(f"errore-{whose}" in admin for whose in ("portico", "aurora", "nobody"))
        undelivered = aurora.client.get("/dashboard/deliveries").text
        assert "errore-aurora" in undelivered
        assert "errore-portico" not in undelivered and "errore-nobody" not in undelivered
        again = aurora.submit(
            f"/dashboard/deliveries/{scene.dead['aurora']}/retry", {}, "/dashboard/deliveries"
        )
        assert again.status_code == 303
        assert "errore-aurora" not in aurora.client.get("/dashboard/deliveries").text
