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
