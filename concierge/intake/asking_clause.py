"""The part of a message that asks: "Domenica ho avuto a pranzo tutta la famiglia… Potreste
mandare qualcuno domani?" is due tomorrow, not on Sunday. People tell the story first (the
party, the trip, the fall, each with its own day) and then ask; the day of the ask is the one
in the asking sentence."""

from __future__ import annotations

import re

from concierge.intake.words import fold

# Sentences end at . ! ? ; a line break, an ellipsis, or an emoji used as a full stop; each
# keeps its own end, so that a question still reads as one.
_SENTENCE = re.compile(
    r"[^.!?;\n…\u2600-\u27bf\U0001f300-\U0001faff]+"
    r"(?:[.!?;\n…]+|\s*[\u2600-\u27bf\U0001f300-\U0001faff]+|$)"
)
_ASKING = re.compile(
    r"\?|\b(?:potete|potreste|puoi|potresti|riuscite|riesce|qualcuno|qlcn|qualcun|mi serve|"
    r"mi servirebbe|ci serve|vorrei|vorremmo|chiede|chiedo|vi chiederei|mi prendete|"
    r"mi portate|mi stirate|passate|mandate|venite|could you|can you|would you|could someone|"
    r"can someone|could anyone|can anyone|someone|somebody|please|i need|we need|we'd like|"
    r"i'd like|need|needs|bisogno|serve|gradirei|richiedo|richiede)\b"
)


# A speaker correcting himself ("martedì, no anzi mercoledì", "il 20... no, il 19", "Friday,
# sorry, I mean Thursday"): what follows the last correction is what he means.
_CORRECTION = re.compile(
    r"\b(?:no\s+anzi|anzi|no\s+scusa|no\s+scusate|no\s+aspetta|aspetta\s+no|eh\s+no|o\s+meglio|"
    r"no\s+wait|sorry\s+i\s+mean|i\s+mean|actually)\b|(?:^|[\s.,?!…])no[,.!…]+\s"
)


def corrected_part(text: str) -> str | None:
    """The words after the speaker's last correction of himself (folded), or None when he made
    none."""
    folded = fold(text)
    corrections = list(_CORRECTION.finditer(folded))
    return folded[corrections[-1].end() :] if corrections else None


def asking_part(text: str) -> str | None:
    """The sentences of `text` that ask for something, when it tells something else too;
    None when every sentence asks, or none does (then the whole text is the ask)."""
    sentences = [piece for piece in _SENTENCE.findall(text) if piece.strip(" .!?;…\n")]
    if len(sentences) < 2:
        return None
    asking = [sentence for sentence in sentences if _ASKING.search(fold(sentence))]
    if not asking or len(asking) == len(sentences):
        return None
    return " . ".join(sentence.strip(" .;…\n") for sentence in asking)
