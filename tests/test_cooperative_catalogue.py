"""A catalogue each cooperative owns, as residents meet it: Il Portico serves the centre (Maria)
and has retired ironing and renamed parcels; Aurora serves Navile (Giuseppe), offers ironing on
weekday afternoons only, calls shopping "Spesa a domicilio" and has a service of its own (bike
repair) with its own words. Transcripts in Italian and English through the real inbound path,
then the domain rules underneath (defaults, editing, one load per unit of work)."""

from __future__ import annotations

from datetime import datetime, time

import pytest
from sqlalchemy import event, select

from concierge.context import DomainContext
from concierge.errors import InvalidValue, NotFound
from concierge.intake.catalogue import active_services
from concierge.messages import Channel, IdentityKind
from concierge.people.person import Person, find_person
from concierge.requests.request import ServiceRequest, create_request
from concierge.team.catalogue import catalogue_for, cooperative_catalogue
from concierge.team.catalogue_editing import (
    NewService,
    ServiceNames,
    add_own_service,
    add_words,
    rename,
    set_hours,
    set_offered,
)
from concierge.team.editing import add_operator, add_weekly_slot
from concierge.team.offered_hours import OfferedHours, parse_days
from concierge.team.operators import Cooperative, Operator
from tests.conftest import ROME, Domain
from tests.transcript import Speaker

PORTICO, AURORA = "Cooperativa Il Portico", "Cooperativa Aurora"
MARIA, GIUSEPPE, LUCA, NADIA = "+393402000001", "+393402000002", "+393402000003", "+393331000020"
BIKE = NewService(
    code="bike_repair", name_it="Riparazione bici", name_en="Bike repair",
    description_it="Ripariamo la tua bicicletta.", description_en="We fix your bicycle.",
    words_it=["bici", "biciclett*"], words_en=["bike*", "bicycle*"],
)  # fmt: skip
WEEKDAY_AFTERNOONS = OfferedHours(days=parse_days("mon-fri"), starts_at=time(14), ends_at=time(18))


async def _person(ctx: DomainContext, phone: str) -> Person:
    person = await find_person(ctx.session, IdentityKind.PHONE, phone)
    assert person is not None
    return person


async def two_catalogues(ctx: DomainContext, language: str = "it") -> tuple[int, int]:
    """Il Portico works the centre, Aurora Navile (Nadia, always on duty); each has changed
    its catalogue. Maria lives in the centre, Giuseppe in Navile, Luca has no zone; all three
    speak `language`. The cooperatives' ids."""
    nadia = await add_operator(
        ctx, first_name="Nadia", last_name="Neri", phone=NADIA, skills=["ironing", "shopping"],
        capacity=3, zones=["Navile"], language="it", cooperative=AURORA,
    )  # fmt: skip
    for weekday in range(7):
        await add_weekly_slot(ctx, nadia, weekday, time(0, 0), time(23, 59))
    for operator in (await ctx.session.scalars(select(Operator))).unique().all():
        if operator.id != nadia.id:
            operator.zones = ["Centro"]
    portico = await ctx.session.scalar(select(Cooperative.id).where(Cooperative.name == PORTICO))
    assert portico is not None
    aurora = nadia.cooperative_id
    await set_offered(ctx, portico, "ironing", False)
    await rename(ctx, portico, "parcel", ServiceNames(name_it="Pacchi e raccomandate",
                                                      name_en="Parcels and letters"))  # fmt: skip
    await rename(ctx, aurora, "shopping", ServiceNames(name_it="Spesa a domicilio",
                                                       name_en="Grocery delivery"))  # fmt: skip
    await set_hours(ctx, aurora, "ironing", WEEKDAY_AFTERNOONS)
    await add_own_service(ctx, aurora, BIKE)
    nadia.skills = [*nadia.skills, "bike_repair"]
    for phone, zone in ((MARIA, "Centro"), (GIUSEPPE, "Navile"), (LUCA, None)):
        person = await _person(ctx, phone)
        person.zone, person.language = zone, language
    await ctx.session.flush()
    return portico, aurora


async def _requests(domain: Domain) -> list[ServiceRequest]:
    async with domain.unit() as ctx:
        rows = await ctx.session.scalars(select(ServiceRequest).order_by(ServiceRequest.id))
        return list(rows.unique().all())


SHARED_IT = [
    "Ricette e farmaci", "Spesa", "Pagamento bollette", "Pulizie", "Piccole riparazioni",
    "Casa, piante e animali", "Chiamata di controllo", "Accompagnamento", "Bambini",
    "Ricerca badante", "Assistenza domiciliare", "Sgombero", "Informazioni", "Altro",
]  # fmt: skip


