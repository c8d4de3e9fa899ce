"""Free-text intake: which service a message asks for (first cut; dates and typos come later)."""

from __future__ import annotations

import re
import unicodedata

# Word stems in Italian and English. Stems of four letters or more match word prefixes
# ("pacc" → pacco, pacchi); shorter ones must match a whole word ("tap", "dog").
SERVICE_STEMS: dict[str, tuple[str, ...]] = {
    "parcel": ("pacc", "parcel", "package", "corrier", "spedizion", "delivery", "amazon"),
    "prescription": ("ricett", "farmac", "medicin", "prescri", "pharmac", "pillol"),
    "shopping": ("spesa", "shopping", "grocer", "supermerc", "alimentar"),
    "bill_payment": ("bollett", "bill", "bills", "pagare", "pagament", "f24", "tassa", "bollo"),
    "ironing": ("stir", "ironing", "iron", "camici", "shirt", "shirts"),
    "cleaning": ("pulizi", "pulire", "clean", "lavare"),
    "home_repair": (
        "rubinett",
        "ripar",
        "repair",
        "fix",
        "tap",
        "idraul",
        "plumb",
        "guast",
        "lampadin",
    ),
    "home_watch": (
        "piant",
        "innaff",
        "plant",
        "plants",
        "cane",
        "dog",
        "gatt",
        "cat",
        "animal",
        "pet",
    ),
    "elder_checkin": ("chiamat", "telefonat", "check-in", "checkin", "controllare", "sta bene"),
    "accompaniment": ("accompagn", "accompany", "escort", "visita", "appointment"),
    "childcare": ("bambin", "babysit", "child", "children", "figli", "asilo"),
    "carer_search": ("badant", "carer", "caregiver", "assistente"),
}

_WORD = re.compile(r"[\w-]+", re.UNICODE)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """Lower-case, accent-free words of a text."""
    return _WORD.findall(_fold(text))


def _matches(stem: str, tokens: list[str], folded: str) -> bool:
    if " " in stem:
        return stem in folded
    if len(stem) >= 4:
        return any(token.startswith(stem) for token in tokens)
    return stem in tokens


def recognise_service(text: str) -> str | None:
    """The service code a text asks for, or None when no service or several tie."""
    folded = _fold(text)
    tokens = words(text)
    scores = {
        code: sum(1 for stem in stems if _matches(stem, tokens, folded))
        for code, stems in SERVICE_STEMS.items()
    }
    best = max(scores.values())
    if best == 0:
        return None
    winners = [code for code, score in scores.items() if score == best]
    return winners[0] if len(winners) == 1 else None
