""" "Telefonate a mia madre tutti i giorni alle 10" is no errand to repeat: it is a daily check-in
of someone else, which a coordinator sets up only once the family agrees. The ask becomes a
proposed check-in plan (every day, the hour asked for, whom they named, the number if they wrote
one) for the coordinators to confirm, not a standing order."""

from __future__ import annotations

import re
from datetime import time

from concierge.checkins.plans import CheckinPlan
from concierge.checkins.proposals import pending_proposal, propose_plan
from concierge.context import DomainContext
from concierge.intake.due_dates import extract_when
from concierge.intake.recurrence import extract_recurrence
from concierge.intake.words import fold
from concierge.messages import Channel
from concierge.people.person import Person, phone_or_none

_CALL = re.compile(r"\b(?:telefon\w*|chiam\w*|call|calls|phone|ring)\b")
_RELATIVE = re.compile(
    r"\b(?:mia|mio|my)\s+(?:madre|mamma|padre|papa|nonna|nonno|zia|zio|mum|mom|mother|dad|"
    r"father|grandma|grandmother|grandpa|grandfather|gran|nan|aunt|uncle)\b"
)
_PHONE = re.compile(r"\+?\d[\d\s./-]{6,16}\d")


def daily_call_asked(text: str) -> bool:
    """Whether a message asks for someone close to be called every day."""
    folded = fold(text)
    series = extract_recurrence(folded)
    return (
        series is not None
        and series.recurrence.freq == "daily"
        and bool(_CALL.search(folded))
        and bool(_RELATIVE.search(folded))
    )


def asked_hour(ctx: DomainContext, text: str, language: str) -> time | None:
    """The hour of the call the message names, if any."""
    found = extract_when(text, ctx.now(), ctx.zone, language)
    return found.when.at if found is not None else None


def named_relative(text: str) -> str:
    """Whom the requester named, in their words ("mia madre", "my mum")."""
    found = _RELATIVE.search(fold(text))
    return found.group(0) if found else ""


def written_phone(ctx: DomainContext, text: str) -> str:
    """The phone number written in the message, if any (E.164), else ""."""
    for found in _PHONE.finditer(text):
        phone = phone_or_none(re.sub(r"[\s./-]", "", found.group(0)), ctx.settings.default_region)
        if phone is not None:
            return phone
    return ""


async def propose_checkin(
    ctx: DomainContext, person: Person, channel: Channel, text: str, language: str
) -> tuple[CheckinPlan, bool]:
    """A proposed daily check-in plan for the coordinators to confirm with the family, and
    whether it is new: the same ask while the first still waits returns that one, unfiled,
    taking the new hour if the ask names another (the coordinator reads both words)."""
    label, phone = named_relative(text), written_phone(ctx, text)
    waiting = await pending_proposal(ctx, person, label, phone)
    at = asked_hour(ctx, text, language)
    if waiting is not None:
        if at is not None and at.strftime("%H:%M") != waiting.at_time:
            waiting.at_time = at.strftime("%H:%M")
            waiting.proposal_text = f"{waiting.proposal_text}\n{text.strip()}"
        return waiting, False
    return await propose_plan(ctx, person, channel, text, label, at, phone=phone), True
