"""Wrong passwords slow the guesser down, where they guess from; nobody is locked out.

Failures are counted per username and client address, and per address overall, in the
database so that every process of a cluster counts the same guesses. Past a few free mistakes
each further one makes that key wait twice as long (up to a cap) before it may try again; the
right password from another address is never refused on account of someone else's guesses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, String, case, delete, select, update
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


async def seconds_to_wait(ctx: DomainContext, keys: dict[str, Allowance]) -> int:
    """Seconds before these keys may try again (0: now)."""
    now = ctx.now()
    rows = await ctx.session.scalars(
        select(LoginFailures.wait_until).where(LoginFailures.key.in_(keys))
    )
    waits = [(until - now).total_seconds() for until in rows if until is not None and until > now]
    return int(max(waits, default=0) + 0.999)


async def record_failure(ctx: DomainContext, keys: dict[str, Allowance]) -> None:
    """Count one wrong password under each key, atomically across processes."""
    now = ctx.now()
    stale = now - MEMORY
    insert = pg_insert if ctx.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    for key, allowance in keys.items():
        counted = (
            insert(LoginFailures)
            .values(key=key, failures=1, last_failure_at=now)
            .on_conflict_do_update(
                index_elements=[LoginFailures.key],
                set_={
                    # A count older than MEMORY starts again rather than growing forever.
                    "failures": case(
                        (LoginFailures.last_failure_at < stale, 1),
                        else_=LoginFailures.failures + 1,
                    ),
                    "last_failure_at": now,
                },
            )
            .returning(LoginFailures.failures)
        )
        failures = int((await ctx.session.execute(counted)).scalar_one())
        wait = wait_after(failures, allowance)
        await ctx.session.execute(
            update(LoginFailures)
            .where(LoginFailures.key == key)
            .values(wait_until=now + wait if wait else None)
        )
    await ctx.session.execute(delete(LoginFailures).where(LoginFailures.last_failure_at < stale))


async def forget_failures(ctx: DomainContext, username: str, address: str) -> None:
    """The right password clears the count of that name from that address."""
    user_key = next(iter(throttle_keys(username, address)))
    await ctx.session.execute(delete(LoginFailures).where(LoginFailures.key == user_key))
