"""A member company's HR on the dashboard, over HTTP: they land on their company's page and on
nothing else (every other page of the dashboard sends them back or refuses them), see their plan
in aggregate with no worker's request in it, confirm and refuse waiting workers, upload their
list of workers (bad files answered, never a 500) and download the month's report."""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Iterator

import httpx
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from bot.app import create_app
from bot.runtime import Runtime
from concierge.clock import ManualClock
from concierge.context import DomainContext
from concierge.messages import Channel, IdentityKind
from concierge.people.person import find_person
from concierge.requests.request import create_request
from concierge.requests.satisfaction import Satisfaction, SurveyStatus
from concierge.welfare.charging import charge_request
from concierge.welfare.companies import add_company
from concierge.welfare.enrolment import Enrolment, EnrolmentStatus, enrol
from tests.conftest import LiveServer, make_settings, serving
from tests.dashboard_client import Staff, in_unit, staff
from tests.webchat_client import ChatPerson

LUCA, NEWCOMER, STRANGER = "+393402000003", "+393405550101", "+393405550102"
EMMA, EMMA_CODE, LUCA_OWN_CODE = "+393402000004", "RSSMME90C52A794N", "FRRLCU80A01F205N"
SECRET_DETAILS = "camicie del colloquio segreto"
HR_HOME = "/dashboard/company"
# Pages anyone logged in may reach, and the HR pages themselves.
OPEN_PATHS = {"/dashboard/login", "/dashboard/logout", "/dashboard/language"}


@pytest.fixture
def server(database_url: str, clock: ManualClock) -> Iterator[LiveServer]:
    with serving(database_url, clock) as live:
        yield live


def _hr(server: LiveServer) -> Staff:
    hr = staff(server.base_url)
    landed = hr.log_in("acme-hr")
    assert landed.status_code == 303
    return hr


def _luca_served_and_rated(url: str, clock: ManualClock) -> int:
    """Luca's request with private details, done, charged to his credit and rated 4."""

    async def work(ctx: DomainContext) -> int:
        luca = await find_person(ctx.session, IdentityKind.PHONE, LUCA)
        assert luca is not None
        request = await create_request(ctx, luca, "ironing", SECRET_DETAILS, Channel.WEBCHAT)
        await charge_request(ctx, request, 60, "giulia")
        ctx.session.add(
            Satisfaction(
                request_id=request.id, status=SurveyStatus.ANSWERED, rating=4,
                asked_at=ctx.now(), answered_at=ctx.now(),
            )
        )  # fmt: skip
        return request.id

    return in_unit(url, clock, work)


def _staff_routes(database_url: str, clock: ManualClock) -> list[tuple[str, str]]:
    """Every dashboard route of the app but log-in and the HR pages, as its schema lists them
    (so a page added later is checked too): (method, path with ids)."""
    app = create_app(Runtime.create(make_settings(database_url), clock))
    routes = []
    for template, operations in app.openapi()["paths"].items():
        if not template.startswith("/dashboard") or template in OPEN_PATHS:
            continue
        if template.startswith(HR_HOME):
            continue
        path = re.sub(r"\{[^}]+\}", "1", template)
        routes += [(method.upper(), path) for method in sorted(operations)]
    return routes


def test_hr_sees_no_page_of_the_staff(
    server: LiveServer, database_url: str, clock: ManualClock
) -> None:
    hr = _hr(server)
    assert hr.client.get("/dashboard").headers["location"] == HR_HOME
    token = hr.token(HR_HOME)
    routes = _staff_routes(database_url, clock)
    assert len(routes) > 30  # the queue, requests, rota, desk, numbers, people, admin…
    for method, path in routes:
        if method == "GET":
            answer = hr.client.get(path)
            if answer.status_code == 303:
                assert answer.headers["location"] == HR_HOME, path
            else:  # what a page's script fetches
                assert answer.status_code == 403, path
        else:
            answer = hr.client.request(method, path, data={"csrf_token": token})
            assert answer.status_code == 403, (method, path, answer.status_code)
    assert hr.client.get("/metrics").status_code == 401
    # Staff, for their part, have no business on a company's page.
    paola = staff(server.base_url)
    assert paola.log_in("paola").status_code == 303
    for path in (HR_HOME, f"{HR_HOME}/report.csv", f"{HR_HOME}/report.pdf"):
        assert paola.client.get(path).status_code == 403, path
    # Their own page has only their own menu.
    page = hr.client.get(HR_HOME).text
    assert 'href="/dashboard/rota"' not in page and 'href="/dashboard/people"' not in page


