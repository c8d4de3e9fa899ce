"""A provider's pace: so many sends a second overall, and so many to one address (a Telegram
chat), measured the way the provider sees them.

Overall, sends are spaced evenly (a token bucket holding one token): a provider that allows a
burst of N a second is never pushed to the edge of it, so the jitter of a loaded machine does
not turn into 429s. For one address, the next send starts one interval after the previous one
*ended*: the provider received the previous one before it answered, so however late a request
travels the two arrive at least one interval apart. The lane asks which addresses are resting
and takes other rows meanwhile, instead of holding a slot while an address cools down.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Collection
from contextlib import asynccontextmanager
from typing import Protocol, runtime_checkable


@runtime_checkable
class Paced(Protocol):
    """A channel sender that keeps a pace per address and can say which addresses rest now."""

    def resting(self) -> Collection[str]:
        """Addresses that cannot be sent to now (sending, or cooling down after a send)."""
        ...


class Pace:
    """At most `overall` sends a second, and `per_address` a second to any one address."""

    def __init__(
        self,
        overall: float,
        per_address: float | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._interval = 1.0 / overall
        self._gap = 1.0 / per_address if per_address else 0.0
        self._now = monotonic
        self._next_start = 0.0  # when the next send may start, for any address
        self._free_at: dict[str, float] = {}  # when an address may be sent to again
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}  # sends holding or waiting for an address's lock

    @asynccontextmanager
    async def turn(self, address: str | None = None) -> AsyncIterator[None]:
        """Wait until one send to `address` may start; the address rests from its end. With
        no address only the overall pace is kept, and sends may overlap."""
        if address is None:
            await self._overall()
            yield
            return
        self._users[address] = self._users.get(address, 0) + 1
        lock = self._locks.setdefault(address, asyncio.Lock())
        try:
            async with lock:
                await asyncio.sleep(max(0.0, self._free_at.get(address, 0.0) - self._now()))
                await self._overall()
                try:
                    yield
                finally:
                    self._free_at[address] = self._now() + self._gap
        finally:
            self._users[address] -= 1
            if not self._users[address]:
                del self._users[address], self._locks[address]

    async def _overall(self) -> None:
        # A reservation: each send takes the next free moment, so waiting sends keep order.
        now = self._now()
        start = max(now, self._next_start)
        self._next_start = start + self._interval
        await asyncio.sleep(start - now)

    def hold(self, address: str | None, seconds: float) -> None:
        """The provider asked to wait (a 429's retry_after) before sending there again (no
        address: before sending at all)."""
        if address is None:
            self._next_start = max(self._next_start, self._now() + seconds)
            return
        self._free_at[address] = max(self._free_at.get(address, 0.0), self._now() + seconds)

    def resting(self) -> set[str]:
        """Addresses in use or cooling down now; forgets those that have cooled down."""
        now = self._now()
        self._free_at = {a: at for a, at in self._free_at.items() if at > now}
        return set(self._free_at) | set(self._users)
