"""The solidarity fund in aggregate: what it holds, what purchases gave it and what it granted
in a month. Never who was granted what: member companies and HR read these totals only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from concierge.context import DomainContext
from concierge.welfare.ledger import FUND, Entry, Movement, MovementKind, balance


@dataclass(frozen=True)
class FundSummary:
    """The fund's balance at the end of a period, and its movements within it, in cents."""

    balance_cents: int
    contributions_cents: int
    grants: int
    granted_cents: int


async def fund_summary(ctx: DomainContext, start: datetime, end: datetime) -> FundSummary:
    """The fund between two moments: contributions (net of refunds), grants (net of refunded
    ones) and the balance at `end`."""
    rows = await ctx.session.execute(
        select(Movement.kind, Entry.amount_cents)
        .join(Entry)
        .where(Entry.account == FUND, Movement.at >= start, Movement.at < end)
    )
    contributions = granted = grants = 0
    for kind, amount in rows.all():
        # A refund reverses either side; its sign says which (a grant's refund puts money back).
        if kind == MovementKind.FUND_GRANT or (kind == MovementKind.REFUND and amount > 0):
            granted -= int(amount)
            grants += 1 if kind == MovementKind.FUND_GRANT else -1
        else:
            contributions += int(amount)
    return FundSummary(
        balance_cents=await balance(ctx, FUND, end), contributions_cents=contributions,
        grants=grants, granted_cents=granted,
    )  # fmt: skip
