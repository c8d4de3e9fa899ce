"""`concierge parse`: what the bot understands of a request, as JSON (keys stay English: a
machine format); its failures speak the reader's language (`concierge --lang`, the locale)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from pydantic import AwareDatetime, BaseModel, ValidationError
from pydantic_core import ErrorDetails

from bot.cli.support import cli_language, fail, settings_or_fail
from concierge.clock import SystemClock
from concierge.i18n import LANGUAGES, t
from concierge.intake.understanding import understand
from concierge.settings import Language, Settings

# Pydantic's error types a line can meet, as the catalogue says them.
PROBLEMS = {
    "timezone_aware": "cli.invalid.timezone",
    "datetime_parsing": "cli.invalid.datetime",
    "datetime_from_date_parsing": "cli.invalid.datetime",
    "datetime_type": "cli.invalid.datetime",
    "literal_error": "cli.invalid.choice",
    "missing": "cli.invalid.missing",
    "string_type": "cli.invalid.text",
    "json_invalid": "cli.invalid.json",
    "model_type": "cli.invalid.json",
}


WRITER_LANG_HELP = (
    "The writer's language setting: it or en (what this command says follows"
    " `concierge --lang`, else the locale)."
)


class ParseLine(BaseModel):
    """One line of a `concierge parse --batch` file."""

    text: str
    now: AwareDatetime | None = None
    lang: Language | None = None


def _problem(error: ErrorDetails, language: Language) -> str:
    key = PROBLEMS.get(error["type"])
    if key is None:  # nothing a person writes should get here; pydantic's words, at least
        return error["msg"]
    return t(language, key, choices=", ".join(repr(code) for code in LANGUAGES))


def _invalid(exc: ValidationError, language: Language) -> str:
    """A pydantic error as one line naming the option or field, e.g. '--now: …'."""
    parts = []
    for error in exc.errors():
        name = ".".join(str(part) for part in error["loc"])
        parts.append(
            f"{'--' + name if name in ('now', 'lang') else name}: {_problem(error, language)}"
        )
    return "; ".join(parts)


def _understood(settings: Settings, line: ParseLine) -> str:
    now = line.now or SystemClock().now()
    reading = understand(line.text, now, settings.zone, line.lang)
    return json.dumps(reading.summary(settings.zone), ensure_ascii=False)


def _batch(settings: Settings, batch: Path, language: Language) -> None:
    try:
        lines = batch.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        fail(t(language, "cli.parse.unreadable", path=batch, reason=exc.strerror))
    for number, raw in enumerate(lines, start=1):
        if raw.strip():
            try:
                typer.echo(_understood(settings, ParseLine.model_validate_json(raw)))
            except ValidationError as exc:
                fail(f"{batch}:{number}: {_invalid(exc, language)}")


def parse(
    text: Annotated[
        str | None, typer.Argument(help="A request as a person would write it.")
    ] = None,
    now: Annotated[
        str | None, typer.Option(help="When it was written, ISO-8601 (default: now).")
    ] = None,
    lang: Annotated[str | None, typer.Option(help=WRITER_LANG_HELP)] = None,
    batch: Annotated[
        Path | None,
        typer.Option(help='A JSON Lines file of {"text", "now", "lang"}; one answer per line.'),
    ] = None,
) -> None:
    """Print what the bot understands of a request: category, when, urgency (one JSON object)."""
    settings = settings_or_fail()
    language = cli_language(settings)  # `--lang` here is the writer's, not the reader's
    if (text is None) == (batch is None):
        fail(t(language, "cli.parse.either"))
    if batch is not None:
        _batch(settings, batch, language)
        return
    try:
        line = ParseLine.model_validate({"text": text, "now": now, "lang": lang})
    except ValidationError as exc:
        fail(_invalid(exc, language))
    typer.echo(_understood(settings, line))
