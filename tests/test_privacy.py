"""Privacy: check-in notes sealed at rest, referred to and never copied, opened only by the
task's holder while it is open and the cooperative's coordinators, every opening audited."""

from __future__ import annotations

import json
import logging
import os
import re
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select, text, update

from bot.cli.posture import checklist
from bot.dashboard.request_page import notes_reader
from bot.log_privacy import mask_text
from bot.runtime import Runtime, StartupError
from concierge.audit import AuditEvent
from concierge.checkins.plans import CheckinPlan, CheckinRound
from concierge.checkins.private_notes import read_notes
from concierge.clock import ManualClock
from concierge.context import DomainContext
from concierge.jobs.dispatch import fire_timer
from concierge.messages import Channel, IdentityKind
from concierge.outbox import PRIVATE_DELIVERED, OutboxMessage, OutboxStatus, mark_sent
from concierge.people.conversations import InboundRecord
from concierge.people.person import find_person
from concierge.privacy.retention import REDACTED, Redacted, plan_retention, redact_old
from concierge.requests.lifecycle import RequestStatus
from concierge.requests.request import ServiceRequest, create_request
from concierge.routing.assignment import offer_next
from concierge.sealing import KEY_FILE_NAME, seal, unseal
from concierge.team.users import Role, User
from concierge.timers import Timer, TimerKind
from tests.conftest import Domain, make_settings, serving
from tests.dashboard_client import in_unit, staff
from tests.test_checkins import ELEVEN, MARIA, _enrol, _round, _run_until
from tests.transcript import Speaker
from tests.webchat_client import ChatPerson

SECRET = "Diabetica; chiavi sotto lo zerbino 4711"
GIULIA, MARCO = "+393331000001", "+393331000002"


async def _help_asked(domain: Domain) -> int:
    """Maria, with sealed notes, asks for help at her check-in: the urgent request's id."""
    await _enrol(domain, notes=SECRET)
    await _run_until(domain, ELEVEN)
    await Speaker(domain, MARIA, Channel.SMS).tap("Ho bisogno di aiuto")
    request_id = (await _round(domain)).request_id
    assert request_id is not None
    return request_id


async def _holder(domain: Domain, request_id: int) -> tuple[Speaker, Speaker]:
    """The operator offered the request accepts it: (holder, another operator)."""
    giulia, marco = Speaker(domain, GIULIA), Speaker(domain, MARCO)
    await giulia.tap("Accetto")
    async with domain.unit() as ctx:
        request = await ctx.session.get(ServiceRequest, request_id)
        assert request is not None and request.status == "accepted"
    return giulia, marco


async def test_notes_are_sealed_and_only_referred_to(demo_domain: Domain) -> None:
    request_id = await _help_asked(demo_domain)
    async with demo_domain.unit() as ctx:
        plan = await ctx.session.scalar(select(CheckinPlan).where(CheckinPlan.sealed_notes != ""))
        request = await ctx.session.get(ServiceRequest, request_id)
        texts = (await ctx.session.scalars(select(OutboxMessage.text))).all()
        assert plan is not None and request is not None
        assert SECRET not in plan.sealed_notes and SECRET not in request.details
        assert "note del controllo" in request.details
        assert not [t for t in texts if SECRET in t]
        if ctx.settings.is_sqlite:
            await ctx.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    path = ctx.settings.sqlite_path
    if path is not None:
        for file in path.parent.glob(f"{path.name}*"):
            assert b"4711" not in file.read_bytes(), file
        key = path.parent / KEY_FILE_NAME
        assert stat.S_IMODE(key.stat().st_mode) == 0o600


async def test_only_the_holder_reads_the_notes_by_chat(demo_domain: Domain) -> None:
    request_id = await _help_asked(demo_domain)
    giulia, marco = await _holder(demo_domain, request_id)
    refused = f"La richiesta {request_id} non ha note del controllo che puoi leggere."
    assert await marco.say(f"note {request_id}") == [refused]
    assert await giulia.say(f"note {request_id}") == [
        f"Note del controllo per la richiesta {request_id}: {SECRET}"
    ]
    # The reply that carried the note keeps it only until it is delivered.
    async with demo_domain.unit() as ctx:
        private = (
            await ctx.session.scalars(select(OutboxMessage).where(OutboxMessage.private))
        ).all()
        assert [SECRET in row.text for row in private] == [True]
        assert await mark_sent(ctx.session, private[0].id, ctx.now())
    async with demo_domain.unit() as ctx:
        texts = (await ctx.session.scalars(select(OutboxMessage.text))).all()
        assert not [t for t in texts if SECRET in t] and PRIVATE_DELIVERED in texts
    await giulia.tap("Inizio ora")
    await giulia.tap("Fatto")
    await giulia.tap("Nessuna prova")
    assert await giulia.say(f"note {request_id}") == [refused], "closed: no longer hers"
    async with demo_domain.unit() as ctx:
        events = (await ctx.session.scalars(select(AuditEvent))).all()
    assert [(e.action, e.subject) for e in events] == [
        ("read", f"checkin_plan:{events[0].subject.split(':')[1].split()[0]} notes"
         f" (request {request_id})")
    ]  # fmt: skip
    assert events[0].actor.startswith("operator:")


