"""`concierge parcels list`: what is on the desks' shelves, run as whoever runs the service runs
it, in Italian and English (issue 23's leftover)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from concierge.demo import COOPERATIVE_NAME
from tests.test_cli import ENGLISH, concierge

# Two parcels at the demo's desk (one then collected), one at a second cooperative's desk.
SHELVE = """
import asyncio
from sqlalchemy import select
from bot.runtime import Runtime
from concierge.messages import IdentityKind
from concierge.parcels.shelf import ParcelInput, hand_over, receive_parcel
from concierge.people.person import find_person
from concierge.settings import load_settings
from concierge.team.users import User, add_cooperative

async def main():
    rt = Runtime.create(load_settings(DATABASE_URL={url!r}, _env_file=None))
    async with rt.unit() as ctx:
        paola = await ctx.session.scalar(select(User).where(User.username == "paola"))
        other = await add_cooperative(ctx, "Altra Cooperativa")
        for phone, carrier, sender, desk in (
            ("+393402000001", "BRT", "Amazon", paola.cooperative_id),
            ("+393402000002", "GLS", "", other.id),
            ("+393402000001", "SDA", "Zalando", paola.cooperative_id),
        ):
            person = await find_person(ctx.session, IdentityKind.PHONE, phone)
            entry = ParcelInput(person_id=person.id, carrier=carrier, sender=sender, shelf="B2")
            await receive_parcel(ctx, entry, desk, paola.id)
        await hand_over(ctx, 3, None, paola.id)
    await rt.close()

asyncio.run(main())
"""


def test_parcels_on_the_shelf_in_both_languages(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/concierge.sqlite3"
    assert concierge("db", "upgrade", cwd=tmp_path, DATABASE_URL=url).returncode == 0
    empty = concierge("parcels", "list", cwd=tmp_path, DATABASE_URL=url)
    assert (empty.returncode, empty.stdout.strip()) == (0, "Nessun pacco sullo scaffale.")
    assert concierge("demo", cwd=tmp_path, DATABASE_URL=url).returncode == 0
    shelved = subprocess.run(
        [sys.executable, "-c", SHELVE.format(url=url)], capture_output=True, text=True, timeout=120
    )
    assert shelved.returncode == 0, shelved.stderr

    italian = concierge("parcels", "list", cwd=tmp_path, DATABASE_URL=url)
    assert italian.returncode == 0, italian.stderr
    lines = italian.stdout.strip().splitlines()
    assert [line.split(" · ")[:4] for line in lines] == [
        ["n. 1", "Maria Rossi", "BRT, da Amazon", "scaffale B2"],
        ["n. 2", "Giuseppe Verdi", "GLS, da mittente non indicato", "scaffale B2"],
    ], "the collected parcel no. 3 has left the shelf"
    assert [line.split(" · ")[-1] for line in lines] == [COOPERATIVE_NAME, "Altra Cooperativa"]
    english = concierge("parcels", "list", cwd=tmp_path, DATABASE_URL=url, **ENGLISH)
    assert [line.split(" · ")[:3] for line in english.stdout.strip().splitlines()] == [
        ["no. 1", "Maria Rossi", "BRT, from Amazon"],
        ["no. 2", "Giuseppe Verdi", "GLS, from sender not given"],
    ]

    one_desk = concierge(
        "--lang", "en", "parcels", "list", "--cooperative", "Altra Cooperativa", "--json",
        cwd=tmp_path, DATABASE_URL=url,
    )  # fmt: skip
    [parcel] = json.loads(one_desk.stdout)
    assert {k: parcel[k] for k in ("number", "person", "cooperative", "carrier", "sender")} == {
        "number": 2, "person": "Giuseppe Verdi", "cooperative": "Altra Cooperativa",
        "carrier": "GLS", "sender": "",
    }  # fmt: skip
    assert parcel["received_at"].endswith("+00:00") and parcel["reminded_at"] is None

    for env, message in (
        ({}, "Errore: --cooperative: nessuna cooperativa di nome 'Nessuna'"),
        (ENGLISH, "Error: --cooperative: no cooperative named 'Nessuna'"),
    ):
        wrong = concierge(
            "parcels", "list", "--cooperative", "Nessuna", cwd=tmp_path, DATABASE_URL=url, **env
        )
        assert (wrong.returncode, wrong.stderr.strip()) == (2, message)
