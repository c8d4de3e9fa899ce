"""The resident's dialogue: tell us an errand (free text or menu), confirm it, follow it."""

from __future__ import annotations

from datetime import timedelta

from concierge.i18n import format_moment
from concierge.intake.catalogue import get_service
from concierge.intake.due_dates import AS_SOON_AS_POSSIBLE, When, extract_when
from concierge.intake.times_of_day import PartOfDay
from concierge.intake.two_asks import two_asks
from concierge.intake.understanding import understand
from concierge.intake.words import fold
from concierge.messages import Choice, Reply
from concierge.requests.lifecycle import RequestStatus
from concierge.requests.notifications import request_summary, status_line
from concierge.requests.request import (
    cancel_request,
    create_request,
    get_request,
    open_requests_of,
)
from concierge.routing.assignment import (
    dispatch_queue,
    handed_out_at,
    offer_next,
    waits_for_its_shift,
)
from concierge.routing.opening_hours import out_of_hours, reopens_at
from concierge.team.catalogue import Catalogue, catalogue_for
from handlers.catalogue_answers import offered_hours_then, offered_only, refused_service
from handlers.follow_up_answers import handle_follow_up
from handlers.intake_draft import (
    IntakeState,
    candidates_question,
    change_question,
    confirmation,
    describe_when,
    details_question,
    from_understanding,
    not_offered_question,
    picked,
    read_state,
    service_question,
    when_question,
    which_of_two_question,
)
from handlers.noticeboard_answers import answer_noticeboard
from handlers.standing_answers import answer_standing, start_series
from handlers.turn import (
    Command,
    Outcome,
    State,
    Turn,
    command_of,
    language_named,
    number_in,
)
from handlers.welfare_answers import (
    answer_credit,
    answer_enrolment,
    answer_fiscal_code,
    answer_receipt,
)

IDLE: State = {}


async def _submit(turn: Turn, draft: IntakeState) -> Outcome:
    """Register the confirmed request, and the second errand told with it, if any."""
    replies = []
    for errand in (draft, draft.also):
        if errand is not None:
            replies += await _submit_one(turn, errand.model_copy(update={"also": None}))
    return IDLE, replies


async def _submit_one(turn: Turn, draft: IntakeState) -> list[Reply]:
    assert draft.service is not None
    when = draft.when
    zone = turn.ctx.zone
    details = draft.details
    if draft.recurrence is not None and when is not None:
        return [await start_series(turn, draft, when)]
    if draft.recurrence is not None or draft.until is not None:
        # A span of days (or a series with no first day) is one request: the operator reads
        # the schedule with the details.
        details = f"{details} — {describe_when(turn, draft)}".strip(" —")
    request = await create_request(
        turn.ctx, turn.person, draft.service, details, turn.inbound.channel,
        urgent=draft.urgent, due_at=when.due(zone) if when else None,
        due_kind=when.kind if when else "time", attachments=tuple(draft.media),
    )  # fmt: skip
    if await offer_next(turn.ctx, request) is not None or request.status != "queued":
        return []
    if await waits_for_its_shift(turn.ctx, request):
        at = await handed_out_at(turn.ctx, request)
        if at is None:
            return []
        handover = format_moment(at, turn.language, zone)
        return [turn.reply("request.scheduled", id=request.id, when=handover)]
    reopening = await reopens_at(turn.ctx)
    if reopening is not None:
        opens = format_moment(reopening, turn.language, zone)
        return [turn.reply("request.waiting_closed", id=request.id, when=opens)]
    return [turn.reply("request.waiting", id=request.id)]


async def _status(turn: Turn) -> Reply:
    requests = await open_requests_of(turn.ctx, turn.person)
    if not requests:
        return turn.reply("status.none")
    lines = [status_line(turn.ctx, request, turn.language) for request in requests]
    return Reply(text=turn.text("status.list", lines="\n".join(lines)))


async def _which_to_cancel(turn: Turn) -> Reply:
    requests = await open_requests_of(turn.ctx, turn.person)
    if not requests:
        return turn.reply("cancel.nothing")
    return Reply(
        text=turn.text("cancel.which"),
        choices=tuple(
            Choice(
                label=f"{turn.text('request.number', id=r.id)} {r.service_name(turn.language)}",
                payload=f"cancel:{r.id}",
            )
            for r in requests
        ),
    )


