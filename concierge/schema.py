"""Every table of the service, gathered so migrations and tests see the whole schema."""

from __future__ import annotations

from sqlalchemy import MetaData

from concierge import (
    catalogue,
    conversations,
    coordinators,
    operators,
    outbox,
    people,
    requests,
    routing,
    timers,
)
from concierge.database import Base

MODEL_MODULES = (
    catalogue,
    conversations,
    coordinators,
    operators,
    outbox,
    people,
    requests,
    routing,
    timers,
)


def metadata() -> MetaData:
    """The metadata of all tables."""
    return Base.metadata
