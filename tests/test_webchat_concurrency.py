"""Many people writing at once: every message is answered, none is lost, none counted twice."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from tests.conftest import LiveServer

PEOPLE = 24


async def _one_resident(client: httpx.AsyncClient, n: int) -> list[int]:
    phone = f"+39340{5000000 + n}"
    statuses = []
    for body in ({"text": "pacco oggi"}, {"choice": "confirm"}):
        message_id = uuid.uuid4().hex
        for _ in range(2):  # every message is delivered twice, as webhooks may be
            response = await client.post(
                "/chat/api/messages", json={"address": phone, "message_id": message_id, **body}
            )
            statuses.append(response.status_code)
    return statuses


async def _wait_for_replies(client: httpx.AsyncClient, phone: str, count: int) -> list[str]:
    for _ in range(200):
        response = await client.get("/chat/api/messages", headers={"X-Chat-Address": phone})
        texts = [m["text"] for m in response.json()["messages"]]
        if len(texts) >= count:
            return texts
        await asyncio.sleep(0.05)
    return texts


async def test_concurrent_residents(live_server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=live_server.base_url, timeout=30) as client:
        results = await asyncio.gather(*(_one_resident(client, n) for n in range(PEOPLE)))
        assert all(status == 202 for statuses in results for status in statuses), results
        # Three operators of three tasks each take nine; the coordinator hears of the rest.
        offered = []
        for operator in ("+393331000001", "+393331000002", "+393331000003"):
            offered += await _wait_for_replies(client, operator, 3)
        waiting = await _wait_for_replies(client, "+393331000009", PEOPLE - 9)
        numbers = sorted(
            int(t.split(" · ")[0].split("n. ")[1]) for t in offered if t.startswith("Nuova")
        ) + sorted(int(t.split("n. ")[1].split(" ")[0]) for t in waiting)
        assert sorted(numbers) == list(range(1, PEOPLE + 1)), "each request once, none lost"
        for n in range(PEOPLE):
            texts = await _wait_for_replies(client, f"+39340{5000000 + n}", 2)
            assert texts[0].startswith("Ho capito: Ritiro pacchi")
            assert texts[1].startswith("Richiesta registrata")
            assert len(texts) in (2, 3) and all("in coda" in t for t in texts[2:])
