"""Demo data: a cooperative, three operators on a Mon–Sat 8:00–18:00 rota, a coordinator,
residents and workers, two residents enrolled in daily check-ins, and dashboard users."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from concierge.checkins.plans import CheckinPlan, Contact, PlanInput
from concierge.clock import ManualClock
from concierge.context import DomainContext
from concierge.intake.catalogue import DEFAULT_SERVICE_CODES, ensure_default_services
from concierge.messages import Channel, IdentityKind
from concierge.people.person import ChannelIdentity, Person, PersonKind, find_person
from concierge.sealing import seal
from concierge.settings import Settings
from concierge.team.coordinators import Coordinator
from concierge.team.operators import Cooperative, Operator, Shift
from concierge.team.users import Role, User, hash_password
from concierge.welfare.charging import ServiceDone, charge_service
from concierge.welfare.companies import Company, add_company, add_plan
from concierge.welfare.companies import PlanInput as WelfarePlanInput
from concierge.welfare.enrolment import confirm, enrol
from concierge.welfare.prices import PriceUnit, Purpose, set_price, set_purpose

COOPERATIVE_NAME = "Cooperativa Il Portico"
ROTA_WEEKDAYS = range(6)  # Monday to Saturday
ROTA_START, ROTA_END = time(8, 0), time(18, 0)
# Every demo user logs in to the dashboard with this password (README): demo data only.
DEMO_PASSWORD = "portico-demo"


@dataclass(frozen=True)
class DemoPerson:
    """A demo person as the loader creates them."""

    first_name: str
    last_name: str
    phone: str
    kind: PersonKind
    language: str
    address: str = ""
    skills: tuple[str, ...] = ()


DEMO_OPERATORS = (
    DemoPerson(
        "Giulia", "Bianchi", "+393331000001", PersonKind.WORKER, "it", skills=DEFAULT_SERVICE_CODES
    ),
    DemoPerson(
        "Marco",
        "Esposito",
        "+393331000002",
        PersonKind.WORKER,
        "it",
        skills=("home_repair", "cleaning", "ironing", "shopping", "parcel", "other"),
    ),
    DemoPerson(
        "Sara",
        "Conti",
        "+393331000003",
        PersonKind.WORKER,
        "en",
        skills=(
            "accompaniment",
            "childcare",
            "carer_search",
            "elder_checkin",
            "prescription",
            "shopping",
            "home_watch",
        ),
    ),
)

DEMO_COORDINATOR = DemoPerson("Paola", "Greco", "+393331000009", PersonKind.WORKER, "it")

DEMO_REQUESTERS = (
    DemoPerson("Maria", "Rossi", "+393402000001", PersonKind.RESIDENT, "it", "Via Roma 12"),
    DemoPerson("Giuseppe", "Verdi", "+393402000002", PersonKind.RESIDENT, "it", "Corso Italia 3"),
    DemoPerson("Luca", "Ferrari", "+393402000003", PersonKind.WORKER, "it", "Via Milano 40"),
    DemoPerson("Emma", "Clark", "+393402000004", PersonKind.WORKER, "en", "Piazza Dante 7"),
)

# Maria is called every morning; Giuseppe gets a text three times a week.
DEMO_CHECKINS = (
    PlanInput(
        at_time="09:00", channel=Channel.VOICE,
        contacts=(Contact(name="Lucia (figlia)", phone="+393405550001"),),
        notes="Vive sola al secondo piano; chiavi dalla vicina, sig.ra Bruno.",
    ),
    PlanInput(
        weekdays=(0, 2, 4), at_time="10:00", channel=Channel.SMS,
        contacts=(Contact(name="Franco (vicino)", phone="+393405550002"),),
    ),
)  # fmt: skip


async def _person(session: AsyncSession, demo: DemoPerson, now: datetime) -> Person:
    existing = await find_person(session, IdentityKind.PHONE, demo.phone)
    if existing is not None:
        return existing
    person = Person(
        first_name=demo.first_name,
        last_name=demo.last_name,
        kind=demo.kind,
        language=demo.language,
        address=demo.address,
        created_at=now,
    )
    person.identities.append(ChannelIdentity(kind=IdentityKind.PHONE, address=demo.phone))
    session.add(person)
    await session.flush()
    return person


async def load_demo(
    session: AsyncSession, now: datetime, settings: Settings | None = None
) -> dict[str, int]:
    """Load the demo data; running it again adds nothing twice. `settings` hold the keys that
    seal the demo's check-in notes (by default those of the session's database)."""
    sealing = settings or _settings_of(session)
    added_services = await ensure_default_services(session)
    cooperative = await session.scalar(
        select(Cooperative).where(Cooperative.name == COOPERATIVE_NAME)
    )
    if cooperative is None:
        cooperative = Cooperative(name=COOPERATIVE_NAME, vat_number=DEMO_VAT_NUMBER)
        session.add(cooperative)
        await session.flush()
    added_operators = 0
    for demo in DEMO_OPERATORS:
        person = await _person(session, demo, now)
        if await session.scalar(select(Operator).where(Operator.person_id == person.id)):
            continue
        operator = Operator(
            person_id=person.id,
            cooperative_id=cooperative.id,
            skills=list(demo.skills),
            contact_channel=Channel.WEBCHAT,
            active=True,
        )
        operator.shifts = [
            Shift(weekday=day, starts_at=ROTA_START, ends_at=ROTA_END) for day in ROTA_WEEKDAYS
        ]
        session.add(operator)
        added_operators += 1
    coordinator = await _person(session, DEMO_COORDINATOR, now)
    if not await session.scalar(select(Coordinator).where(Coordinator.person_id == coordinator.id)):
        session.add(
            Coordinator(
                person_id=coordinator.id,
                cooperative_id=cooperative.id,
                contact_channel=Channel.WEBCHAT,
                active=True,
            )
        )
    residents = [await _person(session, demo, now) for demo in DEMO_REQUESTERS]
    for resident, plan in zip(residents, DEMO_CHECKINS, strict=False):
        if not await session.scalar(
            select(CheckinPlan).where(CheckinPlan.person_id == resident.id)
        ):
            # Timers follow within seconds: the scheduler plans every plan it finds.
            session.add(
                CheckinPlan(
                    person_id=resident.id,
                    cooperative_id=cooperative.id,
                    weekdays=list(plan.weekdays),
                    at_time=plan.at_time,
                    channel=plan.channel,
                    retries=plan.retries,
                    retry_minutes=plan.retry_minutes,
                    contacts=[c.model_dump(mode="json") for c in plan.contacts],
                    sealed_notes=seal(sealing, plan.notes),
                    active=True,
                    created_at=now,
                )
            )
    await session.flush()
    added_users = await _demo_users(session, cooperative, now)
    await load_demo_welfare(_demo_context(session, now), cooperative.id)
    added_users += await _demo_company_user(session, now)
    return {"services": added_services, "operators": added_operators, "users": added_users}


@cache
def _demo_hash() -> str:
    # One hash for every demo user: argon2 is slow on purpose, and demo data is loaded often.
    return hash_password(DEMO_PASSWORD)


async def _demo_users(session: AsyncSession, cooperative: Cooperative, now: datetime) -> int:
    """admin, the coordinator (paola) and each operator by first name (giulia, marco, sara)."""
    wanted: list[tuple[str, str, Role, int | None]] = [
        ("admin", "Admin", Role.ADMIN, None),
        ("paola", "Paola Greco", Role.COORDINATOR, None),
    ]
    theirs = select(Operator).where(Operator.cooperative_id == cooperative.id)
    operators = (await session.scalars(theirs.order_by(Operator.id))).unique().all()
    for operator in operators:
        first = operator.person.first_name
        wanted.append((first.lower(), operator.person.display_name, Role.OPERATOR, operator.id))
    added = 0
    for username, name, role, operator_id in wanted:
        if await session.scalar(select(User.id).where(User.username == username)):
            continue
        session.add(
            User(
                username=username, display_name=name, password_hash=_demo_hash(), role=role,
                cooperative_id=None if role == Role.ADMIN else cooperative.id,
                operator_id=operator_id, language="it", active=True, created_at=now,
            )
        )  # fmt: skip
        added += 1
    await session.flush()
    return added


async def _demo_company_user(session: AsyncSession, now: datetime) -> int:
    """acme-hr, Acme's HR on the dashboard (its plan in aggregate); 1 if added."""
    company_id = await session.scalar(select(Company.id).where(Company.code == DEMO_COMPANY_CODE))
    if company_id is None or await session.scalar(
        select(User.id).where(User.username == DEMO_COMPANY_USER)
    ):
        return 0
    session.add(
        User(
            username=DEMO_COMPANY_USER, display_name="HR Acme", password_hash=_demo_hash(),
            role=Role.COMPANY, company_id=company_id, language="it", active=True, created_at=now,
        )
    )  # fmt: skip
    await session.flush()
    return 1


