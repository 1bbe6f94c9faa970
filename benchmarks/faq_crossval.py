"""Cross-validate the matcher on the knowledge base's own question variants.

Tuning on one evaluation set risks fitting that set. Here every fourth variant of every entry is
held out in turn, the ranker (matcher + classifier, faq.ranking) is built on the rest, and the
held-out variants are asked: the top-1 accuracy estimates how it does on phrasings it has never
seen. `--matcher-only` measures the rule-based matcher alone, for comparison.
Run: `.venv/bin/python benchmarks/faq_crossval.py [--folds 4] [--misses]`.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from faq.knowledge import load
from faq.matcher import Matcher
from faq.ranking import Ranker


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--misses", action="store_true")
    parser.add_argument("--matcher-only", action="store_true")
    args = parser.parse_args()
    entries = load()
    asked = top1 = confident = 0
    for fold in range(args.folds):
        train, held = [], []
        for entry in entries:
            keep = [q for i, q in enumerate(entry.questions) if i % args.folds != fold]
            held += [(q, entry.id) for i, q in enumerate(entry.questions) if i % args.folds == fold]
            train.append(replace(entry, questions=tuple(keep)))
        matcher = Matcher(train) if args.matcher_only else Ranker(train)
        for question, expected in held:
            result = matcher.match(question)
            best = result.id or (result.alternatives[0].id if result.alternatives else None)
            asked += 1
            top1 += best == expected
            confident += result.id == expected
            if args.misses and result.id != expected:
                print(f"  {expected:20} got {result.id} {result.score:.2f} | {question}")
    print(
        f"held-out variants {asked}: top-1 {top1 / asked:.3f}, "
        f"confident (above threshold) {confident / asked:.3f}"
    )


if __name__ == "__main__":
    main()
