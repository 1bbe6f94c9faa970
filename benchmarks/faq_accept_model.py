"""Measure a learned acceptance model against faq.ranking's hand rules (tried, not kept).

The question: can a small logistic regression over features of the ranking (top blended score,
gap to the second, matcher score and classifier margin of the top, the margin's gap, whether both
scorers agree, message length, share of words unknown to the base, service on top) accept more
right answers than the rules (Blend.threshold, long_relief, agree_relief) at the same
false-accept rate on off-topic messages? It is used only where the rules reject (rules OR model).
Data, without any evaluation set: 4-fold cross-validation over the knowledge base's variants
(services indexed as in production; a right top-1 is a positive, a wrong one a negative) and
benchmarks/data/oos_tuning.txt + oos_long_tuning.txt (negatives). Both the variants and the
off-topic lines are split in two halves by position: the model is trained on one half, scored on
the other, and the other way round, so every figure below is out of sample.
Run: `.venv/bin/python benchmarks/faq_accept_model.py`.

Measured 2026-12-02 (rules alone: confident 0.867 of 2,341 held-out variants; figures are
confident top-1 and off-topic lines the model adds, of 81 short + 64 long):
- negatives weighted 1, C 1, all tops: cut 0.5 → 0.896 (7 + 7), 0.6 → 0.878 (4 + 4), 0.7 →
  0.870 (1 + 3), 0.8 → 0.867 (1 + 0).
- negatives weighted 5, C 0.1, only tops scoring ≥ 0.30: cut 0.5 → 0.879 (2 + 2), 0.6 → 0.867
  (0 + 0).
- negatives weighted 20: 0.867 at every cut that adds no off-topic line.
So at today's off-topic rejection the model adds nothing (the best cut with no added off-topic
line keeps 0.867); every cut that gains a point of confident top-1 costs 3–6 points of
off-topic rejection on the long list.
Why: the right answers the rules reject (long stories, indirect questions: top 0.33–0.44, gap
0.05–0.15, both scorers often agreeing) have the same profile as off-topic messages whose words
the base knows ("đi Đà Lạt chơi, đặt phòng khách sạn" → cutru-luu-tru at 0.34, gap 0.14, agreeing);
unknown words are near zero for both. These features cannot tell them apart; a better signal
would have to say whether the message is about the entry's subject at all.
"""

from __future__ import annotations

import math
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from faq.knowledge import load  # noqa: E402
from faq.normalize import tokens  # noqa: E402
from faq.ranking import Ranker  # noqa: E402
from faq.services import SERVICE_PREFIX, load_services  # noqa: E402
from faq.smalltalk import small_talk  # noqa: E402

FOLDS = 4
CUTS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


def features(ranker: Ranker, text: str) -> dict | None:
    """What the ranking says about `text`, as Ranker.assess sees it; None for nothing ranked."""
    views, combined = ranker.scored(text)
    if not combined:
        return None
    _, rules = ranker.assess(text)
    top, best = combined[0]
    second = combined[1][1] if len(combined) > 1 else 0.0
    whole = views[0]
    margins = whole.margins
    margin = float(margins[top])
    words = tokens(text)
    known = ranker.matcher._known_words | ranker.matcher._word_set
    return {
        "top": ranker.entries[top].id,
        "vector": [
            best,
            best - second,
            dict(whole.matched).get(top, 0.0),
            margin,
            margin - float(np.delete(margins, top).max()),
            float(Ranker.agree(whole, top)),
            math.log(len(words) + 1),
            sum(w not in known for w in words) / max(len(words), 1),
        ],
        "service": ranker.entries[top].id.startswith(SERVICE_PREFIX),
        "rules": rules,
    }


def collect():
    entries = load()
    services = [s.as_entry() for s in load_services()]
    variants = []  # (expected id, features)
    for fold in range(FOLDS):
        train = [
            replace(e, questions=tuple(q for i, q in enumerate(e.questions) if i % FOLDS != fold))
            for e in entries
        ]
        ranker = Ranker([*train, *services])
        for entry in entries:
            for i, question in enumerate(entry.questions):
                if i % FOLDS == fold and not small_talk(question):
                    variants.append((entry.id, features(ranker, question)))
    full = Ranker([*entries, *services])
    off_topic = {}
    for name in ("oos_tuning.txt", "oos_long_tuning.txt"):
        lines = (ROOT / "benchmarks/data" / name).read_text(encoding="utf-8").splitlines()
        lines = [x for x in lines if x.strip() and not x.startswith("#")]
        off_topic[name] = [None if small_talk(x) else features(full, x) for x in lines]
    return variants, off_topic


def main() -> None:
    from sklearn.linear_model import LogisticRegression

    variants, off_topic = collect()
    asked = len(variants)
    base = sum(1 for e, f in variants if f and f["rules"] and f["top"] == e)
    print(f"rules alone: confident {base / asked:.3f}")

    def open_(f, low):  # where the model decides: the rules reject, an entry is on top
        return f is not None and not f["rules"] and not f["service"] and f["vector"][0] >= low

    for low in (0.0, 0.25, 0.30):
        for weight in (1, 5, 20):
            for c in (0.1, 1.0):
                gained = dict.fromkeys(CUTS, 0)
                accepted = {name: dict.fromkeys(CUTS, 0) for name in off_topic}
                for half in (0, 1):
                    train = [(e, f) for j, (e, f) in enumerate(variants) if j % 2 != half]
                    train = [(e, f) for e, f in train if open_(f, low)]
                    neg = [
                        f
                        for lines in off_topic.values()
                        for i, f in enumerate(lines)
                        if i % 2 != half and open_(f, low)
                    ]
                    x = [f["vector"] for _, f in train] + [f["vector"] for f in neg]
                    y = [int(f["top"] == e) for e, f in train] + [0] * len(neg)
                    w = [1.0] * len(train) + [float(weight)] * len(neg)
                    model = LogisticRegression(C=c, max_iter=2000).fit(x, y, sample_weight=w)
                    for j, (e, f) in enumerate(variants):
                        if j % 2 == half and open_(f, low) and f["top"] == e:
                            p = model.predict_proba([f["vector"]])[0, 1]
                            for cut in CUTS:
                                gained[cut] += p >= cut
                    for name, lines in off_topic.items():
                        for i, f in enumerate(lines):
                            if i % 2 == half and open_(f, low):
                                p = model.predict_proba([f["vector"]])[0, 1]
                                for cut in CUTS:
                                    accepted[name][cut] += p >= cut
                row = " | ".join(
                    f"cut {cut}: {(base + gained[cut]) / asked:.3f} "
                    + "+".join(str(accepted[n][cut]) for n in off_topic)
                    for cut in CUTS
                )
                print(f"top ≥ {low:.2f}, negatives ×{weight}, C {c}: {row}")


if __name__ == "__main__":
    main()
