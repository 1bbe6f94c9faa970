"""Tune the matcher's score weights and threshold without looking at the evaluation set.

Three sources, none of them the test set (tests/data/faq_eval.jsonl):
- the knowledge base's own variants, each asked of a matcher built without it (4-fold
  cross-validation): confident top-1 accuracy;
- benchmarks/data/oos_tuning.txt: out-of-scope rejection;
- tests/data/faq_eval_extra.jsonl, a second set written independently: in-scope accuracy and
  out-of-scope rejection on citizen-style phrasings.
A grid search picks the weights and threshold that maximise the mean of these four figures.
Run: `.venv/bin/python benchmarks/faq_tune.py`; copy the winner into faq.matcher.Params and
DEFAULT_THRESHOLD.
"""

from __future__ import annotations

import itertools
import json
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from faq.knowledge import load  # noqa: E402
from faq.matcher import CANDIDATES, Matcher, Params  # noqa: E402
from faq.smalltalk import small_talk  # noqa: E402

FOLDS = 4


def candidate_features(matcher: Matcher, text: str):
    query = matcher._query(text)
    weights = query.weights
    if query.unigram_mass <= 0 or small_talk(text):
        return []
    accumulated: dict[int, float] = {}
    for term, weight in weights.items():
        for index in matcher._postings.get(term, ()):
            accumulated[index] = accumulated.get(index, 0.0) + weight
    top = sorted(accumulated, key=accumulated.__getitem__, reverse=True)[:CANDIDATES]
    return [(matcher.entries[i].id, matcher._features(i, query)) for i in top]


def main() -> None:
    entries = load()
    positives = []
    for fold in range(FOLDS):
        train = [
            replace(e, questions=tuple(q for i, q in enumerate(e.questions) if i % FOLDS != fold))
            for e in entries
        ]
        matcher = Matcher(train)
        for entry in entries:
            for i, question in enumerate(entry.questions):
                if i % FOLDS == fold:
                    positives.append((entry.id, candidate_features(matcher, question)))
    full = Matcher(entries)
    lines = (ROOT / "benchmarks/data/oos_tuning.txt").read_text(encoding="utf-8").splitlines()
    negatives = [
        candidate_features(full, line)
        for line in lines
        if line.strip() and not line.startswith("#")
    ]
    extra_in, extra_out = [], []
    extra = (ROOT / "tests/data/faq_eval_extra.jsonl").read_text(encoding="utf-8").splitlines()
    for raw in extra:
        case = json.loads(raw)
        if case["expect"] == "EMERGENCY":
            continue
        features = candidate_features(full, case["q"])
        (extra_out if case["expect"] is None else extra_in).append((case["expect"], features))

    results = []
    grid = itertools.product(
        (0.1, 0.2, 0.3),  # uni
        (0.0, 0.1),  # bi
        (0.3, 0.45, 0.6),  # dice
        (0.0, 0.1, 0.2),  # fuzz
        (4.0, 6.0, 8.0),  # evidence
        (0.5, 1.0),  # evidence_power
        (0.0, 0.15, 0.3, 0.45),  # contained
    )
    for values in grid:
        params = Params(*values)
        scorer = Matcher.__new__(Matcher)
        scorer.params = params

        def best(cands, scorer=scorer):
            if not cands:
                return None, 0.0
            return max(((scorer._score(f), eid) for eid, f in cands), key=lambda x: x[0])[::-1]

        pos = [(expected, *best(c)) for expected, c in positives]
        neg = [best(c)[1] for c in negatives]
        xin = [(expected, *best(c)) for expected, c in extra_in]
        xout = [best(c)[1] for _, c in extra_out]
        for threshold in [t / 100 for t in range(20, 60, 2)]:
            conf = sum(got == exp and s >= threshold for exp, got, s in pos) / len(pos)
            rej = sum(s < threshold for s in neg) / len(neg)
            acc = sum(got == exp and s >= threshold for exp, got, s in xin) / len(xin)
            xrej = sum(s < threshold for s in xout) / len(xout)
            results.append(((conf + rej + acc + xrej) / 4, conf, rej, acc, xrej, threshold, params))
    results.sort(key=lambda r: r[0], reverse=True)
    for objective, conf, rej, acc, xrej, threshold, params in results[:8]:
        print(
            f"objective {objective:.3f} cv-confident {conf:.3f} oos-tuning {rej:.3f} "
            f"extra in-scope {acc:.3f} extra oos {xrej:.3f} threshold {threshold:.2f} {params}"
        )


if __name__ == "__main__":
    main()
