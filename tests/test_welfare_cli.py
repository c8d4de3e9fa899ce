"""Company welfare from the command line, on the demo data: the companies, a worker's credit,
and a company's monthly report as CSV and as a PDF whose text a person would read."""

from __future__ import annotations

import asyncio
import csv
import json
from datetime import datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from bot.runtime import Runtime
from concierge.messages import Channel, IdentityKind
from concierge.people.person import find_person
from concierge.requests.request import create_request
from concierge.welfare.charging import charge_request
from tests.conftest import ROME, make_settings
from tests.test_cli import concierge


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A migrated SQLite file with the demo data (Acme, Luca and Emma served this month)."""
    folder = tmp_path_factory.mktemp("welfare")
    url = f"sqlite:///{folder}/concierge.sqlite3"
    for step in (("db", "upgrade"), ("demo",), ("demo",)):
        result = concierge(*step, cwd=folder, DATABASE_URL=url)
        assert result.returncode == 0, result.stderr
    return folder, url


def test_companies_list(demo_db: tuple[Path, str]) -> None:
    folder, url = demo_db
    [acme] = json.loads(
        concierge("companies", "list", "--json", cwd=folder, DATABASE_URL=url).stdout
    )
    year = datetime.now(ROME).year
    assert acme["name"] == "Acme Bergamo S.p.A." and acme["code"] == "ACME"
    assert (acme["plan"], acme["yearly_credit_euros"], acme["plan_ends_on"]) == (
        f"Welfare {year}", "500.00", f"{year}-12-31",
    )  # fmt: skip
    assert (acme["workers_confirmed"], acme["workers_pending"]) == (2, 0)
    text = concierge("companies", "list", cwd=folder, DATABASE_URL=url).stdout
    assert "Acme Bergamo S.p.A.  codice ACME  Welfare" in text
    assert "2 confermati, 0 in attesa" in text
    text = concierge("companies", "list", cwd=folder, DATABASE_URL=url, LANG="en_GB.UTF-8").stdout
    assert "Acme Bergamo S.p.A.  code ACME  Welfare" in text and "2 confirmed, 0 waiting" in text


def test_credit_of_a_worker(demo_db: tuple[Path, str]) -> None:
    folder, url = demo_db
    luca = concierge("credit", "+39 340 200 0003", cwd=folder, DATABASE_URL=url)
    assert luca.returncode == 0, luca.stderr
    # €500 less 1.5 hours of ironing at €15 + 22 % VAT (€27.45).
    assert "Luca Ferrari" in luca.stdout
    assert "ti restano 472,55\xa0€ di credito, validi fino a " in luca.stdout
    assert (
        "Stiratura: -27,45\xa0€" in luca.stdout and "credito del piano: 500,00\xa0€" in luca.stdout
    )
    emma = concierge("credit", "+393402000004", "--lang", "en", cwd=folder, DATABASE_URL=url)
    assert "you have €451.20 of credit left" in emma.stdout
    maria = concierge("credit", "+393402000001", cwd=folder, DATABASE_URL=url)
    assert "Non risulti iscritto a un piano welfare" in maria.stdout
    nobody = concierge("credit", "+393409999999", cwd=folder, DATABASE_URL=url, LANG="en_GB.UTF-8")
    assert nobody.returncode == 2 and nobody.stderr.startswith("Error: nobody with phone")


def test_monthly_report_as_csv_and_pdf(demo_db: tuple[Path, str], tmp_path: Path) -> None:
    folder, url = demo_db
    month = datetime.now(ROME).strftime("%Y-%m")
    out_csv, out_pdf = tmp_path / "acme.csv", tmp_path / "acme.pdf"
    result = concierge(
        "report", "company", "acme bergamo s.p.a.", "--month", month, "--csv", str(out_csv),
        "--pdf", str(out_pdf), cwd=folder, DATABASE_URL=url,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = {(r["section"], r["item"]): r for r in csv.DictReader(out_csv.open())}
    assert rows[("workers_enrolled", "")]["services"] == "2"
    assert rows[("workers_served", "")]["services"] == "2"
    assert rows[("service", "Stiratura")]["euros"] == "27.45"
    assert rows[("purpose", "fringe")] == {
        "section": "purpose", "item": "fringe", "services": "2", "euros": "76.25",
        "limit_euros": "", "note": "",
    }  # fmt: skip
    assert rows[("credit_spent", "")]["euros"] == "76.25"
    assert rows[("credit_left", "")]["euros"] == "923.75"
    # 2 % of €27.45 (€0.55) and of €48.80 (€0.98) went to the solidarity fund.
    assert rows[("fund_contributions", "")]["euros"] == "1.53"
    # Luca's code is the one he gave for receipts, not in Acme's list: left out, flagged.
    luca = rows[("fringe", "Luca Ferrari")]
    assert (luca["limit_euros"], luca["note"]) == ("2000.00", "fiscal_code_missing")
    assert rows[("fringe", "Emma Clark")]["euros"] == "48.80"
    text = " ".join(page.extract_text() for page in PdfReader(out_pdf).pages)
    text = " ".join(text.split())
    assert "Report welfare — Acme Bergamo S.p.A." in text
    assert "Lavoratori iscritti: 2" in text
    assert "Stiratura: 1 servizi, 27,45 €" in text
    assert "Fringe benefit (art. 51 c.3): 2 servizi, 76,25 €" in text
    assert "Contributi al fondo di solidarietà nel mese: 1,53 €" in text
    assert (
        "Luca Ferrari (codice fiscale assente nel vostro elenco dei lavoratori: da completare): "
        "27,45 € su 2.000,00 €"
    ) in text and "FRRLCU80A01F205N" not in text


def test_report_refuses_a_wrong_month_or_company(demo_db: tuple[Path, str], tmp_path: Path) -> None:
    folder, url = demo_db
    out = str(tmp_path / "x.csv")
    wrong_month = concierge("report", "company", "Acme Bergamo S.p.A.", "--month", "2026-13",
                            "--csv", out, cwd=folder, DATABASE_URL=url,
                            LANG="en_GB.UTF-8")  # fmt: skip
    assert wrong_month.returncode == 2
    assert (
        wrong_month.stderr.strip()
        == "Error: --month: expected a month such as 2026-11, got '2026-13'"
    )
    nobody = concierge("report", "company", "Nobody", "--month", "2026-11", "--csv", out,
                       cwd=folder, DATABASE_URL=url)  # fmt: skip
    assert nobody.returncode == 2 and nobody.stderr.strip() == (
        "Errore: nessuna azienda di nome «Nobody»"
    )
    english = concierge("--lang", "en", "report", "company", "Nobody", "--month", "2026-11",
                        "--csv", out, cwd=folder, DATABASE_URL=url)  # fmt: skip
    assert english.stderr.strip() == 'Error: no company named "Nobody"'


async def _maria_charged(url: str, phone: str = "+393402000001") -> int:
    """A shopping of Maria's charged (due from her); of another person's (Emma: her credit)."""
    runtime = Runtime.create(make_settings(url.replace("sqlite://", "sqlite+aiosqlite://")))
    try:
        async with runtime.unit() as ctx:
            maria = await find_person(ctx.session, IdentityKind.PHONE, phone)
            assert maria is not None
            request = await create_request(ctx, maria, "shopping", "pane", Channel.WEBCHAT)
            await charge_request(ctx, request, None, "giulia")  # due from Maria
            return request.id
    finally:
        await runtime.close()


def test_reading_a_receipt_never_issues_it(demo_db: tuple[Path, str]) -> None:
    folder, url = demo_db
    request_id = str(asyncio.run(_maria_charged(url, "+393402000004")))  # Emma's credit
    for _ in range(2):
        read = concierge("receipt", request_id, cwd=folder, DATABASE_URL=url)
        assert read.returncode == 2 and read.stderr.strip() == (
            f"Errore: la ricevuta della richiesta n. {request_id} non è ancora emessa: emettila "
            f"con «concierge receipt {request_id} --issue» (o con il pulsante nella pagina della "
            "richiesta)"
        )
    issued = concierge("receipt", request_id, "--issue", cwd=folder, DATABASE_URL=url)
    assert issued.returncode == 0, issued.stderr
    [number_line] = [line for line in issued.stdout.splitlines() if "Ricevuta n." in line]
    again = concierge("receipt", request_id, "--issue", cwd=folder, DATABASE_URL=url)
    read = concierge("receipt", request_id, cwd=folder, DATABASE_URL=url)
    assert number_line in again.stdout and number_line in read.stdout  # one receipt, one number


def test_receipts_payments_and_codes(demo_db: tuple[Path, str], tmp_path: Path) -> None:
    folder, url = demo_db
    request_id = str(asyncio.run(_maria_charged(url)))
    early = concierge("receipt", request_id, cwd=folder, DATABASE_URL=url)
    assert early.returncode == 2 and "non è ancora registrato" in early.stderr
    early = concierge("receipt", request_id, "--lang", "en", cwd=folder, DATABASE_URL=url)
    assert early.returncode == 2 and "is not recorded yet" in early.stderr
    wrong = concierge("fiscal-code", "+393402000001", "RSSMRA85T10A562T", cwd=folder,
                      DATABASE_URL=url, LANG="en_GB.UTF-8")  # fmt: skip
    assert wrong.returncode == 2 and "is not a valid codice fiscale" in wrong.stderr
    vat = concierge("vat-number", "Cooperativa Il Portico", "123", cwd=folder, DATABASE_URL=url)
    assert vat.stderr.strip() == "Errore: «123» non è una partita IVA (undici cifre)"
    code = concierge("fiscal-code", "+393402000001", "RSSMRA85T10A562S", cwd=folder,
                     DATABASE_URL=url)  # fmt: skip
    assert code.stdout.strip() == "Codice fiscale di Maria Rossi: RSSMRA85T10A562S."
    paid = concierge("paid", request_id, "--method", "transfer", cwd=folder, DATABASE_URL=url,
                     LANG="en_GB.UTF-8")  # fmt: skip
    assert paid.returncode == 0 and paid.stdout.startswith(f"Payment of request no. {request_id}")
    again = concierge("paid", request_id, "--method", "cash", cwd=folder, DATABASE_URL=url)
    assert again.stderr.strip() == (
        f"Errore: il pagamento della richiesta n. {request_id} è già registrato"
    )
    out_pdf = tmp_path / "receipt.pdf"
    shown = concierge("receipt", request_id, "--pdf", str(out_pdf), "--lang", "en", cwd=folder,
                      DATABASE_URL=url)  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert "Beneficiary: Maria Rossi, codice fiscale RSSMRA85T10A562S" in shown.stdout
    assert "Paid by: the beneficiary (bank transfer)" in shown.stdout
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(out_pdf).pages).split())
    assert "Provider: Cooperativa Il Portico, VAT number 01234567897" in text
    assert "Amount: €12.20 VAT included (net €10.00, VAT €2.20)" in text


def test_a_company_hr_user_is_added(demo_db: tuple[Path, str]) -> None:
    folder, url = demo_db
    env = {"DATABASE_URL": url, "CONCIERGE_USER_PASSWORD": "hr-secret-123", "LANG": "en_GB.UTF-8"}
    added = concierge("users", "add", "beta.hr", "--role", "company", "--company", "acme",
                      cwd=folder, **env)  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "User beta.hr added (company (HR))."
    unknown = concierge("users", "add", "gamma.hr", "--role", "company", "--company", "NOPE",
                        cwd=folder, **env)  # fmt: skip
    assert unknown.returncode == 2 and 'no company with code "NOPE"' in unknown.stderr
    without = concierge("users", "add", "delta.hr", "--role", "company", cwd=folder, **env)
    assert without.returncode == 2 and "a company (HR) user needs a company" in without.stderr
    vat = concierge("vat-number", "Cooperativa Il Portico", "01234567890", cwd=folder, **env)
    assert vat.returncode == 2 and "check digit is wrong" in vat.stderr