def test_hr_reads_the_month_in_aggregate_and_downloads_the_report(
    server: LiveServer, database_url: str, clock: ManualClock
) -> None:
    request_id = _luca_served_and_rated(database_url, clock)
    hr = _hr(server)
    for far in ("9999-12", "0001-01"):  # out of the calendar: this month instead, never a 500
        assert hr.client.get(HR_HOME, params={"month": far}).status_code == 200
        assert hr.client.get(f"{HR_HOME}/report.csv", params={"month": far}).status_code == 200
    page = hr.client.get(HR_HOME)
    assert page.status_code == 200
    text = page.text
    assert "Welfare di Acme Bergamo S.p.A." in text
    assert "Lavoratori iscritti: 2" in text
    assert "Lavoratori che hanno usato i servizi nel mese: 2" in text
    assert "Voti ai servizi del mese: 1, media 4 su 5" in text
    assert "Saldo a fine mese:" in text
    # Names the company gave (its confirmed workers), never what a worker asked or where.
    assert "Luca Ferrari" in text
    for private in (SECRET_DETAILS, LUCA, "Via Milano", f"/dashboard/requests/{request_id}"):
        assert private not in text, private
    # Another month, in English.
    hr.submit("/dashboard/language", {"lang": "en", "back": HR_HOME}, HR_HOME)
    october = hr.client.get(HR_HOME, params={"month": "2026-10"}).text
    assert "Workers enrolled: 0" in october and "No ratings of this month" in october

    report = hr.client.get(f"{HR_HOME}/report.csv", params={"month": "2026-11"})
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/csv")
    rows = {(r["section"], r["item"]): r for r in csv.DictReader(io.StringIO(report.text))}
    assert rows[("satisfaction", "4.00")]["services"] == "1"
    assert rows[("workers_served", "")]["services"] == "2"
    assert SECRET_DETAILS not in report.text
    pdf = hr.client.get(f"{HR_HOME}/report.pdf", params={"month": "2026-11"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    words = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    words = " ".join(words.split())
    assert "Welfare report — Acme Bergamo S.p.A., November 2026" in words
    assert "Ratings of this month's services: 1, mean 4.0 out of 5" in words


def _enrolled(url: str, clock: ManualClock, phone: str) -> None:
    chat = ChatPerson(httpx.Client(base_url=url, timeout=10), phone)
    assert chat.say("iscrivimi ACME").status_code == 202
    deadline = time.monotonic() + 10
    while not any("Ho chiesto la tua iscrizione" in m["text"] for m in chat.fetch() + chat.seen):
        assert time.monotonic() < deadline, chat.seen
        time.sleep(0.05)


def _status_of(url: str, clock: ManualClock, phone: str) -> str | None:
    async def work(ctx: DomainContext) -> str | None:
        person = await find_person(ctx.session, IdentityKind.PHONE, phone)
        if person is None:
            return None
        found = await ctx.session.scalar(
            select(Enrolment.status).where(Enrolment.person_id == person.id)
        )
        return None if found is None else str(found)

    return in_unit(url, clock, work)


def test_hr_confirms_and_refuses_waiting_workers(
    server: LiveServer, database_url: str, clock: ManualClock
) -> None:
    _enrolled(server.base_url, clock, NEWCOMER)
    _enrolled(server.base_url, clock, STRANGER)
    hr = _hr(server)
    page = hr.client.get(HR_HOME).text
    ids = re.findall(r'action="/dashboard/company/enrolments/(\d+)"', page)
    assert len(set(ids)) == 2 and NEWCOMER in page  # a nameless worker shows as their number
    newcomer_id, stranger_id = sorted(set(ids), key=int)
    refused = hr.client.post(f"{HR_HOME}/enrolments/{newcomer_id}", data={"decision": "confirm"})
    assert refused.status_code == 403  # no CSRF token
    hr.submit(f"{HR_HOME}/enrolments/{newcomer_id}", {"decision": "confirm"}, HR_HOME)
    assert "è confermato: il credito è assegnato" in hr.client.get(HR_HOME).text
    hr.submit(f"{HR_HOME}/enrolments/{stranger_id}", {"decision": "refuse"}, HR_HOME)
    assert _status_of(database_url, clock, NEWCOMER) == EnrolmentStatus.CONFIRMED
    assert _status_of(database_url, clock, STRANGER) is None

    # Another company's waiting worker is not Acme's to confirm.
    async def other(ctx: DomainContext) -> int:
        company = await add_company(ctx, "Beta Srl", "BETA")
        person = await find_person(ctx.session, IdentityKind.PHONE, STRANGER)
        assert person is not None
        return (await enrol(ctx, person, company)).id

    beta_id = in_unit(database_url, clock, other)
    hr.submit(f"{HR_HOME}/enrolments/{beta_id}", {"decision": "confirm"}, HR_HOME)
    assert _status_of(database_url, clock, STRANGER) == EnrolmentStatus.PENDING


def _upload(hr: Staff, content: bytes) -> httpx.Response:
    return hr.client.post(
        f"{HR_HOME}/list",
        data={"csrf_token": hr.token(HR_HOME)},
        files={"workers": ("workers.csv", content, "text/csv")},
    )


def test_hr_uploads_the_list_of_workers(
    server: LiveServer, database_url: str, clock: ManualClock
) -> None:
    _enrolled(server.base_url, clock, NEWCOMER)
    hr = _hr(server)
    listed = (
        "phone,fiscal_code,dependent_children\n"
        f"{NEWCOMER},RSSMME90C52A794N,yes\n"
        "+393409999999,,\n"
        ",,\n"
        "+393409999998,NOTACODE,\n"
        "+393409999997,,maybe\n"
    ).encode()
    answer = _upload(hr, listed)
    assert answer.status_code == 200
    assert "Lavoratori confermati: 1" in answer.text
    assert "+393409999999" in answer.text  # matched nobody waiting
    assert "Righe non leggibili: 3" in answer.text
    for line in ("line 4: phone", "line 5: fiscal_code", "line 6: dependent_children"):
        assert line in answer.text, line
    assert _status_of(database_url, clock, NEWCOMER) == EnrolmentStatus.CONFIRMED

    for bad, why in (
        (b"\xff\xfe\x00binary\x00junk", "non è un CSV di testo"),
        (b"numero\n+393409999999\n", "non ha la riga di intestazione"),
        (b"phone\n" + b"+393409999999\n" * 20000, "supera 256 KB"),
    ):
        refused = _upload(hr, bad)
        assert refused.status_code == 400 and why in refused.text, why


def test_the_admin_makes_a_company_hr_user(server: LiveServer) -> None:
    admin = staff(server.base_url)
    assert admin.log_in("admin").status_code == 303
    page = admin.client.get("/dashboard/admin").text
    [acme_id] = re.findall(r'<option value="(\d+)">Acme Bergamo S.p.A.</option>', page)
    form = {"username": "anna.hr", "password": "anna-secret-1", "role": "company"}
    admin.submit("/dashboard/admin/users", form, "/dashboard/admin")
    refused = admin.client.get("/dashboard/admin").text
    assert "o l&#39;azienda (HR aziendale)" in refused and "anna.hr</td>" not in refused
    admin.submit("/dashboard/admin/users", {**form, "company": acme_id}, "/dashboard/admin")
    assert "Acme Bergamo S.p.A.</td>" in admin.client.get("/dashboard/admin").text
    anna = staff(server.base_url)
    assert anna.log_in("anna.hr", "anna-secret-1").headers["location"] == "/dashboard"
    assert anna.client.get("/dashboard").headers["location"] == HR_HOME
    assert "Welfare di Acme Bergamo S.p.A." in anna.client.get(HR_HOME).text


def test_the_report_shows_the_companys_fiscal_codes_and_flags_the_missing_ones(
    server: LiveServer, database_url: str, clock: ManualClock
) -> None:
    """Luca gave his code for receipts (the demo's), Acme's list has none for him: HR must not
    read it as theirs. Emma's code is in Acme's list: shown as it is."""

    async def emma_listed(ctx: DomainContext) -> None:
        emma = await find_person(ctx.session, IdentityKind.PHONE, EMMA)
        assert emma is not None
        enrolment = await ctx.session.scalar(
            select(Enrolment).where(Enrolment.person_id == emma.id)
        )
        assert enrolment is not None
        enrolment.fiscal_code = EMMA_CODE

    in_unit(database_url, clock, emma_listed)
    hr = _hr(server)
    report = hr.client.get(f"{HR_HOME}/report.csv", params={"month": "2026-11"})
    assert report.status_code == 200
    rows = {(r["section"], r["item"]): r for r in csv.DictReader(io.StringIO(report.text))}
    assert rows[("fringe", "Luca Ferrari")]["note"] == "fiscal_code_missing"
    assert rows[("fringe", f"Emma Clark {EMMA_CODE}")]["note"] == ""
    assert LUCA_OWN_CODE not in report.text
    for lang, missing in (
        ("it", "Luca Ferrari (codice fiscale assente nel vostro elenco dei lavoratori: da "
               "completare): 27,45 € su 2.000,00 €"),
        ("en", "Luca Ferrari (fiscal code missing from your list of workers: to be completed): "
               "€27.45 of €2,000.00"),
    ):  # fmt: skip
        hr.submit("/dashboard/language", {"lang": lang, "back": HR_HOME}, HR_HOME)
        pdf = hr.client.get(f"{HR_HOME}/report.pdf", params={"month": "2026-11"})
        words = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
        words = " ".join(words.split())
        assert missing in words, words
        assert f"Emma Clark ({EMMA_CODE})" in words and LUCA_OWN_CODE not in words
