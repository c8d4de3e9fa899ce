"""Which service a free text asks for: Italian and English words per service, matched whole, by
stem ("pacc*" → pacco, pacchi) or, for typos, by similarity (rapidfuzz: "dotore" → dottore)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rapidfuzz import fuzz, process

from concierge.intake.words import fold, words

LEXICON_FILE = Path(__file__).parent / "lexicon" / "services.toml"
SIMILARITY = 84  # rapidfuzz ratio from which a word is read as a typo of a lexicon word
SIMILAR_WEIGHT = 0.8
MIN_FUZZY_LENGTH = 5  # shorter words are too alike to guess from ("cane", "pane")


# A question about the neighbourhood rather than an errand: "qual è la farmacia di turno?",
# "is there a market on Saturdays?" — but not "potete ritirarlo?" nor "could someone…?".
_QUESTION = re.compile(
    r"(?:^|[.!?,]\s*|\b(?:scusate|salve|ciao|buongiorno|buonasera|hi|hello|hey)\W+)"
    r"(?:qual e|quale|quali|dove|quando|a che ora|come mai|c'e ancora|c'e un|c'e una|ci sono|"
    r"sapete|e vero|e aperto|e aperta|which|where|when|what time|what's|is there|are there|"
    r"does|do you know|is the|how much|quanto costa)\b[^?]*\?"
)
_ASKING_FOR_HELP = re.compile(
    r"\b(?:potete|puoi|potreste|potresti|qualcuno|qlcn|mi serve|mi servirebbe|vorrei|chi mi|"
    r"could you|can you|would you|someone|somebody|anyone|anybody|i need|please|help me)\b"
)
QUESTION_WEIGHT = 1.0


@dataclass(frozen=True)
class _Entry:
    code: str
    language: str
    text: str
    stem: bool
    weight: float


@cache
def lexicon() -> dict[str, dict[str, list[str]]]:
    """Service code → language → entries, as written in lexicon/services.toml."""
    with LEXICON_FILE.open("rb") as handle:
        return tomllib.load(handle)


# Words a cooperative adds to the lexicon for its zone, written as lexicon/services.toml is:
# service code → language → entries.
ExtraWords = Mapping[str, Mapping[str, Sequence[str]]]


@cache
def _entries() -> tuple[_Entry, ...]:
    return _compile(lexicon())


def _compile(source: ExtraWords) -> tuple[_Entry, ...]:
    found = []
    for code, by_language in source.items():
        for language, entries in by_language.items():
            for raw in entries:
                weight = 0.5 if raw.startswith("~") else 1.0
                text = raw.lstrip("~")
                found.append(
                    _Entry(code, language, fold(text.rstrip("*")), text.endswith("*"), weight)
                )
    return tuple(found)


@cache
def _single_words() -> tuple[dict[str, list[_Entry]], list[str]]:
    by_text: dict[str, list[_Entry]] = {}
    for entry in _entries():
        if " " not in entry.text:
            by_text.setdefault(entry.text, []).append(entry)
    return by_text, [text for text in by_text if len(text) >= MIN_FUZZY_LENGTH]


@dataclass(frozen=True)
class ServiceEvidence:
    """How strongly a text points at each service, and at each language."""

    scores: dict[str, float]
    languages: dict[str, float]

    def ranked(self) -> list[tuple[str, float]]:
        """Services with any evidence, strongest first."""
        return sorted(self.scores.items(), key=lambda item: -item[1])


def _token_matches(token: str) -> list[tuple[_Entry, float]]:
    by_text, fuzzy_texts = _single_words()
    exact = by_text.get(token, [])
    stems = [e for e in _entries() if e.stem and token.startswith(e.text) and e.text != token]
    if exact or stems:
        return [(e, 1.0) for e in [*exact, *stems]]
    if len(token) < MIN_FUZZY_LENGTH or token.isdigit():
        return []
    matches: list[tuple[_Entry, float]] = []
    for text, score, _ in process.extract(token, fuzzy_texts, scorer=fuzz.ratio, limit=3):
        if score >= SIMILARITY:
            matches.extend((e, SIMILAR_WEIGHT) for e in by_text[text])
    for entry in _entries():  # a typo inside a stem: "bolleta" for bollett*
        if entry.stem and len(entry.text) >= MIN_FUZZY_LENGTH:
            head = token[: len(entry.text)]
            if fuzz.ratio(head, entry.text) >= SIMILARITY:
                matches.append((entry, SIMILAR_WEIGHT))
    return matches


def _extra_matches(token: str, extra: tuple[_Entry, ...]) -> list[tuple[_Entry, float]]:
    """A cooperative's own words (a handful): whole, by stem, or by similarity."""
    matches: list[tuple[_Entry, float]] = []
    for entry in extra:
        if " " in entry.text:
            continue
        if token == entry.text or (entry.stem and token.startswith(entry.text)):
            matches.append((entry, 1.0))
        elif len(token) >= MIN_FUZZY_LENGTH and len(entry.text) >= MIN_FUZZY_LENGTH:
            head = token[: len(entry.text)] if entry.stem else token
            if fuzz.ratio(head, entry.text) >= SIMILARITY:
                matches.append((entry, SIMILAR_WEIGHT))
    return matches


def service_evidence(text: str, extra_words: ExtraWords | None = None) -> ServiceEvidence:
    """Score every service and both languages by the words of `text`; `extra_words` are a
    cooperative's own, read besides the lexicon's."""
    extra = _compile(extra_words) if extra_words else ()
    folded = " " + " ".join(words(text)) + " "
    scores: dict[str, float] = {}
    languages: dict[str, float] = {}

    def add(entry: _Entry, strength: float) -> None:
        scores[entry.code] = scores.get(entry.code, 0) + entry.weight * strength
        languages[entry.language] = languages.get(entry.language, 0) + strength

    for entry in (*_entries(), *extra):
        if " " in entry.text and f" {entry.text} " in folded:
            add(entry, 1.0)
    if _QUESTION.search(fold(text)) and not _ASKING_FOR_HELP.search(folded):
        scores["information"] = scores.get("information", 0) + QUESTION_WEIGHT
    for token in words(text):
        best: dict[str, tuple[_Entry, float]] = {}
        for entry, strength in [*_token_matches(token), *_extra_matches(token, extra)]:
            current = best.get(entry.code)
            if current is None or entry.weight * strength > current[0].weight * current[1]:
                best[entry.code] = (entry, strength)
        for entry, strength in best.values():
            add(entry, strength)
    return ServiceEvidence(scores, languages)
