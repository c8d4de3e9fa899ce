"""`concierge operators` and `concierge rota`: the team and its shifts, for coordinators."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Annotated

import typer

from bot.cli.support import fail, run_unit, settings_or_fail
from concierge.context import DomainContext
from concierge.team.editing import add_exception, add_operator, add_shift
from concierge.team.operators import Operator, active_operators
from concierge.team.rota import ExceptionKind, working_spans

operators_app = typer.Typer(help="List and add operators.", no_args_is_help=True)
rota_app = typer.Typer(
    help="Weekly slots, days off, extra shifts and opening hours.", no_args_is_help=True
)

WEEKDAYS = {
    name: number
    for number, names in enumerate(
        (("mon", "lun"), ("tue", "mar"), ("wed", "mer"), ("thu", "gio"), ("fri", "ven"),
         ("sat", "sab"), ("sun", "dom"))
    )
    for name in names
}  # fmt: skip
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _time(text: str, option: str) -> time:
    try:
        return time.fromisoformat(text if len(text) > 2 else f"{int(text):02d}:00")
    except ValueError:
        fail(f"{option}: expected a time such as 08:00, got {text!r}")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"DATE: expected a date such as 2026-12-24, got {text!r}")


def _phone(operator: Operator) -> str:
    return next((i.address for i in operator.person.identities if i.kind == "phone"), "-")


@operators_app.command("list")
def list_operators() -> None:
    """Every active operator: phone, skills, capacity, zones, and whether on duty now."""
    settings = settings_or_fail()

    async def listing(ctx: DomainContext) -> list[str]:
        lines = []
        for op in await active_operators(ctx.session):
            duty = "on duty" if op.on_duty(ctx.now(), ctx.calendar) else "off duty"
            if op.paused:
                duty += ", paused"
            zones = ",".join(op.zones) or "all zones"
            lines.append(
                f"{op.person.display_name:<22} {_phone(op):<15} capacity {op.capacity}  "
                f"{zones:<12} {duty:<18} {','.join(op.skills)}"
            )
        return lines

    for line in run_unit(settings, listing) or ["No operators yet."]:
        typer.echo(line)


@operators_app.command("add")
def add(
    first_name: str,
    last_name: str,
    phone: Annotated[str, typer.Argument(help="Mobile number; +39 is assumed without a prefix.")],
    skills: Annotated[str, typer.Option(help="Service codes, comma-separated.")] = "other",
    capacity: Annotated[int, typer.Option(min=1, max=50, help="Most open tasks at once.")] = 3,
    zones: Annotated[str, typer.Option(help="Areas covered, comma-separated (none: all).")] = "",
    language: Annotated[str, typer.Option(help="it or en.")] = "it",
    cooperative: Annotated[str, typer.Option(help="The cooperative's name.")] = "Cooperativa",
) -> None:
    """Add an operator (then give them slots with `concierge rota add`)."""
    settings = settings_or_fail()
    if language not in ("it", "en"):
        fail(f"--language: expected it or en, got {language!r}")

    async def adding(ctx: DomainContext) -> str:
        operator = await add_operator(
            ctx, first_name=first_name, last_name=last_name, phone=phone,
            skills=[s.strip() for s in skills.split(",") if s.strip()], capacity=capacity,
            zones=[z.strip() for z in zones.split(",") if z.strip()], language=language,
            cooperative=cooperative,
        )  # fmt: skip
        return f"Operator added: {operator.person.display_name} ({_phone(operator)})."

    typer.echo(run_unit(settings, adding))


@rota_app.command("add")
def add_slot(
    phone: str,
    day: Annotated[str, typer.Argument(help="mon … sun (or lun … dom).")],
    start: Annotated[str, typer.Argument(help="Start, e.g. 08:00.")],
    end: Annotated[str, typer.Argument(help="End, e.g. 12:00.")],
) -> None:
    """Add a weekly slot; several a day are fine (8:00–12:00 and 14:00–18:00)."""
    settings = settings_or_fail()
    weekday = WEEKDAYS.get(day.strip().lower()[:3])
    if weekday is None:
        fail(f"DAY: expected mon … sun, got {day!r}")
    starts, ends = _time(start, "START"), _time(end, "END")

    async def adding(ctx: DomainContext) -> str:
        await add_shift(ctx, phone, weekday, starts, ends)
        return f"Slot added: {DAY_NAMES[weekday]} {starts:%H:%M}-{ends:%H:%M}."

    typer.echo(run_unit(settings, adding))


def _exception(
    phone: str, when: str, kind: ExceptionKind, span: tuple[str, str] | None, note: str
) -> None:
    settings = settings_or_fail()
    day = _day(when)
    times = (_time(span[0], "--start"), _time(span[1], "--end")) if span else None

    async def adding(ctx: DomainContext) -> str:
        await add_exception(ctx, phone, day, kind, times, note)
        what = "whole day" if times is None else f"{times[0]:%H:%M}-{times[1]:%H:%M}"
        return f"Recorded: {kind} on {day.isoformat()} ({what})."

    typer.echo(run_unit(settings, adding))


@rota_app.command("off")
def day_off(
    phone: str,
    when: Annotated[str, typer.Argument(metavar="DATE", help="The day, e.g. 2026-12-24.")],
    start: Annotated[str | None, typer.Option(help="Off from (default: the whole day).")] = None,
    end: Annotated[str | None, typer.Option(help="Off until.")] = None,
    note: Annotated[str, typer.Option(help="Why: sick day, leave, swap with…")] = "",
) -> None:
    """Time off on one day: a sick day, leave, or the giving side of a swap."""
    if (start is None) != (end is None):
        fail("give both --start and --end, or neither for the whole day")
    _exception(phone, when, ExceptionKind.OFF, (start, end) if start and end else None, note)


@rota_app.command("extra")
def extra_shift(
    phone: str,
    when: Annotated[str, typer.Argument(metavar="DATE", help="The day, e.g. 2026-12-24.")],
    start: Annotated[str, typer.Argument(help="Start, e.g. 09:00.")],
    end: Annotated[str, typer.Argument(help="End, e.g. 13:00.")],
    note: Annotated[str, typer.Option(help="Why: cover for…, swap with…")] = "",
) -> None:
    """An extra shift on one day (also on a holiday), or the taking side of a swap."""
    _exception(phone, when, ExceptionKind.EXTRA, (start, end), note)


@rota_app.command("list")
def list_rota(
    days: Annotated[int, typer.Option(min=1, max=31, help="How many days from today.")] = 7,
) -> None:
    """Who works when over the coming days (holidays and exceptions included)."""
    settings = settings_or_fail()

    async def listing(ctx: DomainContext) -> list[str]:
        operators = await active_operators(ctx.session)
        today = ctx.now().astimezone(ctx.zone).date()
        lines = []
        for offset in range(days):
            day = today + timedelta(days=offset)
            holiday = ctx.calendar.holiday(day)
            lines.append(
                f"{DAY_NAMES[day.weekday()]} {day.isoformat()}"
                + (f"  closed: {holiday}" if holiday else "")
            )
            for op in operators:
                spans = working_spans(op, day, ctx.calendar)
                if spans:
                    hours = ", ".join(
                        f"{s.astimezone(ctx.zone):%H:%M}-{e.astimezone(ctx.zone):%H:%M}"
                        for s, e in spans
                    )
                    lines.append(f"  {op.person.display_name:<22} {hours}")
        return lines

    for line in run_unit(settings, listing):
        typer.echo(line)
