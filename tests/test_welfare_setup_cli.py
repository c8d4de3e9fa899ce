"""A network sets up company welfare from the command line, without demo data for it: a company
joins (`companies add`), its plan is set (`companies plan`), a cooperative prices a service
(`prices set`); a worker then enrols by chat with the company's code, is confirmed, holds the
plan's credit and reads the new price in the confirmation. Wrong options are one clear line, in
Italian and in English. The commands run in this process (a thread beside the test's loop)."""

from __future__ import annotations

import asyncio
import json
import subprocess
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest

from concierge.messages import IdentityKind
from concierge.people.person import find_or_register
from concierge.sealing import key_file
from concierge.welfare.companies import PlanInput, add_company, add_plan, company_with_code
from concierge.welfare.enrolment import confirm, confirm_from_list, enrol
from concierge.welfare.expiry import credit_round
from concierge.welfare.ledger import balance, credit_account
from tests.cli_in_process import concierge
from tests.conftest import ROME, Domain
from tests.test_cooperative_catalogue_cli import PORTICO
from tests.transcript import Speaker

BETA, WORKER = "Beta Servizi S.r.l.", "+393402000055"


@dataclass(frozen=True)
class Cli:
    """`concierge ARGS…` on the test's database, from a folder without a .env."""

    url: str
    key_file: str  # the demo's sealed notes open with the test service's key
    folder: Path

    async def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        """Run it in a thread: the command runs its own event loop."""
        return await asyncio.to_thread(
            concierge, *args, cwd=self.folder, DATABASE_URL=self.url,
            SEALING_KEY_FILE=self.key_file, **env,
        )  # fmt: skip


@pytest.fixture
def cli(demo_domain: Domain, tmp_path: Path) -> Cli:
    """The command line on the demo database (a cooperative, its operators; Acme)."""
    settings = demo_domain.runtime.settings
    return Cli(settings.database_url, str(key_file(settings).resolve()), tmp_path)


async def test_a_company_its_plan_and_a_price_set_up_then_used_by_chat(
    demo_domain: Domain, cli: Cli
) -> None:
    added = await cli.run("companies", "add", BETA, "--code", "beta26",
                          "--vat-number", "IT01234567897")  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == (
        f"Azienda {BETA} aggiunta: i suoi lavoratori si iscrivono con il codice BETA26."
    )
    plan = await cli.run("companies", "plan", BETA.lower(), "--credit", "300", "--from",
                         "2026-01-01", "--to", "2026-12-31",
                         "--services", "ironing, cleaning")  # fmt: skip
    assert plan.returncode == 0, plan.stderr
    assert plan.stdout.startswith(
        f"Piano di {BETA}: «Welfare 2026», credito di 300,00\xa0€ a lavoratore l'anno, dal 1 "
        "gennaio 2026 al 31 dicembre 2026: Stiratura, Pulizie."
    )
    price = await cli.run("prices", "set", "ironing", "--cooperative", PORTICO, "--hourly",
                          "18,00", "--vat", "22")  # fmt: skip
    assert price.stdout.strip() == (
        f"Stiratura · {PORTICO}: 18,00\xa0€ + IVA 22% 3,96\xa0€ = 21,96\xa0€ l'ora"
    )

    newcomer = Speaker(demo_domain, WORKER)
    assert await newcomer.say("iscrivimi beta26") == [
        f"Ho chiesto la tua iscrizione al piano welfare di {BETA}: l'azienda deve "
        "confermarla. Poi scrivi «credito» per vedere il tuo credito."
    ]
    waiting = json.loads((await cli.run("companies", "show", BETA, "--json")).stdout)
    assert (waiting["code"], waiting["vat_number"]) == ("BETA26", "01234567897")
    assert (waiting["workers_confirmed"], waiting["workers_pending"]) == (0, 1)
    assert [(p["yearly_credit_euros"], p["services"]) for p in waiting["plans"]] == [
        ("300.00", ["ironing", "cleaning"])
    ]
    async with demo_domain.unit() as ctx:
        company = await company_with_code(ctx, "BETA26")
        assert (await confirm_from_list(ctx, company, f"phone\n{WORKER}\n", "hr")).confirmed
    assert (await newcomer.say("credito"))[0].startswith(
        f"{BETA} – Welfare 2026: ti restano 300,00\xa0€ di credito, validi fino a "
    )
    [question] = await newcomer.say("stirare 3 camicie oggi pomeriggio")
    assert "Prezzo 21,96\xa0€ l'ora IVA inclusa, dal tuo credito welfare (ora hai 300,00\xa0€)" in (
        question
    )

    shown = await cli.run("--lang", "en", "companies", "show", BETA)
    assert shown.stdout.splitlines()[0] == f"{BETA} — code BETA26, VAT number 01234567897"
    assert shown.stdout.splitlines()[-1] == "Workers: 1 confirmed, 0 waiting for confirmation"
    listed = await cli.run("prices", "list", "--cooperative", PORTICO, "--json")
    rows = {row["service"]: row for row in json.loads(listed.stdout)}
    assert rows["ironing"] == {
        "service": "ironing", "cooperative": PORTICO, "unit": "hour", "net_euros": "18.00",
        "vat_percent": "22", "vat_euros": "3.96", "gross_euros": "21.96",
    }  # fmt: skip
    english = await cli.run("prices", "list", "--lang", "en")
    assert f"Childcare · {PORTICO}: €12.00 + VAT 5% €0.60 = €12.60 an hour" in english.stdout


