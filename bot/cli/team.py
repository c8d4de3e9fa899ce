"""`concierge operators` and `concierge rota`: the team and its shifts, for coordinators."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Annotated

import typer
from babel.dates import format_date

from bot.cli.support import LANG_HELP, cli_language, fail, refuse, run_unit, settings_or_fail
from concierge.context import DomainContext
from concierge.i18n import t
from concierge.team.editing import (
    add_exception,
    add_operator,
    add_shift,
    operator_by_phone,
    remove_day_change,
)
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


def _time(text: str, option: str) -> time:
    try:
        return time.fromisoformat(text if len(text) > 2 else f"{int(text):02d}:00")
    except ValueError:
        refuse("cli.expected_time", option=option, given=repr(text))


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        refuse("cli.expected_date", option="DATE", given=repr(text))


def _day_name(day: date, lang: str) -> str:
    return str(format_date(day, "EEE", locale=lang))


def weekday_name(weekday: int, lang: str) -> str:
    """A weekday's short name in `lang` (0 = Monday)."""
    return _day_name(date(2026, 11, 23) + timedelta(days=weekday), lang)  # from a Monday


def _span(span: tuple[time, time] | None, lang: str) -> str:
    return t(lang, "cli.rota.whole_day") if span is None else f"{span[0]:%H:%M}-{span[1]:%H:%M}"


def _phone(operator: Operator) -> str:
    return next((i.address for i in operator.person.identities if i.kind == "phone"), "-")


@operators_app.command("list")
def list_operators(lang: Annotated[str | None, typer.Option(help=LANG_HELP)] = None) -> None:
    """Every active operator: phone, skills, capacity, zones, and whether on duty now."""
    settings = settings_or_fail()
    language = cli_language(settings, lang)

    async def listing(ctx: DomainContext) -> list[str]:
        lines = []
        for op in await active_operators(ctx.session):
            on_duty = op.on_duty(ctx.now(), ctx.calendar)
            duty = t(language, "cli.operators.on_duty" if on_duty else "cli.operators.off_duty")
            if op.paused:
                duty = t(language, "cli.operators.paused", duty=duty)
            zones = ",".join(op.zones) or t(language, "cli.operators.all_zones")
            capacity = t(language, "cli.operators.capacity", capacity=op.capacity)
            lines.append(
                f"{op.person.display_name:<22} {_phone(op):<15} {capacity}  "
                f"{zones:<12} {duty:<18} {','.join(op.skills)}"
            )
        return lines

    for line in run_unit(settings, listing) or [t(language, "cli.operators.none")]:
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
    lang: Annotated[str | None, typer.Option(help=LANG_HELP)] = None,
) -> None:
    """Add an operator (then give them slots with `concierge rota add`)."""
    settings = settings_or_fail()
    said = cli_language(settings, lang)
    if language not in ("it", "en"):
        refuse("cli.lang_expected", choices="it, en", given=repr(language))

    async def adding(ctx: DomainContext) -> str:
        operator = await add_operator(
            ctx, first_name=first_name, last_name=last_name, phone=phone,
            skills=[s.strip() for s in skills.split(",") if s.strip()], capacity=capacity,
            zones=[z.strip() for z in zones.split(",") if z.strip()], language=language,
            cooperative=cooperative,
        )  # fmt: skip
        name = operator.person.display_name
        return t(said, "cli.operators.added", name=name, phone=_phone(operator))

    typer.echo(run_unit(settings, adding))


@rota_app.command("add")
def add_slot(
    phone: str,
    day: Annotated[str, typer.Argument(help="mon … sun (or lun … dom).")],
    start: Annotated[str, typer.Argument(help="Start, e.g. 08:00.")],
    end: Annotated[str, typer.Argument(help="End, e.g. 12:00.")],
    lang: Annotated[str | None, typer.Option(help=LANG_HELP)] = None,
) -> None:
    """Add a weekly slot; several a day are fine (8:00–12:00 and 14:00–18:00)."""
    settings = settings_or_fail()
    language = cli_language(settings, lang)
    weekday = WEEKDAYS.get(day.strip().lower()[:3])
    if weekday is None:
        refuse("cli.rota.expected_day", given=repr(day))
    starts, ends = _time(start, "START"), _time(end, "END")

    async def adding(ctx: DomainContext) -> str:
        await add_shift(ctx, phone, weekday, starts, ends)
        day_name = weekday_name(weekday, language)
        return t(
            language, "cli.rota.slot_added", day=day_name, span=_span((starts, ends), language)
        )

    typer.echo(run_unit(settings, adding))


