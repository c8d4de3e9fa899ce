"""Workers enrol with their company's code and are confirmed by the company: from the list it
uploads (CSV) or one by one. Confirmation grants the yearly credit of the running plan."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, Field, ValidationError, field_validator
from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from concierge.context import DomainContext
from concierge.database import Base, UTCDateTime
from concierge.errors import InvalidPhoneNumber, InvalidValue, NotFound
from concierge.messages import IdentityKind
from concierge.people.fiscal_code import InvalidFiscalCode, normal_fiscal_code
from concierge.people.person import Person, PersonKind, find_person, normalise_phone
from concierge.welfare.companies import Company, Plan, PlanMode, plan_on
from concierge.welfare.ledger import (
    Entry,
    Movement,
    MovementKind,
    company_account,
    credit_account,
    post,
)

LIST_COLUMNS = frozenset({"phone", "fiscal_code", "dependent_children"})


class EnrolmentStatus(StrEnum):
    """Where a worker's enrolment stands."""

    PENDING = "pending"
    CONFIRMED = "confirmed"


class Enrolment(Base):
    """A worker of a company, waiting for or holding the company's confirmation."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("company_id", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    status: Mapped[EnrolmentStatus] = mapped_column(String(20), default=EnrolmentStatus.PENDING)
    fiscal_code: Mapped[str] = mapped_column(String(16), default="")
    # With dependent children the fringe-benefit limit is €2,000 a year instead of €1,000.
    dependent_children: Mapped[bool] = mapped_column(Boolean, default=False)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    confirmed_by: Mapped[str] = mapped_column(String(120), default="")

    company: Mapped[Company] = relationship(lazy="joined")
    person: Mapped[Person] = relationship(lazy="joined")


async def enrol(ctx: DomainContext, person: Person, company: Company) -> Enrolment:
    """A worker asks to join a company's plan; the company still has to confirm them."""
    existing = await ctx.session.scalar(
        select(Enrolment).where(
            Enrolment.company_id == company.id, Enrolment.person_id == person.id
        )
    )
    if existing is not None:
        return existing
    person.kind = PersonKind.WORKER
    enrolment = Enrolment(company_id=company.id, person_id=person.id, requested_at=ctx.now())
    ctx.session.add(enrolment)
    await ctx.session.flush()
    return enrolment


async def grant_credit(ctx: DomainContext, enrolment: Enrolment) -> Movement | None:
    """The yearly credit of the company's running credit plan, once per plan and worker."""
    plan = plan_on(enrolment.company, ctx.now().astimezone(ctx.zone).date())
    if plan is None or plan.mode != PlanMode.CREDIT:
        return None
    account = credit_account(plan.id, enrolment.person_id)
    # One grant however many paths reach it at once (HR's confirm, the daily round, a new plan):
    # the enrolment's row is held until this transaction ends (PostgreSQL; SQLite has one writer).
    await ctx.session.execute(
        select(Enrolment.id).where(Enrolment.id == enrolment.id).with_for_update()
    )
    granted = await ctx.session.scalar(
        select(Entry.id)
        .join(Movement)
        .where(Entry.account == account, Movement.kind == MovementKind.CREDIT_GRANT)
    )
    if granted:
        return None
    amounts = {company_account(plan.company_id): -plan.yearly_credit_cents}
    amounts[account] = plan.yearly_credit_cents
    return await post(
        ctx, MovementKind.CREDIT_GRANT, amounts, person_id=enrolment.person_id,
        company_id=plan.company_id, by=enrolment.confirmed_by,
    )  # fmt: skip


async def confirm(
    ctx: DomainContext, enrolment: Enrolment, by: str, dependent_children: bool | None = None
) -> Enrolment:
    """The company confirms a worker: their credit is granted."""
    if enrolment.status != EnrolmentStatus.CONFIRMED:
        enrolment.status = EnrolmentStatus.CONFIRMED
        enrolment.confirmed_at = ctx.now()
        enrolment.confirmed_by = by
    if dependent_children is not None:
        enrolment.dependent_children = dependent_children
    await ctx.session.flush()
    await grant_credit(ctx, enrolment)
    return enrolment


async def grant_confirmed(ctx: DomainContext, company: Company) -> int:
    """The credit of the company's running plan for each worker it confirmed before the plan
    began (a plan added, or starting, after their confirmation); how many were granted."""
    granted = 0
    for enrolment in await company_enrolments(ctx, company.id):
        if enrolment.status == EnrolmentStatus.CONFIRMED and await grant_credit(ctx, enrolment):
            granted += 1
    return granted


async def grant_started_plans(ctx: DomainContext, within_days: int = 7) -> int:
    """Grant the credit of the plans that began lately to their companies' confirmed workers
    (the daily round; a week back, so a missed round still grants, and once: it is idempotent)."""
    today = ctx.now().astimezone(ctx.zone).date()
    started = await ctx.session.scalars(
        select(Plan).where(
            Plan.mode == PlanMode.CREDIT,
            Plan.starts_on <= today,
            Plan.starts_on >= today - timedelta(days=within_days),
        )
    )
    return sum([await grant_confirmed(ctx, plan.company) for plan in started.all()])