async def _cancel(turn: Turn, choice: str) -> Reply | None:
    """A tap on a request to cancel: done at once, unless an operator has already taken it on,
    when the requester is asked first; None when the turn is no cancelling."""
    if choice == "cancel_keep":
        return turn.reply("cancel.kept")
    action, _, raw_id = choice.partition(":")
    request_id = number_in(raw_id)
    if action not in ("cancel", "cancel_sure") or request_id is None:
        return None
    request = await get_request(turn.ctx, request_id)
    taken = request.status in (RequestStatus.ACCEPTED, RequestStatus.IN_PROGRESS)
    if action == "cancel" and taken and request.requester_id == turn.person.id:
        operator = request.operator.first_name if request.operator is not None else ""
        summary = request_summary(turn.ctx, request, turn.language)
        return Reply(
            text=turn.text("cancel.sure", summary=summary, operator=operator),
            choices=(
                Choice(label=turn.text("choice.cancel_sure"), payload=f"cancel_sure:{request.id}"),
                Choice(label=turn.text("choice.cancel_keep"), payload="cancel_keep"),
            ),
        )
    request = await cancel_request(turn.ctx, turn.person, request.id)
    await dispatch_queue(turn.ctx)  # its operator may now take what waits
    return turn.reply("cancel.done", summary=request_summary(turn.ctx, request, turn.language))


def _language_question(turn: Turn) -> Reply:
    return Reply(
        text=turn.text("language.which"),
        choices=(
            Choice(label="Italiano", payload="lang:it"),
            Choice(label="English", payload="lang:en"),
        ),
    )


def _switch_language(turn: Turn, language: str) -> Reply:
    turn.person.language = language
    return Reply(text=turn.text_in(language, "language.set"))


def _chosen_when(turn: Turn, option: str) -> When | None:
    today = turn.ctx.now().astimezone(turn.ctx.zone).date()
    tomorrow = today + timedelta(days=1)
    return {
        "today": When(day=today),
        "tomorrow_morning": When(day=tomorrow, part=PartOfDay.MORNING),
        "tomorrow_afternoon": When(day=tomorrow, part=PartOfDay.AFTERNOON),
    }.get(option)


async def _after_answer(turn: Turn, draft: IntakeState) -> Outcome:
    """Ask the next question the draft still needs, or for confirmation."""
    when = draft.when
    if when is not None and when.due(turn.ctx.zone) <= turn.ctx.now():
        # "Oggi" at 19:00, "stamattina" in the afternoon: too late, so ask again.
        draft = draft.with_when(None).model_copy(update={"step": "when"})
        return draft.dump(), [when_question(turn, "intake.when_past")]
    if draft.service is None:
        draft = draft.model_copy(update={"step": "service"})
        return draft.dump(), [await service_question(turn)]
    if draft.guided and not draft.editing and draft.step == "service":
        draft = draft.model_copy(update={"step": "when"})
        return draft.dump(), [when_question(turn)]
    if draft.guided and not draft.editing and draft.step == "when":
        draft = draft.model_copy(update={"step": "details"})
        return draft.dump(), [details_question(turn)]
    draft = draft.model_copy(update={"step": "confirm", "editing": False})
    draft, moved = await offered_hours_then(turn, draft)
    closed = await _closed_then(turn, draft)
    if draft.also is not None:  # the second errand told with it: the same hours, the same notice
        also, moved_also = await offered_hours_then(turn, draft.also)
        closed += [*moved_also, *await _closed_then(turn, also)]
        draft = draft.model_copy(update={"also": also})
    return draft.dump(), [*moved, *closed, await confirmation(turn, draft)]


async def _closed_then(turn: Turn, draft: IntakeState) -> list[Reply]:
    """Before the confirmation: when the hour asked for is out of hours, what happens instead."""
    when, zone = draft.when, turn.ctx.zone
    moment = when.moment(zone) if when is not None and not when.deadline else None
    if moment is None or draft.service is None:
        return []
    closed = await out_of_hours(turn.ctx, turn.person, draft.service, moment)
    if closed is None:
        return []
    asked = format_moment(moment, turn.language, zone)
    if closed.before is not None:
        before = format_moment(closed.before, turn.language, zone)
        return [turn.reply("intake.closed_then_before", when=asked, before=before)]
    assert closed.reopens is not None
    opens = format_moment(closed.reopens, turn.language, zone)
    return [turn.reply("intake.closed_then_reopens", when=asked, opens=opens)]