async def test_dashboard_readers(demo_domain: Domain) -> None:
    request_id = await _help_asked(demo_domain)
    await _holder(demo_domain, request_id)
    async with demo_domain.unit() as ctx:
        users = {u.username: u for u in (await ctx.session.scalars(select(User))).unique()}
        plan = await ctx.session.scalar(select(CheckinRound.plan_id))
        coop = (await ctx.session.get(CheckinPlan, plan)).cooperative_id  # type: ignore[union-attr]
        other = User(username="elsewhere", role=Role.COORDINATOR, cooperative_id=coop + 1)
        admin = User(username="boss", role=Role.ADMIN, cooperative_id=None)
        for user in (other, admin):
            assert await read_notes(ctx, notes_reader(user), request_id) is None
        coordinators = [u for u in users.values() if u.role == Role.COORDINATOR]
        assert coordinators
        assert await read_notes(ctx, notes_reader(coordinators[0]), request_id) == SECRET


async def test_a_wrong_key_stops_start_up(database_url: str, tmp_path: Path) -> None:
    key = tmp_path / "key"
    settings = make_settings(database_url, SEALING_KEY_FILE=str(key))
    runtime = Runtime.create(settings)
    try:
        async with runtime.unit() as ctx:
            plan = await ctx.session.scalar(select(CheckinPlan))
            assert plan is None
        await runtime.check_database()  # nothing sealed yet: any key will do
    finally:
        await runtime.close()
    wrong = make_settings(database_url, SEALING_KEYS=Fernet.generate_key().decode())
    sealed = Runtime.create(settings)
    try:
        from concierge.demo import load_demo

        async with sealed.unit() as ctx:
            await load_demo(ctx.session, ctx.now(), settings)
    finally:
        await sealed.close()
    refused = Runtime.create(wrong)
    try:
        with pytest.raises(StartupError, match="SEALING_KEYS"):
            await refused.check_database()
    finally:
        await refused.close()
    rotated = make_settings(
        database_url, SEALING_KEYS=f"{Fernet.generate_key().decode()},{key.read_text().strip()}"
    )
    accepted = Runtime.create(rotated)
    try:
        await accepted.check_database()  # the old key still opens, the new one seals
    finally:
        await accepted.close()


DEMO_NOTES = "chiavi dalla vicina"


async def _demo_checkin_request(ctx: DomainContext) -> int:
    """An open check-in request on a demo plan with notes, held by Giulia (test set-up)."""
    plan = await ctx.session.scalar(select(CheckinPlan).where(CheckinPlan.sealed_notes != ""))
    giulia = await ctx.session.scalar(select(User).where(User.username == "giulia"))
    assert plan is not None and giulia is not None
    request = await create_request(
        ctx, plan.person, "elder_checkin", "controllo", Channel.SMS, urgent=True, by_service=True
    )
    request.cooperative_id = plan.cooperative_id
    request.operator_id, request.status = giulia.operator_id, RequestStatus.ACCEPTED
    ctx.session.add(
        CheckinRound(plan_id=plan.id, day=ctx.now().date(), request_id=request.id,
                     started_at=ctx.now())
    )  # fmt: skip
    await ctx.session.flush()
    return request.id


def test_dashboard_shows_notes_to_holder_and_coordinator_only(
    sqlite_url: str, clock: ManualClock
) -> None:
    with serving(sqlite_url, clock, SCHEDULER_SYNC_SECONDS=300) as server:
        request_id = in_unit(sqlite_url, clock, _demo_checkin_request)
        page = f"/dashboard/requests/{request_id}"
        seen = {}
        for name in ("giulia", "marco", "paola", "admin"):
            member = staff(server.base_url)
            assert member.log_in(name).status_code == 303
            seen[name] = member
        assert DEMO_NOTES in seen["giulia"].client.get(page).text
        assert DEMO_NOTES in seen["paola"].client.get(page).text
        assert DEMO_NOTES not in seen["marco"].client.get(page).text
        assert DEMO_NOTES not in seen["admin"].client.get(page).text
        assert seen["paola"].client.get("/dashboard/audit").status_code == 403
        trail = seen["admin"].client.get("/dashboard/audit")
        assert trail.status_code == 200
        assert "user:giulia" in trail.text and "user:paola" in trail.text
        assert "user:marco" not in trail.text and DEMO_NOTES not in trail.text


