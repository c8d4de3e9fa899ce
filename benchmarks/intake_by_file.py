"""Services read right per labelled file, each file read by a classifier that never saw it
(leave one file out: the next writer is a stranger too), for the word list alone, the
classifier alone and the two blended as `understand` does; and dates and recurrence per file.

Usage: python benchmarks/intake_by_file.py [FILE ...]
The training sets of benchmarks/intake_corpus.py are read (never the coordinator's held-out
set), then each FILE given, if any: a new writer's set not yet in the corpus, read by the
classifier trained on all of it — the fair first measure of a new set, taken before anything
is tuned on it.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from benchmarks.intake_accuracy import score_file
from benchmarks.intake_corpus import DATA, SERVICE_ALIASES, TRAINING_SETS
from concierge.intake.service_model import ServiceModel, read_corpus, trained_without
from concierge.intake.service_words import service_evidence
from concierge.intake.understanding import FALLBACK_SERVICE


def _alone(path: Path, model: ServiceModel) -> tuple[int, int, int]:
    """Lines, right by the word list's top service, right by the classifier's."""
    lines = words_right = learnt_right = 0
    for raw in path.read_text(encoding="utf-8").splitlines():
        if not raw.strip():
            continue
        case = json.loads(raw)
        label = case.get("service", case.get("category"))
        service = SERVICE_ALIASES.get(label, label)
        ranked = service_evidence(case["text"]).ranked()
        probabilities = model.probabilities(case["text"])
        lines += 1
        words_right += (ranked[0][0] if ranked else FALLBACK_SERVICE) == service
        learnt_right += max(probabilities, key=lambda code: probabilities[code]) == service
    return lines, words_right, learnt_right


def _row(path: Path, model: ServiceModel) -> str:
    """One file's line of the table."""
    lines, words_right, learnt_right = _alone(path, model)
    score, _ = score_file(path, model)
    cells = [words_right, learnt_right, score.services, score.dates]
    row = f"{path.name:<30}{lines:>5}  " + "  ".join(f"{100 * c / lines:5.1f}%" for c in cells)
    labelled = '"recurrence"' in path.read_text(encoding="utf-8")
    return row + (f"  {100 * score.recurrences / lines:5.1f}%" if labelled else "     —")


def main() -> None:
    """Print one row per file: lines, word list, classifier, blend, dates, recurrence."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="*", type=Path)
    args = parser.parse_args()
    corpus = read_corpus()
    print("file                          lines  words   learnt  blend   dates   recurrence")
    for name in TRAINING_SETS:
        print(_row(DATA / name, trained_without(corpus, name.removesuffix(".jsonl"))))
    for path in args.files:
        print(_row(path, trained_without(corpus, path.stem)))


if __name__ == "__main__":
    main()
