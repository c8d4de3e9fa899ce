"""Telling a question to the noticeboard from an errand, and finding the notices it asks about.

A message is a question to the board when it is put as a question ("c'è…", "quale…", "is
there…", "which…") with no ask for help in it ("potete…", "can you…"), and it names a kind of
notice ("mercato", "pharmacy") or a word of a notice on the board; typos are forgiven by
similarity (rapidfuzz), as the intake does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

from concierge.intake.words import fold, words
from concierge.noticeboard.notices import Notice, NoticeKind

SIMILARITY = 85  # rapidfuzz ratio from which a word is read as a typo of another
SHORTEST_FUZZY = 5  # shorter words must match exactly: "mare" is not "mercato"

KIND_WORDS: dict[NoticeKind, frozenset[str]] = {
    NoticeKind.MARKET: frozenset(
        {"mercato", "mercati", "mercatino", "mercatini", "market", "markets", "fiera"}
    ),
    NoticeKind.PHARMACY: frozenset(
        {"farmacia", "farmacie", "pharmacy", "pharmacies", "chemist", "chemists", "drugstore"}
    ),
    NoticeKind.EVENT: frozenset(
        {
            "evento",
            "eventi",
            "festa",
            "feste",
            "concerto",
            "spettacolo",
            "event",
            "events",
            "party",
            "concert",
            "show",
            "sagra",
        }
    ),
    NoticeKind.OFFICE: frozenset(
        {
            "ufficio",
            "uffici",
            "sportello",
            "orari",
            "orario",
            "office",
            "offices",
            "hours",
            "comune",
            "anagrafe",
            "posta",
        }
    ),
    NoticeKind.OFFER: frozenset(
        {
            "offerta",
            "offerte",
            "sconto",
            "sconti",
            "promozione",
            "offer",
            "offers",
            "discount",
            "discounts",
            "sale",
            "deal",
            "deals",
        }
    ),
}

# How questions open, folded: "c'è il mercato?", "quale farmacia…", "is there a market…".
_OPENERS = (
    "c'e", "ce ", "ci sono", "c'sono", "quale", "quali", "quando", "dove", "a che ora",
    "che orari", "che ore", "cosa c'e", "che cosa c'e", "e aperto", "e aperta", "sono aperti",
    "is there", "are there", "which", "when", "where", "what time", "what's on", "what is on",
    "is the", "are the", "any ",
)  # fmt: skip
# Words that ask someone to do something: an errand put as a question is still an errand.
_ASKS = frozenset(
    {"potete", "potreste", "puoi", "potresti", "puo", "riuscite", "riesci", "serve", "vorrei",
     "ritirare", "ritirate", "comprare", "comprate", "portare", "portate", "prendere",
     "prendete", "please", "pick", "buy", "bring", "fetch", "collect", "need"}
)  # fmt: skip
_ASK_PHRASES = ("can you", "could you", "would you", "can someone", "could someone", "per favore")
# Words too common to tell one notice from another.
_COMMON = frozenset(
    {"della", "delle", "dello", "degli", "nella", "nelle", "sabato", "domenica", "lunedi",
     "martedi", "mercoledi", "giovedi", "venerdi", "saturday", "sunday", "monday", "tuesday",
     "wednesday", "thursday", "friday", "there", "which", "where", "quale", "quali", "quando",
     "today", "tomorrow", "domani", "oggi", "aperto", "aperta", "open", "turno", "about"}
)  # fmt: skip


@dataclass(frozen=True)
class Topic:
    """What a question asks about: kinds of notice it names, and its other telling words."""

    kinds: frozenset[NoticeKind]
    words: frozenset[str]


def _similar(word: str, other: str) -> bool:
    if word == other:
        return True
    shortest = min(len(word), len(other))
    return shortest >= SHORTEST_FUZZY and fuzz.ratio(word, other) >= SIMILARITY


def _telling(text: str) -> frozenset[str]:
    return frozenset(w for w in words(text) if len(w) >= SHORTEST_FUZZY and w not in _COMMON)


def is_question(text: str) -> bool:
    """Whether a text is put as a question and asks nobody to do anything."""
    folded = " ".join(words(text.replace("’", "'")))
    raw = fold(text).replace("’", "'").strip()
    opens = any(raw.startswith(o) or folded.startswith(o.strip()) for o in _OPENERS)
    asks = bool(_ASKS.intersection(folded.split())) or any(p in folded for p in _ASK_PHRASES)
    return (opens or raw.endswith("?")) and not asks


def topic_of(text: str) -> Topic:
    """The kinds of notice a text names (typos forgiven) and its other telling words."""
    telling = _telling(text)
    kinds = frozenset(
        kind
        for kind, names in KIND_WORDS.items()
        if any(_similar(word, name) for word in words(text) for name in names)
    )
    return Topic(kinds=kinds, words=telling)


def fits(notice: Notice, topic: Topic) -> bool:
    """Whether a notice answers a question about `topic`: its kind, or a word of its text."""
    if notice.kind in topic.kinds:
        return True
    own = _telling(f"{notice.text_it} {notice.text_en}")
    return any(_similar(word, mine) for word in topic.words for mine in own)


def asks_the_board(text: str, board: Iterable[Notice]) -> Topic | None:
    """The topic of a question to the noticeboard, or None when the text is something else
    (an errand, a greeting, a question the board has nothing to do with)."""
    if not is_question(text):
        return None
    topic = topic_of(text)
    if topic.kinds or any(fits(notice, topic) for notice in board):
        return topic
    return None