async def test_italian_residents_of_two_zones_read_two_catalogues(demo_domain: Domain) -> None:
    async with demo_domain.unit() as ctx:
        _, aurora = await two_catalogues(ctx, "it")
    maria, giuseppe = Speaker(demo_domain, MARIA), Speaker(demo_domain, GIUSEPPE)

    await maria.say("menu")
    assert maria.buttons() == ["Pacchi e raccomandate", *SHARED_IT[:2], *SHARED_IT[2:]]
    assert await maria.say("devo far stirare 5 camicie") == [
        "Mi dispiace: «Stiratura» non è un servizio offerto nella tua zona. Ecco cosa possiamo "
        "fare per te:"
    ]
    assert "Stiratura" not in maria.buttons() and "Pacchi e raccomandate" in maria.buttons()
    assert await maria.say("la mia bici ha la ruota bucata, domani mattina") == [
        "Non sono sicuro di aver capito. Scegli un servizio dall'elenco, oppure riscrivi la "
        "richiesta con altre parole."
    ], "Il Portico has no bike repair, nor its words"

    assert await giuseppe.say("la mia bici ha la ruota bucata, domani mattina") == [
        "Ho capito: Riparazione bici, martedì 24 novembre, mattina — «mia bici ha la ruota "
        "bucata». Confermi?"
    ]
    await giuseppe.say("sì")
    # Monday 10:00: ironing is offered on weekday afternoons only.
    assert await giuseppe.say("devo far stirare 5 camicie") == [
        "«Stiratura» si fa lun–ven, 14:00–18:00: la fissiamo per il primo orario utile, "
        "lunedì 23 novembre, 14:00.",
        "Ho capito: Stiratura, lunedì 23 novembre, 14:00 — «devo far stirare 5 camicie». Confermi?",
    ]
    await giuseppe.say("sì")
    assert await giuseppe.say("latte e pane, urgente") == [
        "Ho capito: Spesa a domicilio, appena possibile — «latte e pane, urgente» (URGENTE). "
        "Confermi?"
    ]
    assert (await giuseppe.say("sì"))[0].startswith(
        "Richiesta registrata: n. 3 · Spesa a domicilio · «latte e pane, urgente» · URGENTE"
    ), "the request keeps the name its cooperative gives the service"
    assert any("Spesa a domicilio" in text for text in await Speaker(demo_domain, NADIA).inbox())
    await giuseppe.say("menu")
    assert giuseppe.buttons() == [
        "Ritiro pacchi", "Ricette e farmaci", "Spesa a domicilio", *SHARED_IT[2:3], "Stiratura",
        *SHARED_IT[3:], "Riparazione bici",
    ]  # fmt: skip
    bike, ironing, _ = await _requests(demo_domain)
    assert (bike.service_code, bike.cooperative_id) == ("bike_repair", aurora)
    assert (ironing.service_code, ironing.cooperative_id) == ("ironing", aurora)
    assert ironing.due_at == datetime(2026, 11, 23, 14, 0, tzinfo=ROME)


async def test_english_residents_of_two_zones_read_two_catalogues(demo_domain: Domain) -> None:
    async with demo_domain.unit() as ctx:
        await two_catalogues(ctx, "en")
    maria, giuseppe = Speaker(demo_domain, MARIA), Speaker(demo_domain, GIUSEPPE)

    await maria.say("menu")
    assert maria.buttons()[:2] == ["Parcels and letters", "Prescriptions and medicines"]
    assert "Ironing" not in maria.buttons() and "Bike repair" not in maria.buttons()
    assert await maria.say("I need 5 shirts ironed") == [
        "Sorry: «Ironing» is not a service offered in your area. Here is what we can do for you:"
    ]
    # Il Portico does not repair bikes: for Maria it is any other errand, not Aurora's service.
    assert await maria.say("my bike has a flat tyre, tomorrow morning") == [
        "I understood: Something else, Tuesday 24 November, morning — «my bike has a flat tyre». "
        "Do you confirm?"
    ]
    await maria.say("cancel")

    assert await giuseppe.say("my bike has a flat tyre, tomorrow morning") == [
        "I understood: Bike repair, Tuesday 24 November, morning — «my bike has a flat tyre». "
        "Do you confirm?"
    ]
    await giuseppe.say("yes")
    assert await giuseppe.say("I need 5 shirts ironed") == [
        "«Ironing» is offered Mon–Fri, 14:00–18:00: we have set it for the next available time, "
        "Monday 23 November, 14:00.",
        "I understood: Ironing, Monday 23 November, 14:00 — «I need 5 shirts ironed». "
        "Do you confirm?",
    ]
    await giuseppe.say("menu")
    assert {"Parcel pickup", "Grocery delivery", "Ironing", "Bike repair"} <= set(
        giuseppe.buttons()
    )


async def test_a_resident_with_no_zone_reads_the_shared_catalogue(demo_domain: Domain) -> None:
    async with demo_domain.unit() as ctx:
        await two_catalogues(ctx, "it")
        shared = [
            s.name("it") for s in await active_services(ctx.session) if s.code != "bike_repair"
        ]
    luca = Speaker(demo_domain, LUCA)
    await luca.say("menu")
    assert luca.buttons() == shared and "Stiratura" in shared and "Ritiro pacchi" in shared


