"""Every table of the service, gathered so migrations and tests see the whole schema."""

from __future__ import annotations

from sqlalchemy import MetaData

from concierge import (  # noqa: F401  (importing the modules registers their tables)
    catalogue,
    checkins,
    conversations,
    coordinators,
    offers,
    operators,
    outbox,
    people,
    request_notes,
    requests,
    rota,
    routing,
    satisfaction,
    task_reports,
    timers,
    users,
)
from concierge.database import Base

# Tables that migrations create for a library, outside our models (APScheduler's job store).
LIBRARY_TABLES = frozenset({"scheduler_jobs"})


def ours(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Alembic's filter: compare only the tables our models describe."""
    return not (type_ == "table" and name in LIBRARY_TABLES) and not (
        type_ == "index" and name is not None and name.startswith("ix_scheduler_jobs")
    )


def metadata() -> MetaData:
    """The metadata of all tables."""
    return Base.metadata
