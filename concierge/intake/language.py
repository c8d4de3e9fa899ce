"""Which of our two languages a short message is in, from its common words and service words.

General-purpose detectors guess poorly on three-word messages; ours only has to tell Italian
from English, and the words people use for errands say a lot.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from concierge.intake.words import words
from concierge.settings import Language

COMMON_WORDS_FILE = Path(__file__).parent / "lexicon" / "common_words.toml"


@cache
def _common_words() -> dict[Language, frozenset[str]]:
    with COMMON_WORDS_FILE.open("rb") as handle:
        loaded = tomllib.load(handle)
    return {"it": frozenset(loaded["it"]), "en": frozenset(loaded["en"])}


def detect_language(text: str, service_hints: dict[str, float] | None = None) -> Language | None:
    """'it' or 'en' when the words lean clearly one way; None when they do not."""
    tokens = words(text)
    scores: dict[Language, float] = {
        language: sum(1.0 for token in tokens if token in common)
        for language, common in _common_words().items()
    }
    for language, weight in (service_hints or {}).items():
        if language in scores:
            scores[language] += weight
    italian, english = scores["it"], scores["en"]
    if italian > english:
        return "it"
    if english > italian:
        return "en"
    return None
