"""A half-told request (the dialogue's state) and the questions that complete it."""

from __future__ import annotations

from datetime import date, time
from typing import Literal

from pydantic import BaseModel

from concierge.i18n import format_day, format_due
from concierge.intake.catalogue import Service, get_service
from concierge.intake.due_dates import When
from concierge.intake.readback import describe_series
from concierge.intake.times_of_day import PartOfDay
from concierge.intake.understanding import FALLBACK_SERVICE, Understanding
from concierge.messages import Choice, Reply
from concierge.team.catalogue import catalogue_for
from concierge.team.operators import serving_cooperative
from concierge.welfare.quotes import quote_line
from handlers.turn import State, Turn, state_as

Step = Literal["idle", "service", "when", "details", "confirm", "change", "pick"]
DRAFT_STEPS = frozenset({"service", "when", "details", "confirm", "change", "pick"})


class IntakeState(BaseModel):
    """Where a half-told request stands; stored as the conversation's JSON state."""

    step: Step = "idle"
    guided: bool = False  # the menu path asks every question in turn
    editing: bool = False  # answering "change": back to the confirmation afterwards
    service: str | None = None
    candidates: list[str] = []
    day: date | None = None
    at: time | None = None
    part: PartOfDay | None = None
    deadline: bool = False
    details: str = ""
    urgent: bool = False
    media: list[str] = []  # photos sent while telling the request
    recurrence: dict[str, object] | None = None  # confirmed, it becomes a standing order
    until: date | None = None  # the last day of a range or a series
    also: IntakeState | None = None  # a second errand told in the same message, confirmed with it
    told_second: bool = False  # this errand came second in the message (read back in that order)

    @property
    def when(self) -> When | None:
        """The due day and hour as read, if any."""
        if self.day is None:
            return None
        return When(day=self.day, at=self.at, part=self.part, deadline=self.deadline)

    def with_when(self, when: When | None) -> IntakeState:
        """The same draft due at `when` (None: as soon as possible)."""
        if when is None:
            cleared = {"day": None, "at": None, "part": None, "recurrence": None, "until": None}
            return self.model_copy(update=cleared)
        return self.model_copy(
            update={"day": when.day, "at": when.at, "part": when.part, "deadline": when.deadline}
        )

    def dump(self) -> State:
        """The state as JSON values, for the conversation row."""
        return self.model_dump(mode="json")


def read_state(state: State) -> IntakeState:
    """The draft in a conversation's state; a fresh one when the state is not a draft."""
    return state_as(IntakeState, state) or IntakeState()


def from_understanding(reading: Understanding) -> IntakeState:
    """A draft filled with what free text said."""
    draft = IntakeState(
        service=reading.category if reading.sure else None,
        candidates=list(reading.candidates),
        details=reading.details,
        urgent=reading.urgent,
    )
    series = reading.recurrence.as_json() if reading.recurrence else None
    if reading.recurrence is not None and series is not None:
        # Which day of the month, for the standing order the confirmation makes.
        nth = reading.recurrence.nth_weekday
        series.update(
            month_day=reading.recurrence.month_day, nth_weekday=list(nth) if nth else None
        )
    return draft.with_when(reading.when).model_copy(
        update={"recurrence": series, "until": reading.until}
    )


async def service_question(turn: Turn, intro_key: str = "intake.menu", **params: str) -> Reply:
    """Every service the requester's cooperative offers, as a choice, under its names."""
    catalogue = await catalogue_for(turn.ctx.session, turn.person)
    return Reply(
        text=turn.text(intro_key, **params),
        choices=tuple(
            Choice(label=service.name(turn.language), payload=f"service:{service.code}")
            for service in catalogue.services
        ),
    )


async def service_name(turn: Turn, code: str) -> str:
    """A service's name as the requester's cooperative calls it."""
    offered = (await catalogue_for(turn.ctx.session, turn.person)).get(code)
    if offered is not None:
        return offered.name(turn.language)
    return (await get_service(turn.ctx.session, code)).name(turn.language)


async def not_offered_question(turn: Turn, code: str) -> Reply:
    """ "«Stiratura» non è offerto nella tua zona" and the menu of what is."""
    catalogue = await catalogue_for(turn.ctx.session, turn.person)
    offered = catalogue.get(code)
    if offered is not None:
        name = offered.name(turn.language)
    else:  # another cooperative's own service
        service = await turn.ctx.session.get(Service, code)
        name = service.name(turn.language) if service is not None else code
    key = "intake.not_offered_zone" if catalogue.cooperative_id else "intake.not_offered"
    return await service_question(turn, key, service=name)


async def candidates_question(turn: Turn, candidates: list[str]) -> Reply:
    """ "Did you mean…?" with the likely services, "something else" (the request sent as it is
    written), and the full list as a way out."""
    catalogue = await catalogue_for(turn.ctx.session, turn.person)
    choices = []
    for code in dict.fromkeys([*candidates, FALLBACK_SERVICE]):
        service = catalogue.get(code)
        if service is None or not service.active:
            continue
        choices.append(Choice(label=service.name(turn.language), payload=f"service:{code}"))
    choices.append(Choice(label=turn.text("choice.other_service"), payload="menu"))
    return Reply(text=turn.text("intake.which_service"), choices=tuple(choices))


