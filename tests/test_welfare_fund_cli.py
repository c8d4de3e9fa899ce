"""`concierge fund` and `concierge referral add|list`, run in this process as an admin runs
them: a referral recorded by phone, listed in Italian or English and as JSON; the fund's balance
and movements; bad input answered with one line and status 2."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.cli_in_process import concierge as run_concierge

GIUSEPPE = "+393402000002"


def concierge(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The command, its output with the no-break spaces of amounts read as spaces."""
    ran = run_concierge(*args, cwd=cwd, **env)
    plain = [text.replace("\xa0", " ") for text in (ran.stdout, ran.stderr)]
    return subprocess.CompletedProcess(ran.args, ran.returncode, *plain)


def test_referrals_and_the_fund_from_the_command_line(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/concierge.sqlite3"}
    assert concierge("db", "upgrade", cwd=tmp_path, **env).returncode == 0
    assert concierge("demo", cwd=tmp_path, **env).returncode == 0

    added = concierge(
        "referral", "add", GIUSEPPE, "--body", "Comune di Bergamo", "--limit", "300",
        "--rules", "Pulizie per anziani soli", "--starts", "2026-11-01", "--ends", "2027-10-31",
        cwd=tmp_path, **env,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("Registrata: n. 1 · Giuseppe Verdi · Comune di Bergamo")
    assert "limite 300,00 €, residuo 300,00 €" in added.stdout
    nobody = concierge("referral", "add", "+393409999999", "--body", "Comune", "--limit", "5",
                       cwd=tmp_path, **env)  # fmt: skip
    assert nobody.returncode == 2 and "nessuno con il telefono +393409999999" in nobody.stderr
    bad = concierge("referral", "add", GIUSEPPE, "--body", "Comune", "--limit", "tanti",
                    cwd=tmp_path, **env)  # fmt: skip
    assert bad.returncode == 2 and "La segnalazione non è valida" in bad.stderr
    backwards = concierge(
        "referral", "add", GIUSEPPE, "--body", "Comune", "--limit", "5", "--starts",
        "2026-12-01", "--ends", "2026-11-01", cwd=tmp_path, **env,
    )  # fmt: skip
    assert backwards.returncode == 2 and "La segnalazione non è valida" in backwards.stderr

    listed = concierge("--lang", "en", "referral", "list", cwd=tmp_path, **env)
    assert listed.stdout.strip() == (
        "no. 1 · Giuseppe Verdi · Comune di Bergamo · limit €300.00, left €300.00 · "
        "2026-11-01 to 2027-10-31 · Pulizie per anziani soli"
    )
    rows = json.loads(concierge("referral", "list", "--json", cwd=tmp_path, **env).stdout)
    assert [(r["person"], r["limit_euros"], r["left_euros"]) for r in rows] == [
        ("Giuseppe Verdi", "300.00", "300.00")
    ]

    fund = concierge("fund", cwd=tmp_path, **env)
    assert fund.returncode == 0, fund.stderr
    lines = fund.stdout.splitlines()
    # The demo's two purchases gave 2 % of €27.45 and of €48.80 to the fund.
    assert lines[0] == "Saldo del fondo: 1,53 €"
    assert len(lines) == 3 and all(" · quota di un acquisto" in line for line in lines[1:])
    document = json.loads(concierge("fund", "--json", cwd=tmp_path, **env).stdout)
    assert document["balance_euros"] == "1.53"
    assert sorted(m["euros"] for m in document["movements"]) == ["0.55", "0.98"]
    english = concierge("fund", "--lang", "en", "--last", "1", cwd=tmp_path, **env)
    assert english.stdout.splitlines()[0] == "The fund holds: €1.53"
    assert len(english.stdout.splitlines()) == 2