def _exception(
    phone: str,
    when: str,
    kind: ExceptionKind,
    span: tuple[str, str] | None,
    note: str,
    lang: str | None,
) -> None:
    settings = settings_or_fail()
    language = cli_language(settings, lang)
    day = _day(when)
    times = (_time(span[0], "--start"), _time(span[1], "--end")) if span else None

    async def adding(ctx: DomainContext) -> str:
        await add_exception(ctx, phone, day, kind, times, note)
        return t(
            language, "cli.rota.recorded", kind=t(language, f"cli.rota.kind.{kind}"),
            day=day.isoformat(), span=_span(times, language),
        )  # fmt: skip

    typer.echo(run_unit(settings, adding))


@rota_app.command("off")
def day_off(
    phone: str,
    when: Annotated[str, typer.Argument(metavar="DATE", help="The day, e.g. 2026-12-24.")],
    start: Annotated[str | None, typer.Option(help="Off from (default: the whole day).")] = None,
    end: Annotated[str | None, typer.Option(help="Off until.")] = None,
    note: Annotated[str, typer.Option(help="Why: sick day, leave, swap with…")] = "",
    lang: Annotated[str | None, typer.Option(help=LANG_HELP)] = None,
) -> None:
    """Time off on one day: a sick day, leave, or the giving side of a swap."""
    if (start is None) != (end is None):
        refuse("cli.rota.both_ends")
    span = (start, end) if start and end else None
    _exception(phone, when, ExceptionKind.OFF, span, note, lang)


@rota_app.command("remove-off")
def remove_day_off(
    phone: Annotated[str, typer.Argument(metavar="PHONE", help="The operator's number.")],
    when: Annotated[str, typer.Argument(metavar="DATE", help="The day, e.g. 2026-12-24.")],
    lang: Annotated[str | None, typer.Option(help=LANG_HELP)] = None,
) -> None:
    """Take back the time off recorded on one day (a sick day that did not happen)."""
    settings = settings_or_fail()
    language = cli_language(settings, lang)
    day = _day(when)

    async def removing(ctx: DomainContext) -> list[str]:
        operator = await operator_by_phone(ctx, phone)
        found = [c for c in operator.exceptions if c.day == day and c.kind == ExceptionKind.OFF]
        said = []
        for change in found:
            span = (
                (change.starts_at, change.ends_at) if change.starts_at and change.ends_at else None
            )
            said.append(
                t(language, "cli.rota.removed", day=day.isoformat(), span=_span(span, language))
            )
            await remove_day_change(ctx, operator, change.id)
        return said

    said = run_unit(settings, removing)
    if not said:
        fail(t(language, "cli.rota.no_time_off", phone=phone, day=day.isoformat()))
    for line in said:
        typer.echo(line)


@rota_app.command("extra")
def extra_shift(
    phone: str,
    when: Annotated[str, typer.Argument(metavar="DATE", help="The day, e.g. 2026-12-24.")],
    start: Annotated[str, typer.Argument(help="Start, e.g. 09:00.")],
    end: Annotated[str, typer.Argument(help="End, e.g. 13:00.")],
    note: Annotated[str, typer.Option(help="Why: cover for…, swap with…")] = "",
    lang: Annotated[str | None, typer.Option(help=LANG_HELP)] = None,
) -> None:
    """An extra shift on one day (also on a holiday), or the taking side of a swap."""
    _exception(phone, when, ExceptionKind.EXTRA, (start, end), note, lang)


@rota_app.command("list")
def list_rota(
    days: Annotated[int, typer.Option(min=1, max=31, help="How many days from today.")] = 7,
    lang: Annotated[str | None, typer.Option(help=LANG_HELP)] = None,
) -> None:
    """Who works when over the coming days (holidays and exceptions included)."""
    settings = settings_or_fail()
    language = cli_language(settings, lang)

    async def listing(ctx: DomainContext) -> list[str]:
        operators = await active_operators(ctx.session)
        today = ctx.now().astimezone(ctx.zone).date()
        lines = []
        for offset in range(days):
            day = today + timedelta(days=offset)
            holiday = ctx.calendar.holiday(day)
            closed = f"  {t(language, 'cli.rota.closed', holiday=holiday)}" if holiday else ""
            lines.append(f"{_day_name(day, language)} {day.isoformat()}{closed}")
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
