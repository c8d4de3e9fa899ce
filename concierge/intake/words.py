"""Words of free text as intake reads them: lower case, accents and punctuation folded away."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[\w'-]+", re.UNICODE)


def fold(text: str) -> str:
    """Lower case without accents ("Giovedì" → "giovedi"), so typed and untyped accents match."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """Lower-case, accent-free words of a text."""
    return [w.strip("'-") for w in _WORD.findall(fold(text)) if w.strip("'-")]


# The days of the week as people write them, Monday = 0: Italian and English names, plurals
# ("i sabati", "on Saturdays") and abbreviations ("gio", "Thu"). One table for due dates and
# recurrence alike; shorthand as typed in a hurry ("mart", "merc", "giov"). "mar" is left out:
# it is March as often as Tuesday. Last, the names the elderly write in dialect ("lunniri",
# "giobia", "sabo": Sicily, Lombardy, Veneto, Sardinia).
WEEKDAY_NAMES: dict[str, int] = {
    name: number
    for number, names in enumerate(
        (
            ("lunedi", "lun", "monday", "mondays", "mon", "lunniri"),
            ("martedi", "mart", "tuesday", "tuesdays", "tue", "tues", "marti"),
            ("mercoledi", "mer", "merc", "wednesday", "wednesdays", "wed", "mercuri"),
            (
                "giovedi",
                "gio",
                "giov",
                "thursday",
                "thursdays",
                "thu",
                "thur",
                "thurs",
                "giobia",
                "jovi",
            ),
            ("venerdi", "ven", "friday", "fridays", "fri", "vennerdi", "venardi"),
            ("sabato", "sabati", "sab", "saturday", "saturdays", "sat", "sabbatu", "sabo"),
            ("domenica", "domeniche", "dom", "sunday", "sundays", "sun", "duminica", "domenega"),
        )
    )
    for name in names
}
# Longest first, so that a pattern built from them takes "mondays" whole before "mon".
WEEKDAY_PATTERN = "(?:" + "|".join(sorted(WEEKDAY_NAMES, key=len, reverse=True)) + ")"
