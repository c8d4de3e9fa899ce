"""Credits expire at the plan's end: the daily round (a durable timer) warns the workers two
weeks before, once, of the credit they still hold, and gives it back to the company after the
last day; the worker reads it by chat."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from concierge.jobs.dispatch import fire_timer
from concierge.messages import IdentityKind
from concierge.people.person import find_person
from concierge.timers import TimerKind, pending_timer
from concierge.welfare.companies import company_with_code
from concierge.welfare.expiry import plan_credit_round
from concierge.welfare.ledger import balance, company_account, credit_account
from tests.conftest import Domain
from tests.transcript import Speaker

ROME = ZoneInfo("Europe/Rome")
LUCA = "+393402000003"


async def _round_at(domain: Domain, day: datetime) -> None:
    """The scheduler at 9:00 of a day: the pending round is due (planned the day before, or
    overdue since the last look) and fires; the next is planned after it."""
    domain.clock.set(day.replace(hour=8))
    async with domain.unit() as ctx:
        await plan_credit_round(ctx)  # what the scheduler's periodic round does
    domain.clock.set(day.replace(hour=9))
    async with domain.unit() as ctx:
        timer = await pending_timer(ctx, TimerKind.CREDIT_ROUND)
        assert timer is not None and timer.due_at <= ctx.now()
        assert await fire_timer(ctx, timer.id)
        following = await pending_timer(ctx, TimerKind.CREDIT_ROUND)
        assert following is not None and following.due_at == day.replace(hour=9) + timedelta(1)


async def _left(domain: Domain) -> tuple[int, int]:
    """Luca's credit and what Acme holds back."""
    async with domain.unit() as ctx:
        company = await company_with_code(ctx, "ACME")
        [plan] = company.plans
        luca = await find_person(ctx.session, IdentityKind.PHONE, LUCA)
        assert luca is not None
        return (
            await balance(ctx, credit_account(plan.id, luca.id)),
            await balance(ctx, company_account(company.id)),
        )


async def test_a_notice_two_weeks_before_then_the_credit_expires(demo_domain: Domain) -> None:
    luca = Speaker(demo_domain, LUCA)
    await _round_at(demo_domain, datetime(2026, 12, 10, tzinfo=ROME))
    assert await luca.inbox() == []  # three weeks before: nothing yet
    await _round_at(demo_domain, datetime(2026, 12, 17, tzinfo=ROME))
    assert await luca.inbox() == [
        "Promemoria: hai ancora 472,55\xa0€ di credito welfare (Welfare 2026), valido fino a "
        "giovedì 31 dicembre. Quello che resta dopo quel giorno scade."
    ]
    await _round_at(demo_domain, datetime(2026, 12, 18, tzinfo=ROME))
    assert await luca.inbox() == []  # once per plan
    credit, held = await _left(demo_domain)
    assert credit == 47255
    await _round_at(demo_domain, datetime(2026, 12, 31, tzinfo=ROME))
    assert (await _left(demo_domain))[0] == 47255  # the last day still counts
    await _round_at(demo_domain, datetime(2027, 1, 1, tzinfo=ROME))
    # Acme gets back what Luca (472,55 €) and Emma (451,20 €) left.
    assert await _left(demo_domain) == (0, held + 47255 + 45120)