async def test_a_button_of_an_older_menu_for_a_service_retired_since(demo_domain: Domain) -> None:
    maria = Speaker(demo_domain, MARIA)
    await maria.say("menu")
    async with demo_domain.unit() as ctx:
        await two_catalogues(ctx, "it")
    assert await maria.tap("Stiratura") == [
        "Mi dispiace: «Stiratura» non è un servizio offerto nella tua zona. Ecco cosa possiamo "
        "fare per te:"
    ]
    assert await _requests(demo_domain) == []


async def test_no_entries_means_every_shared_service_under_its_default_name(
    demo_domain: Domain,
) -> None:
    async with demo_domain.unit() as ctx:
        maria = await _person(ctx, MARIA)
        maria.zone = "Centro"  # Il Portico's operators cover every zone
        catalogue = await catalogue_for(ctx.session, maria)
        shared = await active_services(ctx.session)
        assert catalogue.cooperative_id is not None
        assert [(s.code, s.name("it")) for s in catalogue.services] == [
            (s.code, s.name("it")) for s in shared
        ]
        assert catalogue.extra_words() == {}


async def test_editing_rules(demo_domain: Domain) -> None:
    async with demo_domain.unit() as ctx:
        portico, aurora = await two_catalogues(ctx)
        with pytest.raises(NotFound):
            await set_offered(ctx, portico, "bike_repair", False)  # Aurora's own
        with pytest.raises(NotFound):
            await set_offered(ctx, portico, "nope", False)
        with pytest.raises(InvalidValue):
            await add_own_service(ctx, portico, BIKE)  # the code is taken
        with pytest.raises(ValueError):
            NewService(code="Bad Code", name_it="x", name_en="x")
        await add_words(ctx, aurora, "ironing", "it", [" Sartoria ", "orl*", "x"])
        await add_words(ctx, aurora, "ironing", "it", ["sartoria"])
        await rename(ctx, aurora, "shopping", ServiceNames(name_it="Spesa"))  # the default
        catalogue = await cooperative_catalogue(ctx.session, aurora)
        ironing, shopping = catalogue.get("ironing"), catalogue.get("shopping")
        assert ironing is not None and ironing.words_it == ("sartoria", "orl*")
        assert shopping is not None and shopping.name("it") == "Spesa"
        assert shopping.name("en") == "Grocery delivery"
        assert catalogue.extra_words()["ironing"] == {"it": ["sartoria", "orl*"], "en": []}
        shared = await cooperative_catalogue(ctx.session, None)
        assert shared.get("bike_repair") is None and shared.offers("ironing")


async def test_an_own_service_nobody_does_yet_belongs_to_the_zone_s_cooperative(
    demo_domain: Domain,
) -> None:
    async with demo_domain.unit() as ctx:
        _, aurora = await two_catalogues(ctx)
        tutoring = NewService(code="tutoring", name_it="Ripetizioni", name_en="Tutoring")
        await add_own_service(ctx, aurora, tutoring)
        giuseppe = await _person(ctx, GIUSEPPE)
        request = await create_request(ctx, giuseppe, "tutoring", "", Channel.WEBCHAT)
        assert request.cooperative_id == aurora, "not the first cooperative: Aurora's is the zone"
        assert request.service_name("en") == "Tutoring"
        shopping = await create_request(ctx, giuseppe, "shopping", "", Channel.WEBCHAT)
        assert shopping.service_name("it") == "Spesa a domicilio"


def test_offered_hours() -> None:
    hours = WEEKDAY_AFTERNOONS
    assert parse_days("lun-ven") == parse_days("mon,tue,wed-fri") == (0, 1, 2, 3, 4)
    assert parse_days("sat-mon") == (0, 5, 6)
    with pytest.raises(ValueError):
        parse_days("someday")
    with pytest.raises(ValueError):
        OfferedHours(days=(0,), starts_at=time(14), ends_at=time(9))
    friday_evening = datetime(2026, 11, 27, 19, 0, tzinfo=ROME)
    assert hours.next_start(friday_evening, ROME) == datetime(2026, 11, 30, 14, 0, tzinfo=ROME)
    assert hours.covers(datetime(2026, 11, 27, 15, 0, tzinfo=ROME))
    assert hours.describe("it") == "lun–ven, 14:00–18:00" and hours.spelled() == "mon-fri"


async def test_the_catalogue_is_read_once_per_unit_of_work(demo_domain: Domain) -> None:
    async with demo_domain.unit() as ctx:
        portico, _ = await two_catalogues(ctx)
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    engine = demo_domain.runtime.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        async with demo_domain.unit() as ctx:
            maria = await _person(ctx, MARIA)
            before = len(statements)
            for _ in range(3):  # menu, reading, confirmation in one turn
                assert not (await catalogue_for(ctx.session, maria)).offers("ironing")
            assert len(statements) - before == 2, statements[before:]
            await set_offered(ctx, portico, "ironing", True)
            assert (await catalogue_for(ctx.session, maria)).offers("ironing"), "an edit is seen"
    finally:
        event.remove(engine, "before_cursor_execute", count)