def _cli(url: str, *args: str, answer: str = "") -> subprocess.CompletedProcess[str]:
    dropped = ("DATABASE_URL", "SEALING", "LANG", "LC_ALL", "LC_MESSAGES")  # no locale: Italian
    clean = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "people", *args], input=answer,
        env={**clean, "DATABASE_URL": url}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def _held(path: Path, needles: tuple[bytes, ...]) -> list[bytes]:
    found = []
    for file in path.parent.glob(f"{path.name}*"):
        data = file.read_bytes()
        found += [needle for needle in needles if needle in data]
    return found


async def test_export_erase_export(demo_domain: Domain) -> None:
    maria = Speaker(demo_domain, MARIA, Channel.SMS)
    await maria.say("buongiorno, sono Maria: latte e pane per favore")
    async with demo_domain.unit() as ctx:
        person = await find_person(ctx.session, IdentityKind.PHONE, MARIA)
        assert person is not None
        request = await create_request(
            ctx, person, "shopping", "latte e pane, citofono Rossi", Channel.SMS
        )
        await offer_next(ctx, request)
        url, path = ctx.settings.database_url, ctx.settings.sqlite_path
    needles = (MARIA.encode(), b"3402000001", b"chiavi dalla vicina", b"citofono Rossi",
               b"latte e pane", b"Via Roma 12", b"+393405550001")  # fmt: skip

    exported = _cli(url, "export", MARIA)
    assert exported.returncode == 0, exported.stderr
    document = json.loads(exported.stdout)
    assert [i["address"] for i in document["identities"]] == [MARIA]
    assert document["requests"][0]["details"] == "latte e pane, citofono Rossi"
    assert document["requests"][0]["history"]
    assert "latte e pane per favore" in document["messages_received"][-1]["text"]
    assert document["messages_sent"]
    assert "chiavi dalla vicina" in document["checkin_plans"][0]["notes"]
    assert "ledger" in document["welfare"]

    refused = _cli(url, "erase", MARIA, "--yes")
    assert refused.returncode == 2 and "richieste aperte" in refused.stderr
    unconfirmed = _cli(url, "erase", MARIA, "--force", answer="n\n")
    assert unconfirmed.returncode != 0
    assert _cli(url, "export", MARIA).returncode == 0, "nothing erased without a yes"

    erased = _cli(url, "erase", MARIA, "--force", answer="y\n")
    assert erased.returncode == 0, erased.stderr
    await demo_domain.runtime.engine.dispose()  # its pooled connections may hold old pages
    if path is not None:  # SQLite: the files themselves hold none of it
        assert _held(path, needles) == []
    again = _cli(url, "export", MARIA)
    assert again.returncode == 2 and "nessuno ha il numero" in again.stderr
    async with demo_domain.unit() as ctx:
        counted = await ctx.session.scalar(
            select(func.count(ServiceRequest.id)).where(ServiceRequest.requester_id == person.id)
        )
        events = (await ctx.session.scalars(select(AuditEvent.action))).all()
    assert counted == 1, "the anonymous request still counts"
    # Each export is audited for the person and for the plan's notes it opened.
    assert list(events).count("export") == 4 and list(events).count("erase") == 1


async def _texts(domain: Domain) -> tuple[list[str], list[str], list[list[str]]]:
    async with domain.unit() as ctx:
        sent = await ctx.session.scalars(select(OutboxMessage.text).order_by(OutboxMessage.id))
        received = await ctx.session.scalars(select(InboundRecord.text).order_by(InboundRecord.id))
        links = await ctx.session.scalars(
            select(ServiceRequest.attachments).order_by(ServiceRequest.id)
        )
        return list(sent.all()), list(received.all()), list(links.all())