def when_question(turn: Turn, key: str = "intake.when") -> Reply:
    """When it is for: the usual answers as choices, or written in words."""
    options = ("today", "tomorrow_morning", "tomorrow_afternoon", "asap")
    return Reply(
        text=turn.text(key),
        choices=tuple(
            Choice(label=turn.text(f"choice.when_{option}"), payload=f"when:{option}")
            for option in options
        ),
    )


def details_question(turn: Turn) -> Reply:
    """Where and what exactly, or nothing to add."""
    skip = Choice(label=turn.text("choice.no_details"), payload="details:skip")
    return Reply(text=turn.text("intake.details"), choices=(skip,))


def change_question(turn: Turn) -> Reply:
    """Which part of the request to change."""
    return Reply(
        text=turn.text("intake.change_what"),
        choices=tuple(
            Choice(label=turn.text(f"choice.edit_{part}"), payload=f"edit:{part}")
            for part in ("service", "when", "details")
        ),
    )


def describe_when(turn: Turn, draft: IntakeState, language: str | None = None) -> str:
    """The due time as the requester put it, or "as soon as possible"; a recurring ask or a
    span of days with how often and until when."""
    when, language = draft.when, language or turn.language
    if when is None:
        return turn.text_in(language, "intake.when_asap")
    zone = turn.ctx.zone
    first = format_due(when.due(zone), when.kind, language, zone)
    if draft.recurrence is not None and draft.recurrence.get("time"):
        first = format_day(when.day, language)  # the hour is said once, with the schedule
    return describe_series(draft.recurrence, first, draft.until, language)


async def _price_line(turn: Turn, service_code: str) -> str | None:
    """What the service will cost the requester and who pays, when its cooperative priced it."""
    cooperative_id = await serving_cooperative(turn.ctx.session, turn.person, service_code)
    if cooperative_id is None:
        return None
    return await quote_line(turn.ctx, turn.person.id, service_code, cooperative_id, turn.language)


def _confirm_choices(turn: Turn) -> tuple[Choice, ...]:
    return (
        Choice(label=turn.text("choice.confirm"), payload="confirm"),
        Choice(label=turn.text("choice.change"), payload="change"),
        Choice(label=turn.text("choice.cancel"), payload="discard"),
    )


async def _pair_line(turn: Turn, draft: IntakeState) -> str:
    """One of two errands as the confirmation reads it: service, when, details, price."""
    assert draft.service is not None
    details = f" — «{draft.details}»" if draft.details else ""
    urgent = f" ({turn.text('request.urgent')})" if draft.urgent else ""
    price = await _price_line(turn, draft.service)
    name = await service_name(turn, draft.service)
    line = f"{name}, {describe_when(turn, draft)}{details}{urgent}"
    return f"{line}. {price}" if price else line


async def pair_confirmation(turn: Turn, draft: IntakeState) -> Reply:
    """Two errands told at once, read back together and confirmed with one answer."""
    assert draft.also is not None
    first, second = (draft.also, draft) if draft.told_second else (draft, draft.also)
    return Reply(
        text=turn.text(
            "intake.confirm_two",
            first=await _pair_line(turn, first),
            second=await _pair_line(turn, second),
        ),
        choices=_confirm_choices(turn),
    )


async def which_of_two_question(turn: Turn, draft: IntakeState) -> Reply:
    """Which of the two errands to change, by their service names."""
    assert draft.also is not None
    choices = []
    told = (draft.also, draft) if draft.told_second else (draft, draft.also)
    for which, errand in zip(("first", "second"), told, strict=True):
        assert errand.service is not None
        name = await service_name(turn, errand.service)
        choices.append(Choice(label=name, payload=f"pick:{which}"))
    return Reply(text=turn.text("intake.change_which"), choices=tuple(choices))


def picked(draft: IntakeState, which: str) -> IntakeState:
    """The errand chosen for a change ("first" or "second" as told), carrying the other one
    along: both are read back again, in the order told, once it is changed."""
    if draft.also is None or which == ("second" if draft.told_second else "first"):
        return draft.model_copy(update={"step": "change"})
    other = draft.model_copy(update={"also": None})
    return draft.also.model_copy(
        update={"also": other, "step": "change", "told_second": not draft.told_second}
    )


async def confirmation(turn: Turn, draft: IntakeState) -> Reply:
    """ "Ho capito: ritiro pacco, martedì 24 novembre, mattina. Confermi?" and its three answers."""
    assert draft.service is not None
    if draft.also is not None:
        return await pair_confirmation(turn, draft)
    details = f" — «{draft.details}»" if draft.details else ""
    if draft.media:
        details += turn.text("intake.photos", count=len(draft.media))
    urgent = f" ({turn.text('request.urgent')})" if draft.urgent else ""
    price = await _price_line(turn, draft.service)
    return Reply(
        text=turn.text(
            "intake.confirm_priced" if price else "intake.confirm",
            service=await service_name(turn, draft.service),
            when=describe_when(turn, draft),
            details=details + urgent,
            price=price or "",
        ),
        choices=_confirm_choices(turn),
    )
