"""Two errands in one message ("ritirate il pacco e comprate il latte"): read as two requests
only when each half, read alone, clearly asks for a different service. One errand told with
"e" stays one ("ritira e porta il pacco", "compra pane e latte"): there a half is unclear on
its own or both halves ask for the same service."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from concierge.intake.understanding import FALLBACK_SERVICE, Understanding, understand
from concierge.intake.words import words

# Where a second errand may start; longest first, so that "e poi" is taken whole.
_JOINS = re.compile(
    r"(?:,\s*|\s+)(?:e poi|e anche|ed anche|e inoltre|and then|and also|e|ed|and)\s+"
    r"|,\s*(?:poi|then)\s+",
    re.IGNORECASE,
)
# Services that never stand as a second errand: a question, or nothing recognised.
_NOT_AN_ERRAND = frozenset({FALLBACK_SERVICE, "information"})
MIN_WORDS = 2  # "e latte" is a list, not an errand
# A half that starts with an article goes on listing things of the first ("stira le tende e le
# lenzuola"), it does not ask anew.
_ARTICLES = frozenset(
    {"il", "lo", "la", "i", "gli", "le", "l", "un", "una", "uno", "del", "della", "dei", "delle"}
    | {"the", "a", "an", "some"}
)
# A long message is one errand explained at length, whose clauses name other services in
# passing ("sono a letto con l'influenza e nemmeno il latte…"): only short ones are split.
MAX_WORDS = 20


def _errand(reading: Understanding) -> bool:
    return reading.sure and reading.category not in _NOT_AN_ERRAND


def two_asks(
    text: str, now: datetime, zone: ZoneInfo, language: str | None = None
) -> tuple[Understanding, Understanding] | None:
    """The two requests `text` makes, in the order told, or None when it makes one (or cannot
    tell). A half without a date takes the other's: "domani ritirate il pacco e il latte"."""
    if len(words(text)) > MAX_WORDS:
        return None
    for join in _JOINS.finditer(text):
        first_text, second_text = text[: join.start()], text[join.end() :]
        second_words = words(second_text)
        if len(words(first_text)) < MIN_WORDS or len(second_words) < MIN_WORDS:
            continue
        if second_words[0] in _ARTICLES:
            continue
        first = understand(first_text, now, zone, language)
        second = understand(second_text, now, zone, language)
        if not (_errand(first) and _errand(second)) or first.category == second.category:
            continue
        if first.when is None and second.when is not None and second.recurrence is None:
            first = first.model_copy(update={"when": second.when, "until": second.until})
        elif second.when is None and first.when is not None and first.recurrence is None:
            second = second.model_copy(update={"when": first.when, "until": first.until})
        return first, second
    return None
