"""Which service a free text asks for, learnt from labelled requests: a multinomial naive Bayes
over character 3–5-grams and whole words, trained at first use from the labelled corpus kept in
the package (lexicon/service_corpus.jsonl, built from tests/data by `make intake-corpus`).

It reads what the word list misses (a new writer's own phrasing), while the word list keeps
explaining the answer and carries a cooperative's own words. Pure Python on purpose: the whole
corpus trains in well under a second and a message is scored in a fraction of a millisecond,
without numpy/scikit-learn's import time and memory (see README, "Measured on sets written blind").
"""

from __future__ import annotations

import json
import math
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from concierge.intake.words import words

CORPUS_FILE = Path(__file__).parent / "lexicon" / "service_corpus.jsonl"
SMOOTHING = 0.3  # additive (Lidstone) smoothing of feature counts
SHORTEST_GRAM, LONGEST_GRAM = 3, 5
# Log-likelihoods of a long text differ by tens of nats, which would make every guess look
# certain; dividing by this before the softmax keeps the runner-up's share meaningful.
TEMPERATURE = 20.0
WORD_CACHE = 50_000  # words remembered with their scores (a few MB at most)


@dataclass(frozen=True)
class Example:
    """One labelled request: its text, its service code and the file it came from."""

    text: str
    service: str
    source: str


def word_features(word: str) -> set[str]:
    """Character 3–5-grams inside a word (padded, so "pacco" gives " pa" and "co ") and the
    word itself."""
    padded = f" {word} "
    found = {f"w:{word}"}
    for size in range(SHORTEST_GRAM, LONGEST_GRAM + 1):
        found.update(padded[i : i + size] for i in range(max(1, len(padded) - size + 1)))
    return found


def features(text: str, known: dict[str, tuple[str, ...]] | None = None) -> Counter[str]:
    """The features of each distinct word of a text, counted once per word: how often a word
    recurs says little in a short message. `known`: each word's features, filled as words come
    (training sees the same few thousand words again and again)."""
    seen = {} if known is None else known
    found: Counter[str] = Counter()
    for word in set(words(text)):
        grams = seen.get(word)
        if grams is None:
            grams = seen[word] = tuple(word_features(word))
        found.update(grams)
    return found


class ServiceModel:
    """Naive Bayes stored sparsely: each feature keeps, per service that has seen it, how much
    more likely it is there than an unseen feature; scoring touches only those entries. The
    entries lie in flat arrays (feature → its slice), not a dict per feature: a third of the
    memory, which an idle service process pays for (issue 20, target 6)."""

    def __init__(self, examples: Iterable[Example]) -> None:
        counts: dict[str, Counter[str]] = {}
        totals: Counter[str] = Counter()
        known: dict[str, tuple[str, ...]] = {}
        for example in examples:
            counts.setdefault(example.service, Counter()).update(features(example.text, known))
            totals[example.service] += 1
        del known
        vocabulary = {feature for seen in counts.values() for feature in seen}
        size, lines = len(vocabulary), sum(totals.values())
        self.services = tuple(sorted(counts))
        self._prior = {code: math.log(totals[code] / lines) for code in self.services}
        self._unseen = {
            code: math.log(SMOOTHING / (sum(counts[code].values()) + SMOOTHING * size))
            for code in self.services
        }
        self._by_word: dict[str, tuple[int, dict[str, float]]] = {}  # a cache, see _word
        self._slice: dict[str, int] = {}  # feature → where its entries start in the arrays
        self._ends, self._codes, self._gains = array("I"), array("B"), array("d")
        seen_by = [counts[code] for code in self.services]
        for feature in vocabulary:
            self._slice[feature] = len(self._ends)
            for index, seen in enumerate(seen_by):
                count = seen.get(feature)
                if count:
                    self._codes.append(index)
                    self._gains.append(math.log((count + SMOOTHING) / SMOOTHING))
            self._ends.append(len(self._codes))

    def _entries(self, feature: str) -> Iterator[tuple[str, float]]:
        """The services that saw a feature and what it adds to each; none if it is unknown."""
        at = self._slice.get(feature)
        if at is None:
            return
        for entry in range(self._ends[at - 1] if at else 0, self._ends[at]):
            yield self.services[self._codes[entry]], self._gains[entry]

    def _word(self, word: str) -> tuple[int, dict[str, float]]:
        """How many known features a word has and what they add per service, computed once
        per word: words recur from message to message, so scoring is a few additions."""
        cached = self._by_word.get(word)
        if cached is None:
            known = [feature for feature in word_features(word) if feature in self._slice]
            gains: dict[str, float] = {}
            for feature in known:
                for code, gain in self._entries(feature):
                    gains[code] = gains.get(code, 0.0) + gain
            cached = (len(known), gains)
            if len(self._by_word) < WORD_CACHE:
                self._by_word[word] = cached
        return cached

    def log_scores(self, text: str) -> dict[str, float]:
        """Log-probability (up to a constant) of each service given the text."""
        scores = dict(self._prior)
        for word in set(words(text)):
            known, gains = self._word(word)
            for code in self.services:
                scores[code] += known * self._unseen[code] + gains.get(code, 0.0)
        return scores

    def probabilities(self, text: str) -> dict[str, float]:
        """Each service's share, softened by TEMPERATURE; they sum to 1."""
        scores = self.log_scores(text)
        if not scores:
            return {}
        top = max(scores.values())
        raised = {code: math.exp((score - top) / TEMPERATURE) for code, score in scores.items()}
        total = sum(raised.values())
        return {code: value / total for code, value in raised.items()}


def read_corpus(path: Path = CORPUS_FILE) -> list[Example]:
    """The labelled lines of a corpus file ({"text", "service", "source"} per line)."""
    examples = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            examples.append(Example(row["text"], row["service"], row["source"]))
    return examples


@cache
def service_model() -> ServiceModel:
    """The model trained on the whole corpus, once per process (at the first message)."""
    return ServiceModel(read_corpus())


def trained_without(examples: Sequence[Example], source: str) -> ServiceModel:
    """A model that never saw `source`: how it reads that file imitates a new writer."""
    return ServiceModel(example for example in examples if example.source != source)
