"""Cross-validate the ranker on the knowledge base's own question variants.

Tuning on one evaluation set risks fitting that set. Here every fourth variant of every entry is
held out in turn, the ranker (matcher + classifier, faq.ranking) is built on the rest, and the
held-out variants are asked: the top-1 accuracy estimates how it does on phrasings it has never
seen. `--matcher-only` measures the rule-based matcher alone, for comparison.
Run: `.venv/bin/python benchmarks/faq_crossval.py [--folds 4] [--misses] [--matcher-only]`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from faq.evaluation import cross_validate
from faq.knowledge import load


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--misses", action="store_true")
    parser.add_argument("--matcher-only", action="store_true")
    args = parser.parse_args()
    entries = load()
    top1, confident, misses = cross_validate(
        entries, folds=args.folds, matcher_only=args.matcher_only
    )
    if args.misses:
        for expected, got, score, question in misses:
            print(f"  {expected:20} got {got} {score:.2f} | {question}")
    asked = sum(len(e.questions) for e in entries)
    print(
        f"held-out variants {asked}: top-1 {top1:.3f}, confident (above threshold) {confident:.3f}"
    )


if __name__ == "__main__":
    main()