# Company welfare: Acme's workers Luca and Emma, on a yearly €500 credit, used services this month.
DEMO_COMPANY, DEMO_COMPANY_CODE = "Acme Bergamo S.p.A.", "ACME"
DEMO_COMPANY_USER = "acme-hr"
# A partita IVA with a right check digit, and Luca's codice fiscale, for the demo's receipts.
DEMO_VAT_NUMBER, DEMO_FISCAL_CODE = "01234567897", "FRRLCU80A01F205N"
DEMO_PRICES = (
    ("ironing", PriceUnit.HOUR, 1500, 2200, Purpose.FRINGE),
    ("cleaning", PriceUnit.FIXED, 4000, 2200, Purpose.FRINGE),
    ("shopping", PriceUnit.FIXED, 1000, 2200, Purpose.FRINGE),
    ("childcare", PriceUnit.HOUR, 1200, 500, Purpose.ART51_F_BIS),
    ("accompaniment", PriceUnit.HOUR, 1400, 500, Purpose.ART51_F_TER),
    ("elder_checkin", PriceUnit.FIXED, 800, 500, Purpose.ART51_F_TER),
)


async def load_demo_welfare(ctx: DomainContext, cooperative_id: int) -> bool:
    """Acme with its plan, prices and purposes, Luca and Emma confirmed and served this month;
    False (adding nothing) when Acme is already there."""
    if await ctx.session.scalar(select(Company.id).where(Company.code == DEMO_COMPANY_CODE)):
        return False
    company = await add_company(ctx, DEMO_COMPANY, DEMO_COMPANY_CODE, "IT01234567890")
    year = ctx.now().astimezone(ctx.zone).year
    plan = WelfarePlanInput(
        name=f"Welfare {year}", yearly_credit_cents=50000, starts_on=date(year, 1, 1),
        ends_on=date(year, 12, 31), services=tuple(code for code, *_ in DEMO_PRICES),
    )  # fmt: skip
    await add_plan(ctx, company, plan)
    for code, unit, net, vat, purpose in DEMO_PRICES:
        await set_price(ctx, code, cooperative_id, unit, net, vat)
        await set_purpose(ctx, code, purpose)
    used = (("+393402000003", "ironing", 90, True), ("+393402000004", "cleaning", None, False))
    for phone, service, minutes, children in used:
        worker = await find_person(ctx.session, IdentityKind.PHONE, phone)
        assert worker is not None  # a demo requester, loaded above
        if worker.first_name == "Luca":
            worker.fiscal_code = DEMO_FISCAL_CODE
        await confirm(ctx, await enrol(ctx, worker, company), "hr@acme.example", children)
        done = ServiceDone(person_id=worker.id, service_code=service, minutes=minutes,
                           cooperative_id=cooperative_id, by="demo")  # fmt: skip
        await charge_service(ctx, done)
    return True


def _settings_of(session: AsyncSession) -> Settings:
    """Default settings for the session's database (where a made sealing key is kept)."""
    bind = session.bind
    url = bind.engine.url.render_as_string(hide_password=False) if bind is not None else ""
    return Settings.model_construct(database_url=url)


def _demo_context(session: AsyncSession, now: datetime) -> DomainContext:
    # The demo loader is given no settings: the welfare demo uses the defaults (Europe/Rome,
    # a 2 % fund share), read from no environment.
    return DomainContext(session, ManualClock(now), Settings.model_construct())
