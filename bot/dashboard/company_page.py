"""A member company's HR on the dashboard: its plan's use this month in aggregate, the workers
waiting for confirmation, the upload of its list of workers, and the month's report as CSV and
PDF. HR sees names only where the company gave them (its enrolments); never a worker's requests,
what services a named worker used, the queue or anybody's details."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse

from bot.dashboard.auth import Checked, CompanyHr
from bot.dashboard.pages import flash, reader_language, render
from bot.dashboard.served import OnCommit, Served
from concierge.context import DomainContext
from concierge.errors import DomainError, NotFound
from concierge.team.users import User
from concierge.welfare.companies import Company, plan_on
from concierge.welfare.enrolment import (
    EnrolmentStatus,
    ListOutcome,
    company_enrolments,
    confirm,
    confirm_from_list,
    get_enrolment,
    refuse,
)
from concierge.welfare.fund import fund_summary
from concierge.welfare.money import show
from concierge.welfare.report import CompanyReport, company_report, month_bounds
from concierge.welfare.report_files import report_csv, report_pdf

PAGE = "/dashboard/company"
MAX_LIST_BYTES = 256 * 1024  # a list of some thousand workers; more is not a list
router = APIRouter(prefix=PAGE)


async def _company(ctx: DomainContext, user: User) -> Company:
    company = await ctx.session.get(Company, user.company_id)
    if company is None:
        raise NotFound(f"no company {user.company_id}", what=str(user.company_id))
    return company


# Months a report can be about: beyond them, the bounds of a month leave the calendar.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _month(ctx: DomainContext, month: str | None) -> date:
    """The month asked for (YYYY-MM), else this one."""
    if month:
        try:
            asked = date.fromisoformat(f"{month}-01")
        except ValueError:
            asked = None
        if asked is not None and FIRST_YEAR <= asked.year <= LAST_YEAR:
            return asked
    return ctx.now().astimezone(ctx.zone).date().replace(day=1)


async def _page_context(
    request: Request, user: User, runtime: Served, month: str | None = None
) -> dict[str, Any]:
    """What the page shows: the month's figures in aggregate, the fund's totals, enrolments."""
    lang = reader_language(request, user, runtime)
    async with runtime.unit() as ctx:
        company = await _company(ctx, user)
        first = _month(ctx, month)
        report = await company_report(ctx, company, first, lang)
        fund = await fund_summary(ctx, *month_bounds(ctx, first))
        enrolments = await company_enrolments(ctx, company.id)
        plan = plan_on(company, ctx.now().astimezone(ctx.zone).date())
    return {
        "page": "company", "company": company, "plan": plan, "report": report, "fund": fund,
        "month": first, "max_kb": MAX_LIST_BYTES // 1024,
        "money": lambda cents: show(cents, lang),
        "pending": [e for e in enrolments if e.status == EnrolmentStatus.PENDING],
        "confirmed": [e for e in enrolments if e.status == EnrolmentStatus.CONFIRMED],
    }  # fmt: skip


@router.get("", response_class=HTMLResponse)
async def company_page(
    request: Request, user: CompanyHr, runtime: Served, month: str | None = None
) -> HTMLResponse:
    """The plan's use in the month, in aggregate, and the workers waiting for confirmation."""
    context = await _page_context(request, user, runtime, month)
    return render(request, runtime, "company.html", user, **context)


@router.post("/enrolments/{enrolment_id}", dependencies=[Checked])
async def decide(
    request: Request, enrolment_id: int, user: CompanyHr, runtime: Served, on_commit: OnCommit,
    decision: Annotated[str, Form()],
) -> RedirectResponse:  # fmt: skip
    """Confirm a worker waiting for the company (their credit is granted), or refuse them."""
    if decision not in ("confirm", "refuse"):
        flash(request, "dash.error.bad_value", "error")
        return RedirectResponse(PAGE, status_code=303)
    try:
        async with runtime.unit() as ctx:
            enrolment = await get_enrolment(ctx, enrolment_id)
            if enrolment.company_id != user.company_id:
                raise NotFound(f"no enrolment {enrolment_id}", what=str(enrolment_id))
            name = enrolment.person.display_name
            if decision == "confirm":
                await confirm(ctx, enrolment, f"user:{user.username}")
            else:
                await refuse(ctx, enrolment)
    except DomainError:
        flash(request, "dash.company.decided_before", "error")
    else:
        key = "dash.company.confirmed" if decision == "confirm" else "dash.company.refused"
        flash(request, key, name=name)
        on_commit()
    return RedirectResponse(PAGE, status_code=303)


async def _read_upload(upload: UploadFile) -> str | None:
    """The uploaded list as text; None when it is too big or not text."""
    content = await upload.read(MAX_LIST_BYTES + 1)
    if len(content) > MAX_LIST_BYTES:
        return None
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


@router.post("/list", dependencies=[Checked], response_class=HTMLResponse)
async def upload_list(
    request: Request, user: CompanyHr, runtime: Served, on_commit: OnCommit,
    workers: Annotated[UploadFile, File()],
) -> HTMLResponse:  # fmt: skip
    """Confirm the waiting workers the company's CSV list names; the page says which lines
    matched nobody waiting and which could not be read."""
    text = await _read_upload(workers)
    outcome: ListOutcome | None = None
    if text is None:
        flash(request, "dash.company.list_unreadable", "error", kb=MAX_LIST_BYTES // 1024)
    else:
        try:
            async with runtime.unit() as ctx:
                company = await _company(ctx, user)
                outcome = await confirm_from_list(ctx, company, text, f"user:{user.username}")
        except DomainError:
            flash(request, "dash.company.list_no_header", "error")
        else:
            on_commit()
    context = await _page_context(request, user, runtime)
    status = 200 if outcome is not None else 400
    return render(request, runtime, "company.html", user, status, outcome=outcome, **context)


async def _month_report(
    request: Request, user: User, runtime: Served, month: str | None
) -> tuple[str, CompanyReport, str]:
    lang = reader_language(request, user, runtime)
    async with runtime.unit() as ctx:
        company = await _company(ctx, user)
        first = _month(ctx, month)
        report = await company_report(ctx, company, first, lang)
    return f"welfare-{company.code.lower()}-{first:%Y-%m}", report, lang


@router.get("/report.csv")
async def report_csv_file(
    request: Request, user: CompanyHr, runtime: Served, month: str | None = None
) -> Response:
    """The month's report as CSV."""
    name, report, _ = await _month_report(request, user, runtime, month)
    return Response(
        report_csv(report), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )  # fmt: skip


@router.get("/report.pdf")
async def report_pdf_file(
    request: Request, user: CompanyHr, runtime: Served, month: str | None = None
) -> Response:
    """The month's report as PDF."""
    name, report, lang = await _month_report(request, user, runtime, month)
    return Response(
        report_pdf(report, lang), media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'},
    )  # fmt: skip
