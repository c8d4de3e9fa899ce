"""Staff at the dashboard over plain HTTP, as a browser without scripts would be, and a second
cooperative to check that nobody sees what is not theirs."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import httpx

from bot.runtime import Runtime
from concierge.clock import ManualClock
from concierge.context import DomainContext
from concierge.demo import DEMO_PASSWORD
from concierge.messages import Channel, IdentityKind
from concierge.people.person import find_person
from concierge.requests.request import create_request
from concierge.routing.assignment import dispatch_queue
from concierge.team.operators import Cooperative
from concierge.team.users import Role, UserInput, add_user
from tests.conftest import make_settings

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
OTHER_COOPERATIVE = "Cooperativa Aurora"
OTHER_COORDINATOR = "aurora.coord"
T = TypeVar("T")


@dataclass
class Staff:
    """One logged-in (or not yet) member of staff with their own cookies."""

    client: httpx.Client

    def token(self, path: str = "/dashboard/login") -> str:
        """The CSRF token a page of the dashboard carries."""
        page = self.client.get(path)
        found = _TOKEN.search(page.text)
        assert found, f"no CSRF token on {path} ({page.status_code})"
        return found.group(1)

    def log_in(self, username: str, password: str = DEMO_PASSWORD) -> httpx.Response:
        """Fill the log-in form and send it."""
        return self.client.post(
            "/dashboard/login",
            data={"username": username, "password": password, "csrf_token": self.token()},
        )

    def submit(self, path: str, data: dict[str, str], page: str = "/dashboard") -> httpx.Response:
        """Send a form as the page `page` would (with its CSRF token)."""
        return self.client.post(path, data={**data, "csrf_token": self.token(page)})


def staff(base_url: str) -> Staff:
    """A member of staff with a fresh cookie jar."""
    return Staff(httpx.Client(base_url=base_url, timeout=10, follow_redirects=False))


def other_cooperative_request(url: str, clock: ManualClock) -> int:
    """A second cooperative with its coordinator, and a request of theirs (its number)."""

    async def work(ctx: DomainContext) -> int:
        aurora = Cooperative(name=OTHER_COOPERATIVE)
        ctx.session.add(aurora)
        await ctx.session.flush()
        await add_user(
            ctx,
            UserInput(
                username=OTHER_COORDINATOR, password="aurora-secret", role=Role.COORDINATOR,
                cooperative=OTHER_COOPERATIVE,
            ),
        )  # fmt: skip
        emma = await find_person(ctx.session, IdentityKind.PHONE, "+393402000004")
        assert emma is not None
        request = await create_request(ctx, emma, "ironing", "6 camicie", Channel.WEBCHAT)
        request.cooperative_id = aurora.id  # Aurora serves Emma's part of town
        return request.id

    return in_unit(url, clock, work)


Work = Callable[[DomainContext], Awaitable[T]]


async def _in_unit(
    url: str, clock: ManualClock, work: Callable[[DomainContext], Awaitable[T]]
) -> T:
    runtime = Runtime.create(make_settings(url), clock)
    try:
        async with runtime.unit() as ctx:
            return await work(ctx)
    finally:
        await runtime.close()


def in_unit(url: str, clock: ManualClock, work: Work[T]) -> T:
    """Domain work on the served database, from outside the service (test set-up and checks).

    It runs on a thread of its own: a test driving Playwright has an event loop running here."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, _in_unit(url, clock, work)).result()


def offered_request(url: str, clock: ManualClock, phone: str, service: str, details: str) -> int:
    """A resident's confirmed request, offered to the first operator on duty (its number)."""

    async def work(ctx: DomainContext) -> int:
        person = await find_person(ctx.session, IdentityKind.PHONE, phone)
        assert person is not None
        request = await create_request(ctx, person, service, details, Channel.WEBCHAT)
        await dispatch_queue(ctx)
        return request.id

    return in_unit(url, clock, work)
