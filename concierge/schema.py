"""Every table of the service, gathered so migrations and tests see the whole schema."""

from __future__ import annotations

from sqlalchemy import MetaData

# Importing the modules registers their tables.
from concierge import audit, dead_letters, outbox, reference, timers  # noqa: F401
from concierge.checkins import plans  # noqa: F401
from concierge.database import Base
from concierge.intake import catalogue  # noqa: F401
from concierge.noticeboard import bulletin, notices  # noqa: F401
from concierge.parcels import shelf  # noqa: F401
from concierge.people import conversations, person  # noqa: F401
from concierge.requests import notes, offers, request, satisfaction, task_reports  # noqa: F401
from concierge.routing import assignment  # noqa: F401
from concierge.standing import orders  # noqa: F401
from concierge.team import catalogue as cooperative_catalogue  # noqa: F401
from concierge.team import coordinators, login_throttle, operators, rota, users  # noqa: F401
from concierge.welfare import (  # noqa: F401
    companies,
    enrolment,
    ledger,
    prices,
    receipts,
    referrals,
    vouchers,
)

# Tables that migrations create for a library, outside our models (APScheduler's job store).
LIBRARY_TABLES = frozenset({"scheduler_jobs"})
# Indexes Alembic cannot compare (a DESC column reads back as another expression); the
# migration that makes them is checked by their use in EXPLAIN, in tests/test_outbox_scale.py.
UNCOMPARABLE_INDEXES = frozenset({"ix_outbox_due"})


def ours(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Alembic's filter: compare only the tables our models describe."""
    return not (type_ == "table" and name in LIBRARY_TABLES) and not (
        type_ == "index"
        and name is not None
        and (name.startswith("ix_scheduler_jobs") or name in UNCOMPARABLE_INDEXES)
    )


def metadata() -> MetaData:
    """The metadata of all tables."""
    return Base.metadata
