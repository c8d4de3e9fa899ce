"""Reference data kept in memory across units of work, and told apart from stale copies.

The rota (and later services, opening hours) changes rarely but is read by every routing
decision. A copy is kept per engine with the database's *reference version* it was loaded
under. Any write to a watched table (`watch`) through a session gives the version a new random
value in the same transaction, right before its commit (`reference_versions`, one row), so
every process (the service, another engine, the command line, the dashboard) sees the change
at its next unit of work: a unit reads the version once (one cheap statement) and reuses the
copy only if it matches.

A unit that changes watched data itself never uses nor stores a copy: it reads its own
uncommitted state, which may yet roll back. Writes outside a session (Core on a bare
connection) must call `bump`.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import BigInteger, Connection, Integer, Table, event, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, SessionTransaction, mapped_column

from concierge.database import Base

T = TypeVar("T")

_ROW = 1  # the one row of reference_versions
_VERSION = "concierge.reference.version"  # session.info: the version this transaction read
_WROTE = "concierge.reference.wrote"  # session.info: this transaction changed watched data
_BUMPED = "concierge.reference.bumped"  # session.info: and gave the data its new version
_WATCHED_TYPES: set[type[Any]] = set()
_WATCHED_TABLES: set[Table] = set()


class ReferenceVersion(Base):
    """The version of the reference data: a new random value at every change (random, not
    counted, so a database emptied and refilled never repeats a version a cache holds)."""

    __tablename__ = "reference_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[int] = mapped_column(BigInteger)


def watch(*models: type[Any]) -> None:
    """Count writes to these mapped classes as changes of the reference data."""
    for model in models:
        _WATCHED_TYPES.add(model)
        _WATCHED_TABLES.add(model.__table__)


def _holds_changes(session: Session) -> bool:
    return any(
        isinstance(instance, tuple(_WATCHED_TYPES))
        for changed in (session.new, session.dirty, session.deleted)
        for instance in changed
    )


def bump(connection: Connection) -> None:
    """Give the reference data a new version, in the connection's transaction (inserting the
    row when an emptied database lacks it)."""
    token = secrets.randbits(62)
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    connection.execute(
        insert(ReferenceVersion)
        .values(id=_ROW, token=token)
        .on_conflict_do_update(index_elements=["id"], set_={"token": token})
    )


@event.listens_for(Session, "after_flush")
def _note_flushed_change(session: Session, _context: object) -> None:
    if _WATCHED_TYPES and _holds_changes(session):
        session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_write(state: ORMExecuteState) -> None:
    """ORM-enabled insert(), update() and delete() statements bypass the flush."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if table is not None and table in _WATCHED_TABLES:
        state.session.info[_WROTE] = True


@event.listens_for(Session, "before_commit")
def _version_the_change(session: Session) -> None:
    """The new version is written last, right before the commit, after every other row: on
    PostgreSQL its lock is then held for no other statement, so two transactions changing the
    rota cannot deadlock on it."""
    if session.info.get(_BUMPED) or session.in_nested_transaction():
        return  # a savepoint's release fires this too: the version goes with the outer commit
    if session.info.get(_WROTE) or (_WATCHED_TYPES and _holds_changes(session)):
        session.flush()
        bump(session.connection())
        session.info[_WROTE] = session.info[_BUMPED] = True


@event.listens_for(Session, "after_transaction_end")
def _forget_transaction(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the whole transaction, not a savepoint, is over
        for key in (_VERSION, _WROTE, _BUMPED):
            session.info.pop(key, None)


async def version(session: AsyncSession) -> int | None:
    """The reference version this transaction sees (read once per transaction); None when the
    row is missing (an emptied database before its first change: nothing is cached)."""
    if _VERSION not in session.info:
        session.info[_VERSION] = await session.scalar(
            select(ReferenceVersion.token).where(ReferenceVersion.id == _ROW)
        )
    found: int | None = session.info[_VERSION]
    return found


def changes_reference(session: AsyncSession) -> bool:
    """Whether this transaction has changed, or holds unsaved changes to, watched data."""
    return bool(session.info.get(_WROTE)) or _holds_changes(session.sync_session)


class ReferenceCache(Generic[T]):
    """One kind of reference data, loaded by `load` (which must read only watched tables and
    return data shared between units, never ORM objects) and kept per engine."""

    def __init__(self, load: Callable[[AsyncSession], Awaitable[T]]) -> None:
        self._load = load
        self._copies: WeakKeyDictionary[Engine, tuple[int, T]] = WeakKeyDictionary()

    async def get(self, session: AsyncSession) -> T:
        """The data as this unit of work must see it: the kept copy when its version is the
        database's, else loaded (and kept, unless the unit changed watched data)."""
        if changes_reference(session):
            return await self._load(session)
        current = await version(session)
        bind = session.sync_session.get_bind()
        engine = bind if isinstance(bind, Engine) else bind.engine
        kept = self._copies.get(engine)
        if kept is not None and current is not None and kept[0] == current:
            return kept[1]
        data = await self._load(session)
        if current is not None:
            self._copies[engine] = (current, data)
        return data

    def clear(self) -> None:
        """Forget every kept copy."""
        self._copies.clear()
