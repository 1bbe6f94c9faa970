"""Tune how faq.ranking blends the matcher with the classifier, without the evaluation sets.

Sources (none of them tests/data/faq_eval.jsonl nor the frozen set of 2026-12-02):
- the knowledge base's own variants, each asked of a matcher AND a classifier built without it
  (4-fold cross-validation): top-1 above the threshold;
- benchmarks/data/oos_tuning.txt: out-of-scope rejection;
- tests/data/faq_eval_extra.jsonl: in-scope accuracy and rejection on citizen-style phrasings.
A grid search maximises the mean of the four figures (as benchmarks/faq_tune.py does for the
matcher's own weights). Run: `.venv/bin/python benchmarks/faq_blend_tune.py`; copy the winner
into faq.ranking.Blend.
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
from faq.ranking import Blend, Ranker  # noqa: E402
from faq.services import load_services  # noqa: E402
from faq.smalltalk import small_talk  # noqa: E402

FOLDS = 4


def views(ranker: Ranker, text: str):
    if small_talk(text):
        return None
    return ranker.views(text, with_clauses=True)


def main() -> None:
    entries = load()
    services = [s.as_entry() for s in load_services()]  # ranked alongside, as in production
    positives = []
    for fold in range(FOLDS):
        train = [
            replace(e, questions=tuple(q for i, q in enumerate(e.questions) if i % FOLDS != fold))
            for e in entries
        ]
        ranker = Ranker([*train, *services])
        for index, entry in enumerate(entries):
            for i, question in enumerate(entry.questions):
                if i % FOLDS == fold:
                    positives.append((index, views(ranker, question)))
    full = Ranker([*entries, *services])
    ids = [e.id for e in entries]
    lines = (ROOT / "benchmarks/data/oos_tuning.txt").read_text(encoding="utf-8").splitlines()
    negatives = [views(full, x) for x in lines if x.strip() and not x.startswith("#")]
    extra_in, extra_out = [], []
    for raw in (ROOT / "tests/data/faq_eval_extra.jsonl").read_text("utf-8").splitlines():
        case = json.loads(raw)
        if case["expect"] == "EMERGENCY":
            continue
        v = views(full, case["q"])
        if case["expect"] is None:
            extra_out.append(v)
        else:
            extra_in.append((ids.index(case["expect"]), v))

    results = []
    grid = itertools.product(
        (0.35, 0.45, 0.55),  # classifier weight
        (2.0, 3.0, 4.0),  # margin slope
        (-0.5, -0.25, 0.0),  # margin offset
        (0.0, 0.8, 0.9),  # clause discount
    )
    for weight, slope, offset, clause in grid:
        blend = Blend(weight, slope, offset, clause, 0.0)

        def best(v, blend=blend):
            """The top entry and its score; a service on top counts as a rejection."""
            if v is None:
                return None, 0.0
            ranked = full.combine(v, blend)
            if not ranked:
                return None, 0.0
            index, score = ranked[0]
            return (index, score) if index < len(entries) else (None, 0.0)

        pos = [(exp, *best(v)) for exp, v in positives]
        neg = [best(v)[1] for v in negatives]
        xin = [(exp, *best(v)) for exp, v in extra_in]
        xout = [best(v)[1] for v in extra_out]
        for threshold in [t / 100 for t in range(30, 60, 2)]:
            conf = sum(got == exp and s >= threshold for exp, got, s in pos) / len(pos)
            top1 = sum(got == exp for exp, got, s in pos) / len(pos)
            rej = sum(s < threshold for s in neg) / len(neg)
            acc = sum(got == exp and s >= threshold for exp, got, s in xin) / len(xin)
            xrej = sum(s < threshold for s in xout) / len(xout)
            objective = (conf + rej + acc + xrej) / 4
            results.append((objective, top1, conf, rej, acc, xrej, threshold, blend))
    results.sort(key=lambda r: r[0], reverse=True)
    for objective, top1, conf, rej, acc, xrej, threshold, blend in results[:10]:
        print(
            f"objective {objective:.3f} cv-top1 {top1:.3f} cv-confident {conf:.3f} "
            f"oos-tuning {rej:.3f} extra in-scope {acc:.3f} extra oos {xrej:.3f} "
            f"threshold {threshold:.2f} {blend}"
        )


if __name__ == "__main__":
    main()