class ListRow(BaseModel):
    """One worker of a company's list: phone, and optionally fiscal code and children."""

    phone: str = Field(min_length=3, max_length=40)
    fiscal_code: str = Field(default="", max_length=16)
    dependent_children: bool = False

    @field_validator("fiscal_code")
    @classmethod
    def _valid_code(cls, value: str) -> str:
        if not value.strip():
            return ""
        try:
            return normal_fiscal_code(value)
        except InvalidFiscalCode as exc:
            raise ValueError("not a valid codice fiscale") from exc


class ListOutcome(BaseModel):
    """What a company's list did: phones confirmed, lines matching no pending worker, and
    lines that could not be read (with their line number and why)."""

    confirmed: list[str] = Field(default_factory=list)
    unmatched: list[str] = Field(default_factory=list)
    malformed: list[str] = Field(default_factory=list)


def read_worker_list(text: str) -> tuple[list[ListRow], list[str]]:
    """The rows of a CSV with a header `phone[,fiscal_code,dependent_children]`, and the lines
    that are not such a row ("line 4: …"); InvalidValue when the header names no phone."""
    reader = csv.DictReader(io.StringIO(text))
    if "phone" not in (reader.fieldnames or []):
        raise InvalidValue(
            "the list needs a header line naming the column phone", why="why.list_header"
        )
    rows, malformed = [], []
    try:
        for number, raw in enumerate(reader, start=2):
            given = {k: v.strip() for k, v in raw.items() if k in LIST_COLUMNS and v and v.strip()}
            try:
                rows.append(ListRow.model_validate(given))
            except ValidationError as exc:
                error = exc.errors()[0]
                where = ".".join(str(part) for part in error["loc"])
                malformed.append(f"line {number}: {where}: {error['msg']}")
    except csv.Error as exc:
        malformed.append(f"line {reader.line_num}: {exc}")
    return rows, malformed


async def confirm_from_list(
    ctx: DomainContext, company: Company, text: str, by: str
) -> ListOutcome:
    """Confirm the workers of a company's CSV list who enrolled with its code."""
    rows, malformed = read_worker_list(text)
    outcome = ListOutcome(malformed=malformed)
    for row in rows:
        try:
            phone = normalise_phone(row.phone, ctx.settings.default_region)
        except InvalidPhoneNumber:
            outcome.unmatched.append(row.phone)
            continue
        person = await find_person(ctx.session, IdentityKind.PHONE, phone)
        enrolment = None if person is None else await enrolment_of(ctx, company, person)
        if enrolment is None:
            outcome.unmatched.append(phone)
            continue
        enrolment.fiscal_code = row.fiscal_code
        await confirm(ctx, enrolment, by, row.dependent_children)
        outcome.confirmed.append(phone)
    return outcome


async def refuse(ctx: DomainContext, enrolment: Enrolment) -> None:
    """The company does not know this worker: their pending enrolment is removed (they may ask
    again); InvalidValue for a confirmed one, whose credit was granted."""
    if enrolment.status != EnrolmentStatus.PENDING:
        raise InvalidValue(
            f"enrolment {enrolment.id} is already confirmed",
            why="why.enrolment_confirmed",
            id=enrolment.id,
        )
    await ctx.session.delete(enrolment)
    await ctx.session.flush()


async def enrolment_of(ctx: DomainContext, company: Company, person: Person) -> Enrolment | None:
    """A person's enrolment with a company, if they asked."""
    return await ctx.session.scalar(
        select(Enrolment).where(
            Enrolment.company_id == company.id, Enrolment.person_id == person.id
        )
    )


async def confirmed_enrolments(ctx: DomainContext, person_id: int) -> list[Enrolment]:
    """The companies that confirmed this person as their worker."""
    rows = await ctx.session.scalars(
        select(Enrolment)
        .where(Enrolment.person_id == person_id, Enrolment.status == EnrolmentStatus.CONFIRMED)
        .order_by(Enrolment.id)
    )
    return list(rows.all())


async def company_enrolments(ctx: DomainContext, company_id: int) -> list[Enrolment]:
    """Every enrolment of a company, confirmed or not."""
    rows = await ctx.session.scalars(
        select(Enrolment).where(Enrolment.company_id == company_id).order_by(Enrolment.id)
    )
    return list(rows.all())


async def get_enrolment(ctx: DomainContext, enrolment_id: int) -> Enrolment:
    """One enrolment; NotFound if there is none."""
    enrolment = await ctx.session.get(Enrolment, enrolment_id)
    if enrolment is None:
        raise NotFound(f"no enrolment {enrolment_id}", what=str(enrolment_id))
    return enrolment