def _answers_service_question(current: IntakeState) -> bool:
    """Whether the bot asked which service (the menu, or "did you mean…?"), rather than to
    rewrite a text it could not read: a rewritten request is read afresh, its old words gone."""
    return current.guided or bool(current.candidates) or current.service is not None


async def _free_text(turn: Turn, text: str, current: IntakeState) -> Outcome:
    catalogue = await catalogue_for(turn.ctx.session, turn.person)
    reading = understand(
        text, turn.ctx.now(), turn.ctx.zone, turn.person.language, catalogue.extra_words()
    )
    refused = refused_service(catalogue, reading)
    if refused is not None:  # asked in words for what the requester's cooperative does not do
        menu = IntakeState(step="service", guided=True, media=current.media)
        return menu.dump(), [await not_offered_question(turn, refused)]
    reading = offered_only(catalogue, reading)
    draft = from_understanding(reading).model_copy(update={"media": current.media})
    pair = None if current.step == "service" else _two_errands(turn, text, current, catalogue)
    if pair is not None:
        return await _after_answer(turn, pair)
    if current.service is not None and not reading.sure and reading.when is not None:
        # "alle 11 invece" while confirming: the same request at another time.
        changed = current.with_when(reading.when).model_copy(update={"editing": True})
        return await _after_answer(turn, changed)
    typed_service = reading.when is None and _answers_service_question(current)
    if current.step == "service" and reading.sure and typed_service:
        # The service the bot asked for, typed instead of tapped: keep the rest of the draft.
        # A message that also says when is a request of its own, read afresh below.
        urgent = current.urgent or reading.urgent
        kept = current.model_copy(
            update={"service": reading.category, "candidates": [], "urgent": urgent}
        )
        return await _after_answer(turn, kept.with_when(reading.when or current.when))
    if reading.sure:
        return await _after_answer(turn, draft)
    draft = draft.model_copy(update={"step": "service"})
    if reading.candidates:
        return draft.dump(), [await candidates_question(turn, list(reading.candidates))]
    return draft.dump(), [await service_question(turn, "intake.not_understood")]


def _two_errands(
    turn: Turn, text: str, current: IntakeState, catalogue: Catalogue
) -> IntakeState | None:
    """Two errands in one message as one draft carrying the other, when both are clear, both
    offered in the requester's zone and neither already past (that one would be asked again,
    which two at once cannot be)."""
    found = two_asks(text, turn.ctx.now(), turn.ctx.zone, turn.person.language)
    if found is None or any(refused_service(catalogue, reading) for reading in found):
        return None
    first, second = (from_understanding(reading) for reading in found)
    for errand in (first, second):
        when = errand.when
        if when is not None and when.due(turn.ctx.zone) <= turn.ctx.now():
            return None
    return first.model_copy(update={"also": second, "media": current.media})


async def _answer(turn: Turn, draft: IntakeState, choice: str, text: str) -> Outcome | None:
    """The turn, if it answers the question the draft is waiting on."""
    if choice.startswith("service:"):
        code = choice.removeprefix("service:")
        await get_service(turn.ctx.session, code)
        if not (await catalogue_for(turn.ctx.session, turn.person)).offers(code):
            # A button of an older menu, for a service retired since.
            menu = IntakeState(step="service", guided=True, media=draft.media)
            return menu.dump(), [await not_offered_question(turn, code)]
        guided = draft.guided or draft.step == "idle"
        draft = draft.model_copy(update={"service": code, "guided": guided, "step": "service"})
        return await _after_answer(turn, draft)
    if draft.step == "when" and (choice.startswith("when:") or text):
        if choice.startswith("when:"):
            when = _chosen_when(turn, choice.removeprefix("when:"))
        elif AS_SOON_AS_POSSIBLE.match(fold(text)) or fold(text) == fold(
            turn.text("choice.when_asap")
        ):
            when = None
        else:
            found = extract_when(text, turn.ctx.now(), turn.ctx.zone, turn.language)
            if found is None:
                return draft.dump(), [when_question(turn, "intake.when_not_understood")]
            when = found.when
        return await _after_answer(turn, draft.with_when(when))
    if draft.step == "details" and (choice == "details:skip" or text):
        details = "" if choice == "details:skip" else text
        return await _after_answer(turn, draft.model_copy(update={"details": details}))
    if draft.step == "pick" and choice.startswith("pick:"):
        return picked(draft, choice.removeprefix("pick:")).dump(), [change_question(turn)]
    if draft.step in ("confirm", "change") and choice.startswith("edit:"):
        part = choice.removeprefix("edit:")
        draft = draft.model_copy(update={"step": part, "editing": True})
        if part == "service":
            return draft.dump(), [await service_question(turn)]
        if part == "when":
            return draft.dump(), [when_question(turn)]
        return draft.dump(), [details_question(turn)]
    return None


