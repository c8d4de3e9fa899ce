"""What a series tells its requester, in their language, once per event (the outbox's key)."""

from __future__ import annotations

from typing import Any

from concierge.context import DomainContext
from concierge.i18n import format_day, t
from concierge.intake.readback import describe_series
from concierge.messages import Reply
from concierge.requests.notifications import language_of, tell_person
from concierge.standing.orders import StandingOrder
from concierge.standing.schedule import DAY_CODES


def order_language(ctx: DomainContext, order: StandingOrder) -> str:
    """The language the series' requester reads."""
    return language_of(ctx, order.requester)


def order_name(ctx: DomainContext, order: StandingOrder, language: str | None = None) -> str:
    """ "serie n. 3 (Stireria, «camicie»)": how a series is named to people."""
    lang = language or order_language(ctx, order)
    details = f", «{order.details}»" if order.details else ""
    return t(lang, "standing.name", id=order.id, service=order.service.name(lang), details=details)


async def tell_requester(
    ctx: DomainContext, order: StandingOrder, key: str, dedupe_key: str, **params: Any
) -> None:
    """Queue a catalogue text about a series to its requester, on the channel they asked on."""
    lang = order_language(ctx, order)
    text = t(lang, key, series=order_name(ctx, order, lang), **params)
    await tell_person(
        ctx, order.requester, order.channel, Reply(text=text), dedupe_key,
        cooperative_id=order.cooperative_id,
    )  # fmt: skip


def series_words(order: StandingOrder, language: str) -> str:
    """How often the series comes back, from when and to when, in words ("ogni martedì,
    a partire da martedì 24 novembre")."""
    rule = order.schedule
    series: dict[str, object] = {
        "freq": rule.freq, "days": [DAY_CODES[day] for day in rule.days],
        "interval": rule.interval, "time": order.at_time,
    }  # fmt: skip
    return describe_series(series, format_day(rule.anchor, language), rule.until, language)
