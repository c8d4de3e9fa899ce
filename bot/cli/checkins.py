"""`concierge checkins`: enrol residents in daily check-ins, pause and resume them, and read
today's board and a resident's last 30 days."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from pydantic import ValidationError
from sqlalchemy import select

from bot.cli.support import LANG_HELP, cli_language, refuse, rejected, run_unit, settings_or_fail
from bot.cli.team import WEEKDAYS, weekday_name
from concierge.checkins.board import history_marks, today_board
from concierge.checkins.plans import (
    CheckinPlan,
    Contact,
    PlanInput,
    add_plan,
    pause_plan,
    resume_plan,
)
from concierge.context import DomainContext
from concierge.i18n import format_moment, t
from concierge.messages import Channel, IdentityKind
from concierge.people.person import Person, find_or_register, find_person, normalise_phone

checkins_app = typer.Typer(
    help="Daily check-ins of elderly residents: plans, pauses, today's board, history.",
    no_args_is_help=True,
)
EVERY_DAY = "mon,tue,wed,thu,fri,sat,sun"


def _weekdays(text: str) -> tuple[int, ...]:
    try:
        return tuple(WEEKDAYS[part.strip().lower()[:3]] for part in text.split(",") if part)
    except KeyError:
        refuse("cli.expected_days", given=repr(text))


def _contact(text: str) -> Contact:
    name, _, rest = text.partition(":")
    phone, _, channel = rest.partition(":")
    try:
        return Contact(name=name.strip(), phone=phone.strip(), channel=channel.strip() or "sms")
    except ValidationError:
        refuse("cli.checkins.contact", given=repr(text))


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        refuse("cli.expected_date", option=option, given=repr(text))


async def _resident(ctx: DomainContext, phone: str) -> Person:
    person = await find_person(
        ctx.session, IdentityKind.PHONE, normalise_phone(phone, ctx.settings.default_region)
    )
    if person is None:
        refuse("cli.nobody_with_phone", phone=phone)
    return person


async def _plan_of(ctx: DomainContext, phone: str) -> CheckinPlan:
    person = await _resident(ctx, phone)
    plan = await ctx.session.scalar(
        select(CheckinPlan).where(CheckinPlan.person_id == person.id).order_by(CheckinPlan.id)
    )
    if plan is None:
        refuse("cli.checkins.no_plan", name=person.display_name)
    return plan


def _describe(plan: CheckinPlan, lang: str) -> str:
    days = ",".join(weekday_name(d, lang) for d in plan.weekdays)
    contacts = "; ".join(f"{c.name} {c.phone} ({c.channel})" for c in plan.contact_list) or "-"
    paused = ""
    if plan.paused_from is not None:
        until = plan.paused_until or ""
        paused = f"  {t(lang, 'cli.checkins.paused', first=plan.paused_from, last=until)}"
    who = plan.person.display_name
    phone = plan.person.address_for(IdentityKind.PHONE) or ""
    plan_text = t(
        lang, "cli.checkins.plan", days=days, time=plan.at_time, channel=plan.channel,
        retries=plan.retries, minutes=plan.retry_minutes, contacts=contacts,
    )  # fmt: skip
    return f"{who if who == phone else f'{who} {phone}'}: {plan_text}{paused}"


@checkins_app.command("add")
def add(
    phone: Annotated[str, typer.Argument(help="The resident's number (registered if new).")],
    at: Annotated[str, typer.Option(help="Local time, e.g. 09:00.")] = "09:00",
    days: Annotated[str, typer.Option(help="Days, e.g. mon,wed,fri.")] = EVERY_DAY,
    channel: Annotated[str, typer.Option(help="voice, sms, whatsapp or telegram.")] = "voice",
    retries: Annotated[int, typer.Option(min=0, max=10, help="Tries after the first.")] = 2,
    every: Annotated[int, typer.Option(min=1, max=240, help="Minutes between tries.")] = 10,
    contact: Annotated[
        list[str] | None,
        typer.Option(help="NAME:PHONE[:CHANNEL], alerted in the order given; repeatable."),
    ] = None,
    notes: Annotated[str, typer.Option(help="For the operator: health, door code…")] = "",
    lang: Annotated[str | None, typer.Option(help=LANG_HELP)] = None,
) -> None:
    """Enrol a resident in daily check-ins."""
    settings = settings_or_fail()
    language = cli_language(settings, lang)
    try:
        plan = PlanInput(
            weekdays=_weekdays(days), at_time=at, channel=Channel(channel), retries=retries,
            retry_minutes=every, contacts=tuple(_contact(c) for c in contact or []), notes=notes,
        )  # fmt: skip
    except (ValidationError, ValueError) as exc:
        refuse("cli.checkins.invalid", reason=rejected(exc, f"{at} {channel}"))

    async def adding(ctx: DomainContext) -> str:
        number = normalise_phone(phone, ctx.settings.default_region)
        person, _ = await find_or_register(ctx.session, IdentityKind.PHONE, number, ctx.now())
        return t(
            language,
            "cli.checkins.added",
            plan=_describe(await add_plan(ctx, person, plan), language),
        )

    typer.echo(run_unit(settings, adding))


@checkins_app.command("pause")
def pause(
    phone: Annotated[str, typer.Argument(help="The resident's number.")],
    start: Annotated[str, typer.Option("--from", help="First day off, e.g. 2026-12-24.")],
    until: Annotated[str | None, typer.Option(help="Last day off (none: until resumed).")] = None,
    lang: Annotated[str | None, typer.Option(help=LANG_HELP)] = None,
) -> None:
    """No check-ins for a while (a holiday, a hospital stay)."""
    settings = settings_or_fail()
    language = cli_language(settings, lang)
    first, last = _day(start, "--from"), _day(until, "--until") if until else None

    async def pausing(ctx: DomainContext) -> str:
        plan = await _plan_of(ctx, phone)
        await pause_plan(ctx, plan, first, last)
        return t(language, "cli.checkins.paused_plan", plan=_describe(plan, language))

    typer.echo(run_unit(settings, pausing))


@checkins_app.command("resume")
def resume(
    phone: Annotated[str, typer.Argument(help="The resident's number.")],
    lang: Annotated[str | None, typer.Option(help=LANG_HELP)] = None,
) -> None:
    """Check-ins again from the next planned time."""
    settings = settings_or_fail()
    language = cli_language(settings, lang)

    async def resuming(ctx: DomainContext) -> str:
        plan = await _plan_of(ctx, phone)
        await resume_plan(ctx, plan)
        return t(language, "cli.checkins.resumed", plan=_describe(plan, language))

    typer.echo(run_unit(settings, resuming))


@checkins_app.command("list")
def list_plans(lang: Annotated[str | None, typer.Option(help=LANG_HELP)] = None) -> None:
    """Every plan, with its days, time, channel and contacts."""
    settings = settings_or_fail()
    language = cli_language(settings, lang)

    async def listing(ctx: DomainContext) -> list[str]:
        # Proposals (nobody to call yet) wait on the dashboard's check-ins board.
        query = select(CheckinPlan).where(CheckinPlan.person_id.is_not(None))
        plans = (await ctx.session.scalars(query.order_by(CheckinPlan.id))).unique()
        return [_describe(plan, language) for plan in plans]

    for line in run_unit(settings, listing) or [t(language, "cli.checkins.no_plans")]:
        typer.echo(line)


@checkins_app.command("today")
def today(lang: Annotated[str | None, typer.Option(help=LANG_HELP)] = None) -> None:
    """Today's board: what happened today (and why not, when a check-in did not run), and
    when each resident is asked next."""
    settings = settings_or_fail()
    language = cli_language(settings, lang)

    async def board(ctx: DomainContext) -> list[str]:
        lines = []
        for line in await today_board(ctx):
            said = [t(language, f"dash.checkins.state.{line.state}", time=line.plan.at_time)]
            if line.attempts:
                said.append(t(language, "dash.checkins.tries", count=line.attempts))
            if line.request_id is not None:
                said.append(t(language, "dash.request_number", id=line.request_id))
            if line.next_run is not None:
                moment = format_moment(line.next_run, language, ctx.zone)
                said.append(t(language, "cli.checkins.next", moment=moment))
            person = line.plan.person.display_name
            lines.append(f"{line.plan.at_time}  {person:<24} {' · '.join(said)}")
        return lines

    for line in run_unit(settings, board) or [t(language, "cli.checkins.none_today")]:
        typer.echo(line)


@checkins_app.command("history")
def history(phone: Annotated[str, typer.Argument(help="The resident's number.")]) -> None:
    """The last 30 days at a glance: ✓ well, ! asked for help, ✗ escalated, ? pending, · none."""
    settings = settings_or_fail()

    async def marks(ctx: DomainContext) -> str:
        plan = await _plan_of(ctx, phone)
        return f"{plan.person.display_name}: {await history_marks(ctx, plan, ctx.now())}"

    typer.echo(run_unit(settings, marks))