async def handle_resident(turn: Turn, state: State) -> Outcome:
    """One turn of a resident's or worker's conversation."""
    answered = await handle_follow_up(turn, state)
    answered = answered or await answer_credit(turn, state)
    answered = answered or await answer_enrolment(turn, state)
    answered = answered or await answer_receipt(turn, state)
    answered = answered or await answer_fiscal_code(turn, state)
    answered = answered or await answer_noticeboard(turn, state)
    answered = answered or await answer_standing(turn, state)
    if answered is not None:
        return answered
    draft = read_state(state)
    choice = turn.inbound.choice or ""
    text = (turn.inbound.text or "").strip()
    command = command_of(text)
    if turn.inbound.media:
        return await _photos(turn, draft, text)

    if choice.startswith("lang:") or language_named(text):
        language = choice.removeprefix("lang:") if choice else language_named(text)
        assert language is not None
        return state, [_switch_language(turn, language)]
    cancelling = await _cancel(turn, choice)
    if cancelling is not None:
        return draft.dump(), [cancelling]
    if draft.step == "confirm" and (choice == "confirm" or command is Command.YES):
        return await _submit(turn, draft)
    if draft.step == "confirm" and (choice == "change" or command is Command.CHANGE):
        if draft.also is not None:  # two errands: first which one
            return draft.model_copy(update={"step": "pick"}).dump(), [
                await which_of_two_question(turn, draft)
            ]
        return draft.model_copy(update={"step": "change"}).dump(), [change_question(turn)]
    if draft.step == "details" and command is Command.NO:
        return await _after_answer(turn, draft.model_copy(update={"details": ""}))
    if choice == "discard" or (draft.step != "idle" and command in (Command.NO, Command.CANCEL)):
        return IDLE, [turn.reply("intake.discarded")]
    if choice == "menu" or command is Command.MENU:
        started = IntakeState(step="service", guided=True)
        return started.dump(), [await service_question(turn)]

    if command is Command.HELP:
        return state, [turn.reply("help.resident")]
    if command is Command.STATUS:
        return state, [await _status(turn)]
    if command is Command.CANCEL:
        return state, [await _which_to_cancel(turn)]
    if command is Command.LANGUAGE:
        return state, [_language_question(turn)]

    if command is None:
        answered = await _answer(turn, draft, choice, text)
        if answered is not None:
            return answered
    if text and command is None and draft.step in ("idle", "confirm", "change", "service"):
        return await _free_text(turn, text, draft)
    return draft.dump(), [await _ask_again(turn, draft)]


async def _photos(turn: Turn, draft: IntakeState, caption: str) -> Outcome:
    """Photos are kept with the request being told; a caption is read like any text."""
    media = [*draft.media, *turn.inbound.media]
    if draft.step == "idle":
        if caption:
            return await _free_text(turn, caption, draft.model_copy(update={"media": media}))
        started = IntakeState(step="service", guided=True, media=media)
        return started.dump(), [await service_question(turn, "intake.photo_first")]
    draft = draft.model_copy(update={"media": media})
    if draft.step == "details":
        details = caption or draft.details
        return await _after_answer(turn, draft.model_copy(update={"details": details}))
    return draft.dump(), [await _ask_again(turn, draft)]


async def _ask_again(turn: Turn, draft: IntakeState) -> Reply:
    """The question the draft is waiting on, once more (or the menu between requests)."""
    if draft.step == "when":
        return when_question(turn)
    if draft.step == "details":
        return details_question(turn)
    if draft.step == "change":
        return change_question(turn)
    if draft.step == "pick" and draft.also is not None:
        return await which_of_two_question(turn, draft)
    if draft.step == "confirm" and draft.service is not None:
        return await confirmation(turn, draft)
    if draft.step == "service" and draft.candidates:
        return await candidates_question(turn, draft.candidates)
    return await service_question(turn)
