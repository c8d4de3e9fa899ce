"""Wrong passwords slow the guesser down, where they guess from; nobody is locked out.

Failures are counted per username and client address, and per address overall, in the
database so that every process of a cluster counts the same guesses. Past a few free mistakes
each further one makes that key wait twice as long (up to a cap) before it may try again; the
right password from another address is never refused on account of someone else's guesses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, String, case, delete, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from concierge.context import DomainContext
from concierge.database import Base, UTCDateTime


@dataclass(frozen=True)
class Allowance:
    """How many wrong passwords a key may make for free, before each one makes it wait."""

    free: int
    first_wait: timedelta


# A person mistyping is not slowed; a guesser soon waits minutes between tries.
PER_USERNAME_AND_ADDRESS = Allowance(free=5, first_wait=timedelta(seconds=30))
# An office behind one address shares this; spraying one password over many names hits it.
PER_ADDRESS = Allowance(free=20, first_wait=timedelta(seconds=30))
LONGEST_WAIT = timedelta(minutes=15)
# Failures older than this are forgotten: the count starts again.
MEMORY = timedelta(hours=1)


class LoginFailures(Base):
    """Recent wrong passwords of one key ("user:<name>@<address>" or "address:<address>")."""

    __tablename__ = "login_failures"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    wait_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


def throttle_keys(username: str, address: str) -> dict[str, Allowance]:
    """The keys a log-in attempt is counted under, with what each allows."""
    name, where = username.strip().lower()[:60], address[:100]
    return {f"user:{name}@{where}": PER_USERNAME_AND_ADDRESS, f"address:{where}": PER_ADDRESS}


def wait_after(failures: int, allowance: Allowance) -> timedelta:
    """How long a key waits after its `failures`-th recent wrong password."""
    extra = failures - allowance.free
    if extra < 0:
        return timedelta(0)
    return min(allowance.first_wait * (1 << min(extra, 20)), LONGEST_WAIT)


async def admit(ctx: DomainContext, keys: dict[str, Allowance]) -> int:
    """Count this attempt as a miss under each key before its password is checked, and say how
    many seconds it must wait first (0: go ahead). Counting up front, with the key's row locked
    by the write, keeps parallel guesses from slipping through together; `forgive` takes the
    count back when the password is right. Commit before checking the password."""
    now = ctx.now()
    stale = now - MEMORY
    insert = pg_insert if ctx.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    resting = LoginFailures.wait_until > now  # NULL (no wait) is not resting
    waits = [timedelta(0)]
    for key, allowance in keys.items():
        counted = (
            insert(LoginFailures)
            .values(key=key, failures=1, last_failure_at=now)
            .on_conflict_do_update(
                index_elements=[LoginFailures.key],
                set_={
                    # A resting key's refused tries add nothing; a count older than MEMORY
                    # starts again rather than growing forever.
                    "failures": case(
                        (resting, LoginFailures.failures),
                        (LoginFailures.last_failure_at < stale, 1),
                        else_=LoginFailures.failures + 1,
                    ),
                    "last_failure_at": case((resting, LoginFailures.last_failure_at), else_=now),
                },
            )
            .returning(LoginFailures.failures, LoginFailures.wait_until)
        )
        failures, until = (await ctx.session.execute(counted)).one()
        if until is not None and until > now:
            waits.append(until - now)
            continue
        wait = wait_after(int(failures), allowance)
        await ctx.session.execute(
            update(LoginFailures)
            .where(LoginFailures.key == key)
            .values(wait_until=now + wait if wait else None)
        )
    await ctx.session.execute(delete(LoginFailures).where(LoginFailures.last_failure_at < stale))
    return math.ceil(max(waits).total_seconds())


async def forgive(ctx: DomainContext, keys: dict[str, Allowance]) -> None:
    """The right password: that name from that address starts afresh, and the address's count
    loses the miss `admit` counted for this attempt (it was no guess)."""
    user_key, address_key = keys
    await ctx.session.execute(delete(LoginFailures).where(LoginFailures.key == user_key))
    await ctx.session.execute(
        update(LoginFailures)
        .where(LoginFailures.key == address_key, LoginFailures.failures > 0)
        .values(failures=LoginFailures.failures - 1, wait_until=None)
    )
