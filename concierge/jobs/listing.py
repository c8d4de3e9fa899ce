"""Pending timers described for the people who run the service (`concierge jobs`).

Read with SQLAlchemy Core on a plain connection, not the ORM: the command then starts without
importing the ORM and mapping every model (issue 20, target 7). The timers' columns are their
one definition (concierge.timer_table); the few columns read of other tables are named below,
and tests/test_jobs_listing.py checks each against the mapped models."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, and_, column, select, table

from concierge.i18n import t
from concierge.people.names import display_name
from concierge.timer_table import TIMERS, TimerKind, TimerStatus

# The columns read of other tables (each checked against the mapped model by the tests).
REQUESTS = table("requests", column("id"), column("service_code"), column("requester_id"),
                 column("operator_id"))  # fmt: skip
OPERATORS = table("operators", column("id"), column("person_id"))
CHECKIN_PLANS = table("checkin_plans", column("id"), column("person_id"))
CHECKIN_ROUNDS = table("checkin_rounds", column("id"), column("plan_id"))
STANDING_ORDERS = table("standing_orders", column("id"), column("requester_id"))
PEOPLE = table("people", column("id"), column("first_name"), column("last_name"))
IDENTITIES = table("channel_identities", column("id"), column("person_id"), column("kind"),
                   column("address"))  # fmt: skip
READ_TABLES = (REQUESTS, OPERATORS, CHECKIN_PLANS, CHECKIN_ROUNDS, STANDING_ORDERS, PEOPLE,
               IDENTITIES)  # fmt: skip

# Whom a timer without a person of its own is for.
GROUPS = {
    TimerKind.OVERDUE: "coordinators",
    TimerKind.DAILY_DIGEST: "coordinators",
    TimerKind.SHIFT_START: "operators_starting",
}
# The kinds whose subject is someone's: the person it is about is read through the subject.
_BY_SUBJECT = (
    TimerKind.OFFER_TIMEOUT,
    TimerKind.CHECKIN,
    TimerKind.CHECKIN_RETRY,
    TimerKind.STANDING_ORDER,
)
_PEOPLE_AT_ONCE = 500  # ids in one `IN (…)`: well under SQLite's bound parameters


def _pending_with_subjects(connection: Connection) -> list[dict[str, object]]:
    """Pending timers, soonest first, each with its request and the person ids it may be for:
    an offer's operator, a check-in plan's or round's resident, a standing order's requester,
    the request's requester and its operator."""
    timer, request = TIMERS.c, REQUESTS.alias("request")
    task_op, offer_op = OPERATORS.alias("task_operator"), OPERATORS.alias("offer_operator")
    plan, round_ = CHECKIN_PLANS.alias("plan"), CHECKIN_ROUNDS.alias("round")
    round_plan, order = CHECKIN_PLANS.alias("round_plan"), STANDING_ORDERS.alias("standing")

    def subject(kind: TimerKind, subject_id: ColumnElement[Any]) -> ColumnElement[bool]:
        return and_(timer.kind == kind, timer.subject_id == subject_id)

    query = (
        select(
            timer.kind,
            timer.subject_id,
            timer.due_at,
            request.c.id.label("request_id"),
            request.c.service_code,
            request.c.requester_id,
            task_op.c.person_id.label("task_operator"),
            offer_op.c.person_id.label(TimerKind.OFFER_TIMEOUT),
            plan.c.person_id.label(TimerKind.CHECKIN),
            round_plan.c.person_id.label(TimerKind.CHECKIN_RETRY),
            order.c.requester_id.label(TimerKind.STANDING_ORDER),
        )
        .select_from(TIMERS)
        .outerjoin(request, request.c.id == timer.request_id)
        .outerjoin(task_op, task_op.c.id == request.c.operator_id)
        .outerjoin(offer_op, subject(TimerKind.OFFER_TIMEOUT, offer_op.c.id))
        .outerjoin(plan, subject(TimerKind.CHECKIN, plan.c.id))
        .outerjoin(round_, subject(TimerKind.CHECKIN_RETRY, round_.c.id))
        .outerjoin(round_plan, round_plan.c.id == round_.c.plan_id)
        .outerjoin(order, subject(TimerKind.STANDING_ORDER, order.c.id))
        .where(timer.status == TimerStatus.PENDING)
        .order_by(timer.due_at, timer.id)
    )
    return [dict(row) for row in connection.execute(query).mappings()]


def _whom_id(row: dict[str, object]) -> int | None:
    """The person a timer is about, by what its subject is for its kind (None: nobody's)."""
    kind = row["kind"]
    if kind in _BY_SUBJECT and row["subject_id"] is not None:
        return row[str(kind)]  # type: ignore[return-value]
    if row["request_id"] is not None and kind in (TimerKind.FOLLOW_UP, TimerKind.FOLLOW_UP_CLOSE):
        return row["requester_id"]  # type: ignore[return-value]
    return row["task_operator"]  # type: ignore[return-value]  # a reminder: the task's operator


def _names(connection: Connection, ids: Iterable[int]) -> dict[int, str]:
    """The display names of these people (concierge.people.names: the mapped Person's rule)."""
    wanted = sorted(set(ids))
    names: dict[int, str] = {}
    for start in range(0, len(wanted), _PEOPLE_AT_ONCE):
        chunk = wanted[start : start + _PEOPLE_AT_ONCE]
        people = connection.execute(select(PEOPLE).where(PEOPLE.c.id.in_(chunk))).all()
        unnamed = [p.id for p in people if not f"{p.first_name} {p.last_name}".strip()]
        identities: dict[int, list[tuple[str, str]]] = {}
        if unnamed:
            found = select(IDENTITIES.c.person_id, IDENTITIES.c.kind, IDENTITIES.c.address)
            in_order = found.where(IDENTITIES.c.person_id.in_(unnamed)).order_by(IDENTITIES.c.id)
            for person_id, kind, address in connection.execute(in_order):
                identities.setdefault(person_id, []).append((kind, address))
        for p in people:
            names[p.id] = display_name(p.id, p.first_name, p.last_name, identities.get(p.id, ()))
    return names


def describe_pending(connection: Connection, zone: ZoneInfo, lang: str) -> list[dict[str, str]]:
    """Pending timers, soonest first: when (local time), what, which request, for whom (in
    `lang`)."""
    timers = _pending_with_subjects(connection)
    whom_ids = [_whom_id(row) for row in timers]
    names = _names(connection, (i for i in whom_ids if i is not None))
    rows = []
    for row, whom_id in zip(timers, whom_ids, strict=True):
        kind = TimerKind(str(row["kind"]))
        whom = names.get(whom_id) if whom_id is not None else None
        if whom is None:
            group = GROUPS.get(kind)
            whom = t(lang, f"jobs.for.{group}") if group else "-"
        request_id = row["request_id"]
        due_at = row["due_at"]
        assert isinstance(due_at, datetime)
        rows.append(
            {
                "when": due_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                "what": t(lang, f"jobs.kind.{kind}"),
                "request": f"#{request_id} {row['service_code']}" if request_id else "-",
                "for": whom,
            }
        )
    return rows