async def test_retention_redacts_old_texts_and_keeps_the_counts(demo_domain: Domain) -> None:
    maria = Speaker(demo_domain, MARIA, Channel.SMS)
    await maria.say("buongiorno, latte e pane per favore")
    async with demo_domain.unit() as ctx:
        person = await find_person(ctx.session, IdentityKind.PHONE, MARIA)
        assert person is not None
        request = await create_request(ctx, person, "shopping", "spesa", Channel.VOICE)
        request.attachments = ["https://api.twilio.com/recordings/RE123"]
        timer = await plan_retention(ctx)
        assert timer is not None
        # Delivered (no sender runs here): a message still waiting to go is never redacted.
        await ctx.session.execute(update(OutboxMessage).values(status=OutboxStatus.SENT))
    sent, received, links = await _texts(demo_domain)
    assert "latte e pane per favore" in received[-1] and links[-1]

    # A day short of a year: nothing is old enough yet.
    demo_domain.clock.set(timer.due_at + timedelta(days=363))
    async with demo_domain.unit() as ctx:
        assert await redact_old(ctx) == Redacted(0, 0, 0, 0)
    demo_domain.clock.set(timer.due_at + timedelta(days=366))
    await maria.say("ancora io, grazie")  # recent: kept
    async with demo_domain.unit() as ctx:
        later = await ctx.session.scalar(
            select(Timer).where(Timer.kind == TimerKind.RETENTION, Timer.status == "pending")
        )
        assert later is not None and await fire_timer(ctx, later.id)
    after_sent, after_received, after_links = await _texts(demo_domain)
    assert len(after_sent) >= len(sent) and len(after_received) == len(received) + 1
    assert after_received[:-1] == [REDACTED] * len(received)
    assert after_received[-1] == "ancora io, grazie"
    assert after_sent[: len(sent)] == [REDACTED] * len(sent)
    assert after_links == [[] for _ in links]
    async with demo_domain.unit() as ctx:
        counted = await ctx.session.scalar(select(func.count(ServiceRequest.id)))
        planned = await ctx.session.scalar(
            select(Timer.due_at).where(Timer.kind == TimerKind.RETENTION, Timer.status == "pending")
        )
    assert counted == len(links), "the rows (and the numbers made of them) stay"
    assert planned is not None and planned > demo_domain.clock.now(), "next night planned"


def test_logs_of_a_whole_conversation_hold_no_number(sqlite_url: str, clock: ManualClock) -> None:
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    keep, root, access = Keep(level=logging.DEBUG), logging.getLogger(), "uvicorn.access"
    level = root.level
    with serving(sqlite_url, clock) as server, httpx.Client(base_url=server.base_url) as http:
        root.setLevel(logging.DEBUG)  # from here on, everything the running service logs
        root.addHandler(keep)
        logging.getLogger(access).addHandler(keep)
        try:
            maria, giulia = ChatPerson(http, MARIA), ChatPerson(http, GIULIA)
            maria.say("pacco oggi, chiamami al +393401112233")
            maria.expect("Confermi?")
            maria.tap("Confermo")
            maria.expect("Richiesta registrata")
            giulia.expect("Nuova richiesta")
            giulia.tap("Accetto")
            maria.expect("ha preso in carico")
            logging.getLogger("concierge.test").warning("escaped: %s", f"whatsapp:{MARIA}")
        finally:
            logging.getLogger(access).removeHandler(keep)
            root.removeHandler(keep)
            root.setLevel(level)
    assert len(lines) > 5
    held = [line for line in lines if re.search(r"3402000001|3331000001|3401112233", line)]
    assert held == []
    assert any("+39 340 ***0001" in line for line in lines), "masked, still told apart"
    assert not [line for line in lines if "pacco oggi" in line], "no message text"


def test_masking() -> None:
    assert mask_text("to +393401234567.") == "to +39 340 ***4567."
    assert mask_text("a=%2B12025550123&b=42") == "a=+1 202 ***0123&b=42"
    assert mask_text("order 12345678901 at 2026-11-30") == "order 12345678901 at 2026-11-30"


def test_doctor_asks_to_keep_the_made_key(tmp_path: Path) -> None:
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path}/c.sqlite3")
    seal(settings, "chiavi")  # the first sealing makes the key beside the database
    lines = [c.line() for c in checklist(settings, [], datetime.now(UTC)) if not c.ok]
    assert any("SEALING_KEYS" in line and KEY_FILE_NAME in line for line in lines)
    italian = [c.line("it") for c in checklist(settings, [], datetime.now(UTC)) if not c.ok]
    assert any(line.startswith("[!!] la chiave che sigilla") for line in italian)
    keyed = make_settings(settings.database_url, SEALING_KEYS=Fernet.generate_key().decode())
    assert all(
        "SEALING_KEYS" not in c.line() for c in checklist(keyed, [], datetime.now(UTC)) if not c.ok
    )


async def test_notes_written_before_sealing_are_sealed_at_start_up(demo_domain: Domain) -> None:
    async with demo_domain.unit() as ctx:
        plan = await ctx.session.scalar(select(CheckinPlan).where(CheckinPlan.sealed_notes != ""))
        assert plan is not None
        plan.sealed_notes = SECRET  # as an older version stored it, in clear
    await demo_domain.runtime.check_database()
    async with demo_domain.unit() as ctx:
        stored = await ctx.session.scalar(
            select(CheckinPlan.sealed_notes).where(CheckinPlan.id == plan.id)
        )
        assert stored is not None and SECRET not in stored
        assert unseal(ctx.settings, stored) == SECRET
