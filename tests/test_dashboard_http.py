"""The dashboard over HTTP, as staff use it: log-in, roles, CSRF, one cooperative's requests kept
from another's, every action on a request, the rota, admin, CSV, metrics and the live stream."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from concierge.clock import ManualClock
from concierge.context import DomainContext
from concierge.outbox import OutboxMessage, OutboxStatus, mark_failed
from concierge.requests.request import ServiceRequest
from tests.conftest import LiveServer, serving
from tests.dashboard_client import (
    OTHER_COORDINATOR,
    Staff,
    in_unit,
    offered_request,
    other_cooperative_request,
    staff,
)
from tests.webchat_client import ChatPerson

MARIA, EMMA = "+393402000001", "+393402000004"
METRICS_TOKEN = "scrape-me-please-0123456789"


@pytest.fixture
def server(sqlite_url: str, clock: ManualClock) -> Iterator[LiveServer]:
    with serving(sqlite_url, clock, METRICS_TOKEN=METRICS_TOKEN) as live:
        yield live


def logged_in(server: LiveServer, username: str, password: str | None = None) -> Staff:
    member = staff(server.base_url)
    answer = member.log_in(username) if password is None else member.log_in(username, password)
    assert answer.status_code == 303, answer.text
    return member


def request_row(url: str, clock: ManualClock, request_id: int) -> ServiceRequest:
    async def work(ctx: DomainContext) -> ServiceRequest:
        found = await ctx.session.get(ServiceRequest, request_id)
        assert found is not None
        return found

    return in_unit(url, clock, work)


def test_nothing_is_shown_without_logging_in(server: LiveServer) -> None:
    visitor = staff(server.base_url)
    for path in (
        "/dashboard", "/dashboard/requests/1", "/dashboard/rota",
        "/dashboard/numbers", "/dashboard/numbers.csv", "/dashboard/checkins",
        "/dashboard/deliveries", "/dashboard/admin",
    ):  # fmt: skip
        answer = visitor.client.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/dashboard/login?next=/dashboard"), path
    # What the live queue's script fetches answers 401, which the script turns into the log-in.
    assert visitor.client.get("/dashboard/events").status_code == 401
    assert visitor.client.get("/dashboard/queue/rows").status_code == 401
    assert visitor.client.get("/metrics").status_code == 401
    refused = visitor.submit("/dashboard/requests/1/note", {"text": "ciao"}, "/dashboard/login")
    assert refused.status_code == 401

    # A link to a filtered queue survives the log-in it needs.
    deep = visitor.client.get("/dashboard?status=queued&overdue=1")
    assert (
        deep.headers["location"]
        == "/dashboard/login?next=/dashboard%3Fstatus%3Dqueued%26overdue%3D1"
    )
    form = visitor.client.get(deep.headers["location"]).text
    assert 'name="next" value="/dashboard?status=queued&amp;overdue=1"' in form
    landed = visitor.client.post(
        "/dashboard/login",
        data={
            "username": "paola", "password": "portico-demo", "csrf_token": visitor.token(),
            "next": "/dashboard?status=queued&overdue=1",
        },
    )  # fmt: skip
    assert landed.headers["location"] == "/dashboard?status=queued&overdue=1"
    elsewhere = staff(server.base_url).client.get("/dashboard/login?next=https://evil.example/")
    assert 'name="next" value="/dashboard"' in elsewhere.text


def test_log_in_wrong_then_right_then_out(server: LiveServer) -> None:
    paola = staff(server.base_url)
    wrong = paola.log_in("paola", "not-the-password")
    assert wrong.status_code == 401
    assert "Nome utente o password non corretti." in wrong.text
    unknown = paola.log_in("nobody", "whatever-it-is")
    assert unknown.status_code == 401

    right = paola.log_in("PAOLA")
    assert right.status_code == 303 and right.headers["location"] == "/dashboard"
    cookie = right.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    queue = paola.client.get("/dashboard")
    assert queue.status_code == 200
    assert "Coda delle richieste" in queue.text and "Paola Greco · coordinatore" in queue.text

    # A cookie changed by hand is not a session.
    jar = paola.client.cookies
    forged = staff(server.base_url)
    value = jar.get("concierge_session") or ""
    forged.client.cookies.set("concierge_session", value[:-3] + "xyz")
    assert forged.client.get("/dashboard").status_code == 303

    english = paola.submit("/dashboard/language", {"lang": "en", "back": "/dashboard"})
    assert english.status_code == 303
    assert "Request queue" in paola.client.get("/dashboard").text

    # English chosen on the log-in page stays English after logging in.
    visitor = staff(server.base_url)
    visitor.submit("/dashboard/language", {"lang": "en"}, "/dashboard/login")
    assert "Log in to the dashboard" in visitor.client.get("/dashboard/login").text
    assert visitor.log_in("marco").status_code == 303
    assert "My tasks" in visitor.client.get("/dashboard").text

    assert paola.submit("/dashboard/logout", {}).status_code == 303
    assert paola.client.get("/dashboard").status_code == 303


def test_too_many_wrong_passwords_rest_the_username(server: LiveServer) -> None:
    guesser = staff(server.base_url)
    for attempt in range(5):
        assert guesser.log_in("paola", f"guess-{attempt}").status_code == 401
    resting = guesser.log_in("paola")  # even the right password waits now
    assert resting.status_code == 429
    assert "Troppi tentativi sbagliati" in resting.text
    assert staff(server.base_url).log_in("marco").status_code == 303  # others are not affected


def test_a_form_without_its_csrf_token_is_refused(
    server: LiveServer, sqlite_url: str, clock: ManualClock
) -> None:
    request_id = offered_request(sqlite_url, clock, MARIA, "shopping", "latte e pane")
    paola = logged_in(server, "paola")
    marco = request_row(sqlite_url, clock, request_id).operator_id
    missing = paola.client.post(
        f"/dashboard/requests/{request_id}/reassign", data={"operator": "2"}
    )
    assert missing.status_code == 403
    assert "Il modulo è scaduto" in missing.text
    forged = paola.client.post(
        f"/dashboard/requests/{request_id}/reassign",
        data={"operator": "2", "csrf_token": "made-up"},
    )
    assert forged.status_code == 403
    assert request_row(sqlite_url, clock, request_id).operator_id == marco
    login = staff(server.base_url).client.post(
        "/dashboard/login", data={"username": "paola", "password": "portico-demo"}
    )
    assert login.status_code == 403


def test_nobody_opens_another_cooperatives_request(
    server: LiveServer, sqlite_url: str, clock: ManualClock
) -> None:
    theirs = other_cooperative_request(sqlite_url, clock)
    ours = offered_request(sqlite_url, clock, MARIA, "shopping", "latte e pane")
    giulia, paola = logged_in(server, "giulia"), logged_in(server, "paola")
    aurora = logged_in(server, OTHER_COORDINATOR, "aurora-secret")

    for member in (giulia, paola):
        page = member.client.get(f"/dashboard/requests/{theirs}")
        assert page.status_code == 403
        assert "6 camicie" not in page.text
        assert "6 camicie" not in member.client.get("/dashboard").text
    assert "6 camicie" in aurora.client.get(f"/dashboard/requests/{theirs}").text
    assert "6 camicie" in aurora.client.get("/dashboard").text
    # Il Portico watches Maria's daily check-ins; Aurora's coordinator does not see them.
    assert "Maria Rossi" in paola.client.get("/dashboard/checkins").text
    assert "Maria Rossi" not in aurora.client.get("/dashboard/checkins").text
    assert aurora.client.get(f"/dashboard/requests/{ours}").status_code == 403

    cancel = paola.submit(f"/dashboard/requests/{theirs}/cancel", {"reason": "prova"})
    assert cancel.status_code == 403
    assert request_row(sqlite_url, clock, theirs).status == "queued"
    export = paola.client.get("/dashboard/numbers.csv").text.splitlines()
    assert [line.split(",")[0] for line in export[1:]] == [str(ours)]


def test_an_operator_sees_only_their_tasks_and_cannot_steer(
    server: LiveServer, sqlite_url: str, clock: ManualClock
) -> None:
    request_id = offered_request(sqlite_url, clock, MARIA, "shopping", "latte e pane")
    holder = request_row(sqlite_url, clock, request_id).operator
    assert holder is not None and holder.person.first_name == "Giulia"
    giulia, marco = logged_in(server, "giulia"), logged_in(server, "marco")
    assert "latte e pane" in giulia.client.get("/dashboard").text
    assert "Le mie attività" in giulia.client.get("/dashboard").text
    assert "latte e pane" not in marco.client.get("/dashboard").text
    assert marco.client.get(f"/dashboard/requests/{request_id}").status_code == 403
    for path in ("/dashboard/numbers", "/dashboard/admin", "/dashboard/deliveries"):
        assert giulia.client.get(path).status_code == 403, path

    page = f"/dashboard/requests/{request_id}"
    refused = giulia.submit(f"{page}/priority", {"urgent": "1"}, page)
    assert refused.status_code == 403
    assert request_row(sqlite_url, clock, request_id).urgent is False

    # Marco tries to take it from the page he had open: it is not his (any more), and he is told.
    late = marco.client.post(f"{page}/task/accept", data={"csrf_token": marco.token("/dashboard")})
    assert late.status_code == 303 and late.headers["location"] == "/dashboard"
    assert "non è assegnata a te" in marco.client.get("/dashboard").text

    accepted = giulia.submit(f"{page}/task/accept", {}, page)
    assert accepted.status_code == 303
    after = giulia.client.get(page).text
    assert "Hai accettato la richiesta n. " in after
    assert request_row(sqlite_url, clock, request_id).status == "accepted"
    giulia.submit(f"{page}/note", {"text": "Il latte senza lattosio"}, page)
    assert "Il latte senza lattosio" in giulia.client.get(page).text


def test_a_coordinator_steers_a_request_and_everyone_hears(
    server: LiveServer, sqlite_url: str, clock: ManualClock
) -> None:
    request_id = offered_request(sqlite_url, clock, EMMA, "parcel", "Amazon parcel")
    paola = logged_in(server, "paola")
    page = f"/dashboard/requests/{request_id}"

    assert paola.submit(f"{page}/priority", {"urgent": "1"}, page).status_code == 303
    assert paola.submit(f"{page}/due", {"due_at": "2026-11-23T16:30"}, page).status_code == 303
    paola.submit(f"{page}/note", {"text": "Citofono rotto: chiamare"}, page)
    paola.submit(f"{page}/message", {"text": "We will come at 16:30."}, page)
    paola.submit(f"{page}/reassign", {"operator": "2"}, page)
    shown = paola.client.get(page).text
    assert "Resa urgente" in shown
    assert "Nuova scadenza: lunedì 23 novembre, 16:30" in shown
    assert "Citofono rotto: chiamare" in shown
    assert "Scritto al richiedente: «We will come at 16:30.»" in shown
    assert "proposta a Marco Esposito" in shown

    found = request_row(sqlite_url, clock, request_id)
    assert found.urgent and found.operator is not None
    assert found.operator.person.first_name == "Marco"
    assert found.due_at is not None and found.due_at.isoformat() == "2026-11-23T15:30:00+00:00"

    cancelled = paola.submit(f"{page}/cancel", {"reason": "Il pacco è già stato ritirato"}, page)
    assert cancelled.status_code == 303
    shown = paola.client.get(page).text
    assert "«Il pacco è già stato ritirato»" in shown
    assert "Rifiuto" not in shown and "Riassegna" not in shown  # closed: no more actions

    async def to_emma(ctx: DomainContext) -> list[str]:
        rows = await ctx.session.scalars(
            select(OutboxMessage.text)
            .where(OutboxMessage.address == EMMA, OutboxMessage.request_id == request_id)
            .order_by(OutboxMessage.id)
        )
        return list(rows.all())

    told = in_unit(sqlite_url, clock, to_emma)
    assert any(
        text.startswith(f"From the neighbourhood concierge, about request no. {request_id}:")
        and "We will come at 16:30." in text
        for text in told
    )
    assert "cancelled" in told[-1].lower()

    empty = paola.submit(f"/dashboard/requests/{request_id}/cancel", {"reason": " "}, page)
    assert empty.status_code == 303
    assert "Scrivi il motivo dell&#39;annullamento." in paola.client.get(page).text
    twice = paola.submit(f"{page}/cancel", {"reason": "di nuovo"}, page)
    assert twice.status_code == 303
    assert f"la richiesta n. {request_id} ora è «annullata»" in paola.client.get(page).text


def test_the_rota_page_edits_time_off_and_slots(server: LiveServer) -> None:
    paola = logged_in(server, "paola")
    page = paola.client.get("/dashboard/rota").text
    assert "In servizio adesso" in page and "Giulia Bianchi" in page
    added = paola.submit(
        "/dashboard/rota/changes",
        {"operator": "1", "day": "2026-11-23", "kind": "off", "note": "malattia"},
        "/dashboard/rota",
    )
    assert added.status_code == 303
    page = paola.client.get("/dashboard/rota").text
    assert "assenza · malattia" in page
    on_duty = page.split('id="on-duty"')[1].split("</ul>")[0]
    assert "Giulia" not in on_duty and "Marco" in on_duty

    extra = paola.submit(
        "/dashboard/rota/changes",
        {"operator": "2", "day": "2026-11-29", "kind": "extra"},
        "/dashboard/rota",
    )
    assert extra.status_code == 303
    assert "Non è possibile: controlla i valori" in paola.client.get("/dashboard/rota").text

    half = paola.submit(
        "/dashboard/rota/changes",
        {"operator": "2", "day": "2026-11-24", "kind": "off", "starts": "14:00"},
        "/dashboard/rota",
    )
    assert half.status_code == 303
    page = paola.client.get("/dashboard/rota").text
    assert "Un valore del modulo non è valido." in page  # not a whole day off by mistake
    assert page.count('class="change off"') == 1  # only Giulia's sick day

    slot = paola.submit(
        "/dashboard/rota/slots",
        {"operator": "3", "weekday": "6", "starts": "09:00", "ends": "12:00"},
        "/dashboard/rota",
    )
    assert slot.status_code == 303
    sunday = paola.client.get("/dashboard/rota").text
    assert "domenica 09:00–12:00" in sunday
    giulia = logged_in(server, "giulia")
    assert giulia.client.get("/dashboard/rota").status_code == 200
    refused = giulia.submit(
        "/dashboard/rota/slots",
        {"operator": "1", "weekday": "6", "starts": "09:00", "ends": "12:00"},
        "/dashboard/rota",
    )
    assert refused.status_code == 403


def test_the_admin_adds_a_cooperative_and_users_and_disables_one(server: LiveServer) -> None:
    admin = logged_in(server, "admin")
    assert admin.submit("/dashboard/admin/cooperatives", {"name": "Coop Borgo"}).status_code == 303
    added = admin.submit(
        "/dashboard/admin/users",
        {
            "username": "lucia", "password": "lucia-password", "role": "coordinator",
            "display_name": "Lucia Neri", "cooperative": "Coop Borgo", "language": "en",
        },
        "/dashboard/admin",
    )  # fmt: skip
    assert added.status_code == 303
    listing = admin.client.get("/dashboard/admin").text
    assert "Utente «lucia» aggiunto." in listing and "Coop Borgo" in listing
    twice = admin.submit(
        "/dashboard/admin/users",
        {"username": "giulia2", "password": "giulia-password", "role": "operator", "operator": "1"},
        "/dashboard/admin",
    )
    assert twice.status_code == 303  # Giulia has her user already: refused, said so
    assert "Utente «giulia2» non aggiunto" in admin.client.get("/dashboard/admin").text
    short = admin.submit(
        "/dashboard/admin/users",
        {"username": "ugo", "password": "short", "role": "admin"},
        "/dashboard/admin",
    )
    assert short.status_code == 303
    assert "almeno 8 caratteri" in admin.client.get("/dashboard/admin").text

    lucia = logged_in(server, "lucia", "lucia-password")
    assert "Request queue" in lucia.client.get("/dashboard").text  # her own language
    assert lucia.client.get("/dashboard/admin").status_code == 403

    users = admin.client.get("/dashboard/admin").text
    row = next(
        part for part in users.split("<tr>") if '<td data-label="Nome utente">lucia</td>' in part
    )
    switch = row.split('action="')[1].split('"')[0]
    assert admin.submit(switch, {"active": "0"}, "/dashboard/admin").status_code == 303
    assert "Utente «lucia» disattivato." in admin.client.get("/dashboard/admin").text
    # Her open session ends at her next page, and she cannot log in again.
    assert lucia.client.get("/dashboard").status_code == 303
    assert staff(server.base_url).log_in("lucia", "lucia-password").status_code == 401
    itself = admin.submit("/dashboard/admin/users/1/active", {"active": "0"}, "/dashboard/admin")
    assert itself.status_code == 303
    assert "Non puoi disattivare il tuo stesso utente." in admin.client.get("/dashboard/admin").text


def test_metrics_for_a_scraper_with_the_token_or_a_coordinator(
    server: LiveServer, sqlite_url: str, clock: ManualClock
) -> None:
    offered_request(sqlite_url, clock, MARIA, "shopping", "latte e pane")
    scraper = httpx.Client(base_url=server.base_url)
    assert scraper.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    scraped = scraper.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert scraped.status_code == 200
    portico = 'cooperative="Cooperativa Il Portico"'
    assert (
        f'concierge_open_requests{{{portico},service="shopping",status="offered"}} 1.0'
        in scraped.text
    )
    assert f"concierge_operators_on_duty{{{portico}}} 3.0" in scraped.text
    assert f'concierge_requests_created{{channel="webchat",{portico}}} 1.0' in scraped.text
    assert logged_in(server, "admin").client.get("/metrics").status_code == 200
    # A coordinator reads their cooperative's series (see test_cooperative_scope); an operator
    # none.
    assert portico in logged_in(server, "paola").client.get("/metrics").text
    assert logged_in(server, "giulia").client.get("/metrics").status_code == 401


def test_numbers_page_and_csv(server: LiveServer, sqlite_url: str, clock: ManualClock) -> None:
    first = offered_request(sqlite_url, clock, MARIA, "shopping", "latte e pane")
    second = offered_request(sqlite_url, clock, EMMA, "parcel", "Amazon parcel")
    paola = logged_in(server, "paola")
    page = paola.client.get("/dashboard/numbers")
    assert page.status_code == 200
    assert 'id="fig-requests">2<' in page.text
    assert "Richieste per servizio" in page.text and "chart.umd.min.js" in page.text
    odd = paola.client.get("/dashboard/numbers?first=2026-12-01&last=2026-01-01")
    assert "Periodo non valido" in odd.text
    export = paola.client.get("/dashboard/numbers.csv?first=2026-11-01&last=2026-11-30")
    assert export.headers["content-type"].startswith("text/csv")
    assert "requests-2026-11-01-2026-11-30.csv" in export.headers["content-disposition"]
    lines = export.text.splitlines()
    assert lines[0].startswith("id,created_at,service")
    assert [line.split(",")[0] for line in lines[1:]] == [str(first), str(second)]
    empty = paola.client.get("/dashboard/numbers.csv?first=2026-10-01&last=2026-10-31")
    assert len(empty.text.splitlines()) == 1


def test_undelivered_messages_are_shown_and_sent_again(
    server: LiveServer, sqlite_url: str, clock: ManualClock
) -> None:
    request_id = offered_request(sqlite_url, clock, MARIA, "shopping", "latte e pane")

    async def fail_one(ctx: DomainContext) -> int:
        row = await ctx.session.scalar(
            select(OutboxMessage).where(OutboxMessage.request_id == request_id)
        )
        assert row is not None
        await mark_failed(
            ctx.session, row.id, ctx.now(), "Twilio error 30006: landline", 8, permanent=True
        )
        return row.id

    # The served outbox delivers web chat rows at once: wait for it, then break one.
    time.sleep(0.5)
    message_id = in_unit(sqlite_url, clock, fail_one)
    paola = logged_in(server, "paola")
    page = paola.client.get("/dashboard/deliveries").text
    assert "Twilio error 30006: landline" in page
    again = paola.submit(f"/dashboard/deliveries/{message_id}/retry", {}, "/dashboard/deliveries")
    assert again.status_code == 303

    async def status(ctx: DomainContext) -> str:
        row = await ctx.session.get(OutboxMessage, message_id)
        assert row is not None
        return str(row.status)

    assert in_unit(sqlite_url, clock, status) != OutboxStatus.DEAD  # back on its way out
    assert "Twilio error 30006" not in paola.client.get("/dashboard/deliveries").text


def test_checkins_board_lists_the_demo_plans(server: LiveServer) -> None:
    page = logged_in(server, "paola").client.get("/dashboard/checkins").text
    assert "Maria Rossi" in page and "Giuseppe Verdi" in page
    assert "09:00" in page and "10:00" in page


def test_checkins_board_says_what_happened_today_and_when_next(
    server: LiveServer, clock: ManualClock
) -> None:
    # Issue 18 items 9 and 12: at 10:37 the 09:00 and 10:00 plans (enrolled at 10:00) did not
    # run today; the board says so, why, and when each runs next; the history has its dates.
    clock.set(clock.now().replace(minute=37))
    paola = logged_in(server, "paola")
    page = paola.client.get("/dashboard/checkins").text
    assert "più tardi oggi" not in page and "da fare oggi" not in page
    assert page.count("non fatto oggi: iscritto dopo le") == 2
    assert "martedì 24 novembre, 09:00" in page  # Maria: every day
    assert "mercoledì 25 novembre, 10:00" in page  # Giuseppe: Mondays, Wednesdays, Fridays
    assert "Prossimo controllo" in page
    # Thirty dated days, the last today; a legend of one item per mark, no "· ·" run-on.
    assert 'aria-label="Ultimi 30 giorni, dal dom 25 ott al lun 23 nov"' in page
    assert 'title="lun 23 nov: nessun controllo (giorno non previsto o in pausa)"' in page
    assert "· ·" not in page
    assert '<span class="mark m-well" aria-hidden="true">✓</span> sta bene</li>' in page
    paola.submit("/dashboard/language", {"lang": "en", "back": "/dashboard/checkins"})
    english = paola.client.get("/dashboard/checkins").text
    assert english.count("not done today: enrolled after") == 2
    assert "Tuesday 24 November, 09:00" in english


def test_the_event_stream_tells_of_a_change(
    server: LiveServer, sqlite_url: str, clock: ManualClock
) -> None:
    paola = logged_in(server, "paola")
    signature = paola.client.get("/dashboard").text.split('data-signature="')[1].split('"')[0]
    with paola.client.stream(
        "GET", "/dashboard/events", params={"since": signature}, timeout=10
    ) as stream:
        lines = stream.iter_lines()
        assert next(lines) == "retry: 2000"
        offered_request(sqlite_url, clock, MARIA, "shopping", "latte e pane")
        deadline = time.monotonic() + 8
        seen = []
        for line in lines:
            seen.append(line)
            if line == "event: queue" or time.monotonic() > deadline:
                break
        assert "event: queue" in seen


def test_a_request_history_holds_its_own_messages_and_the_buttons_seen(
    server: LiveServer,
) -> None:
    # Issue 18 item 10: request 2's history showed request 1's messages (a time window), and
    # a button press showed as its payload ("confirm").
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        maria = ChatPerson(http, MARIA)
        maria.say("pacco oggi")
        maria.expect("Confermi?")
        maria.tap("Confermo")
        maria.expect("Richiesta registrata: n. 1")
        maria.say("mi serve la spesa domani")
        maria.expect("Confermi?")
        maria.tap("Confermo")
        maria.expect("Richiesta registrata: n. 2")
    paola = logged_in(server, "paola")
    first = paola.client.get("/dashboard/requests/1").text
    second = paola.client.get("/dashboard/requests/2").text
    history = [page.split('id="history"')[1] for page in (first, second)]
    assert "pacco oggi" in history[0] and "mi serve la spesa domani" not in history[0]
    assert "mi serve la spesa domani" in history[1] and "pacco oggi" not in history[1]
    assert "Richiesta registrata: n. 1" in history[0] and "n. 2" not in history[0]
    assert (
        "Richiesta registrata: n. 2" in history[1]
        and "Richiesta registrata: n. 1" not in history[1]
    )
    for shown in history:
        assert "ha premuto «Confermo»" in shown
        assert ">confirm<" not in shown


def test_the_request_page_shows_the_phone_and_has_the_chats_problem_action(
    server: LiveServer, sqlite_url: str, clock: ManualClock
) -> None:
    # Issue 18 item 12: the requester's phone number, and *Problema* as in the chat.
    request_id = offered_request(sqlite_url, clock, MARIA, "shopping", "latte e pane")
    giulia, paola = logged_in(server, "giulia"), logged_in(server, "paola")
    page = f"/dashboard/requests/{request_id}"
    for member in (giulia, paola):
        shown = member.client.get(page).text
        assert '<dd id="request-phone"><a href="tel:+393402000001">+393402000001</a></dd>' in shown
    assert 'id="problem-form"' not in giulia.client.get(page).text  # only offered so far
    giulia.submit(f"{page}/task/accept", {}, page)
    assert 'id="problem-form"' in giulia.client.get(page).text
    assert 'id="problem-form"' not in paola.client.get(page).text  # not her task

    empty = giulia.submit(f"{page}/problem", {"note": "  "}, page)
    assert empty.status_code == 303 and "Scrivi cosa è successo." in giulia.client.get(page).text
    assert request_row(sqlite_url, clock, request_id).status == "accepted"
    reported = giulia.submit(f"{page}/problem", {"note": "Il negozio è chiuso"}, page)
    assert reported.status_code == 303
    after = giulia.client.get(page).text
    assert "Problema segnalato: la richiesta n. 1 è chiusa come non riuscita" in after
    assert request_row(sqlite_url, clock, request_id).status == "failed"
    assert (
        "problema segnalato da Giulia Bianchi: «Il negozio è chiuso»" in paola.client.get(page).text
    )
    # Marco cannot report a problem on a task that is not his.
    marco = logged_in(server, "marco")
    refused = marco.client.post(f"{page}/problem", data={"note": "x", "csrf_token": marco.token()})
    assert refused.status_code in (303, 403)


def test_fatto_from_the_dashboard_charges_as_the_chat_does(
    server: LiveServer, sqlite_url: str, clock: ManualClock
) -> None:
    request_id = offered_request(sqlite_url, clock, MARIA, "ironing", "5 camicie")
    giulia = logged_in(server, "giulia")
    page = f"/dashboard/requests/{request_id}"
    giulia.submit(f"{page}/task/accept", {}, page)
    giulia.submit(f"{page}/task/start", {}, page)
    odd = giulia.submit(f"{page}/task/finish", {"hours": "1e999"}, page)  # never a 500
    assert odd.status_code == 303
    no_hours = giulia.submit(f"{page}/task/finish", {"hours": ""}, page)
    assert no_hours.status_code == 303
    assert "Per un servizio a ore scrivi le ore lavorate" in giulia.client.get(page).text
    assert request_row(sqlite_url, clock, request_id).status == "in_progress"
    giulia.submit(f"{page}/task/finish", {"hours": "1,5"}, page)
    assert request_row(sqlite_url, clock, request_id).status == "done"
    paola = logged_in(server, "paola").client.get(page).text
    assert "Addebitato a: il beneficiario." in paola  # Maria has no plan: due from her
    assert "27,45" in paola  # 1.5 h at €15.00 + 22% VAT