WRONG = [
    (("companies", "add", "Gamma", "--code", "G1", "--vat-number", "01234567890"),
     "Errore: --vat-number: '01234567890' non è una partita IVA valida",
     "Error: --vat-number: '01234567890' is not a valid partita IVA"),
    (("companies", "add", "Gamma", "--code", "acme"),
     "Errore: --code: il codice ACME è già di Acme Bergamo S.p.A.",
     "Error: --code: the code ACME is already Acme Bergamo S.p.A.'s"),
    (("companies", "plan", "Acme Bergamo S.p.A.", "--credit", "300", "--from", "2027-01-01",
      "--to", "2027-12-31", "--services", "ironing,teleportation"),
     "Errore: --services: non sono nel catalogo: teleportation (quelli attivi: parcel,",
     "Error: --services: not in the catalogue: teleportation (the active ones: parcel,"),
    (("companies", "plan", "Acme Bergamo S.p.A.", "--credit", "12.345", "--from", "2027-01-01",
      "--to", "2027-12-31", "--services", "ironing"),
     "Errore: --credit: serve un importo in euro maggiore di zero, come 300 o 12,50; "
     "ricevuto '12.345'",
     "Error: --credit: expected an amount of euros above zero, such as 300 or 12.50, got '12.345'"),
    (("companies", "plan", "Acme Bergamo S.p.A.", "--credit", "300", "--from", "2027-12-31",
      "--to", "2027-01-01", "--services", "ironing"),
     "Errore: --to: il piano non può finire (2027-01-01) prima di cominciare (2027-12-31)",
     "Error: --to: the plan cannot end (2027-01-01) before it starts (2027-12-31)"),
    (("companies", "plan", "Acme Bergamo S.p.A.", "--credit", "300", "--from", "2026-06-01",
      "--to", "2027-05-31", "--services", "ironing"),
     "Errore: il piano si sovrappone a «Welfare 2026»",
     "Error: the plan overlaps 'Welfare 2026'"),
    (("companies", "show", "Nobody"),
     "Errore: nessuna azienda di nome 'Nobody'", "Error: no company named 'Nobody'"),
    (("prices", "set", "teleportation", "--cooperative", PORTICO, "--fixed", "10"),
     "Errore: nessun servizio nel catalogo con codice 'teleportation'",
     "Error: no service in the catalogue with code 'teleportation'"),
    (("prices", "set", "ironing", "--cooperative", PORTICO, "--fixed", "-3"),
     "Errore: --fixed: serve un importo in euro maggiore di zero",
     "Error: --fixed: expected an amount of euros above zero"),
    (("prices", "set", "ironing", "--cooperative", PORTICO, "--fixed", "3", "--hourly", "3"),
     "Errore: indica il prezzo con --fixed (per servizio) oppure con --hourly",
     "Error: give the price with --fixed (per service) or with --hourly"),
    (("prices", "set", "ironing", "--cooperative", PORTICO, "--hourly", "3", "--vat", "122"),
     "Errore: --vat: serve un'aliquota IVA in percentuale tra 0 e 100",
     "Error: --vat: expected a VAT rate in per cent between 0 and 100"),
    (("prices", "set", "ironing", "--cooperative", "Nope", "--hourly", "3"),
     "Errore: --cooperative: nessuna cooperativa di nome 'Nope'",
     "Error: --cooperative: no cooperative named 'Nope'"),
]  # fmt: skip


async def test_wrong_options_are_one_line_in_italian_and_english(
    demo_domain: Domain, cli: Cli
) -> None:
    for args, italian, english in WRONG:
        said = await cli.run(*args, LANG="it_IT.UTF-8")
        assert (said.returncode, said.stderr[: len(italian)]) == (2, italian), said.stderr
        said = await cli.run("--lang", "en", *args)
        assert (said.returncode, said.stderr[: len(english)]) == (2, english), said.stderr
    unchanged = json.loads((await cli.run("companies", "list", "--json")).stdout)
    assert [company["name"] for company in unchanged] == ["Acme Bergamo S.p.A."]
    listed = json.loads((await cli.run("prices", "list", "--json")).stdout)
    assert {(r["service"], r["net_euros"]) for r in listed} >= {("ironing", "15.00")}


async def test_a_plan_begun_after_confirmation_grants_its_credit(demo_domain: Domain) -> None:
    """Workers confirmed before a plan (added later, or starting later) get its credit: when
    it is added, and on the daily round of the day it begins."""
    async with demo_domain.unit() as ctx:
        company = await add_company(ctx, BETA, "BETA26")
        person, _ = await find_or_register(ctx.session, IdentityKind.PHONE, WORKER, ctx.now())
        await confirm(ctx, await enrol(ctx, person, company), "hr")
        ahead = await add_plan(ctx, company, PlanInput(
            name="Welfare dicembre", yearly_credit_cents=12000, starts_on=date(2026, 12, 1),
            ends_on=date(2026, 12, 31), services=("ironing",),
        ))  # fmt: skip
        account = credit_account(ahead.id, person.id)
        assert await balance(ctx, account) == 0
    demo_domain.clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=ROME))
    for _ in range(2):  # once only, however many rounds
        async with demo_domain.unit() as ctx:
            await credit_round(ctx, None)  # type: ignore[arg-type]
    async with demo_domain.unit() as ctx:
        assert await balance(ctx, account) == 12000
