"""The request lifecycle as one table of allowed transitions, and who can cause them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RequestStatus(StrEnum):
    """Where a request is in its life."""

    NEW = "new"
    QUEUED = "queued"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"
    FAILED = "failed"


S = RequestStatus

# The whole lifecycle. Decline or offer time-out sends an offered request back to the queue, and
# a coordinator reassigning a taken request sends it back there too, on its way to someone else;
# cancelled and failed are exits from any live state; done, cancelled and failed are final.
TRANSITIONS: dict[RequestStatus, frozenset[RequestStatus]] = {
    S.NEW: frozenset({S.QUEUED, S.CANCELLED}),
    S.QUEUED: frozenset({S.OFFERED, S.CANCELLED, S.FAILED}),
    S.OFFERED: frozenset({S.ACCEPTED, S.QUEUED, S.CANCELLED, S.FAILED}),
    S.ACCEPTED: frozenset({S.IN_PROGRESS, S.QUEUED, S.CANCELLED, S.FAILED}),
    S.IN_PROGRESS: frozenset({S.DONE, S.QUEUED, S.CANCELLED, S.FAILED}),
    S.DONE: frozenset(),
    S.CANCELLED: frozenset(),
    S.FAILED: frozenset(),
}

OPEN_STATUSES = frozenset(s for s, targets in TRANSITIONS.items() if targets)


def is_allowed(current: RequestStatus, target: RequestStatus) -> bool:
    """Whether the lifecycle table allows going from `current` to `target`."""
    return target in TRANSITIONS[current]


@dataclass(frozen=True)
class Actor:
    """Who caused a change: a person, an operator, a coordinator or the system itself."""

    kind: str
    id: int | None = None

    @classmethod
    def person(cls, person_id: int) -> Actor:
        """A resident or worker acting on their own request."""
        return cls("person", person_id)

    @classmethod
    def operator(cls, operator_id: int) -> Actor:
        """An operator acting on a task."""
        return cls("operator", operator_id)

    @classmethod
    def coordinator(cls, coordinator_id: int) -> Actor:
        """A coordinator steering the queue."""
        return cls("coordinator", coordinator_id)

    @classmethod
    def user(cls, user_id: int) -> Actor:
        """Someone acting from the dashboard (a coordinator, an admin, an operator)."""
        return cls("user", user_id)


SYSTEM = Actor("system")
