""" "Telefonate a mia madre tutti i giorni alle 10" is no errand to repeat: it is a daily check-in
of someone else, which a coordinator sets up only once the family agrees. The ask becomes a
request for the coordinators (a proposed plan, with the hour asked for), not a standing order."""

from __future__ import annotations

import re
from datetime import time

from concierge.context import DomainContext
from concierge.i18n import t
from concierge.intake.catalogue import Service
from concierge.intake.due_dates import extract_when
from concierge.intake.recurrence import extract_recurrence
from concierge.intake.words import fold
from concierge.messages import Channel
from concierge.people.person import Person
from concierge.requests.notifications import tell_coordinators
from concierge.requests.request import ServiceRequest, create_request

CHECKIN_SERVICES = ("elder_checkin", "other")
_CALL = re.compile(r"\b(?:telefon\w*|chiam\w*|call|calls|phone|ring)\b")
_RELATIVE = re.compile(
    r"\b(?:mia|mio|my)\s+(?:madre|mamma|padre|papa|nonna|nonno|zia|zio|mum|mom|mother|dad|"
    r"father|grandma|grandmother|grandpa|grandfather|gran|nan|aunt|uncle)\b"
)


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


async def propose_checkin(
    ctx: DomainContext, person: Person, channel: Channel, text: str, language: str
) -> ServiceRequest:
    """A proposed daily check-in for the coordinators to confirm with the family."""
    session = ctx.session
    services = [await session.get(Service, code) for code in CHECKIN_SERVICES]
    code = next((s.code for s in services if s is not None and s.active), "other")
    at = asked_hour(ctx, text, language)
    lang = ctx.default_language  # the coordinators read it
    hour = t(lang, "standing.checkin_at", time=at.strftime("%H:%M")) if at else ""
    details = t(lang, "standing.checkin_details", hour=hour, text=text.strip())
    # The service opens it for them: their own reply says what happens, not "registered".
    request = await create_request(ctx, person, code, details, channel, by_service=True)
    await tell_coordinators(
        ctx, "standing.checkin_staff", request, f"standing:checkin:{request.id}"
    )
    return request
