"""FAQ matcher benchmark: latency on the real and a synthetic 5,000-entry base, and a baseline.

Run: `.venv/bin/python benchmarks/faq_bench.py [--eval tests/data/faq_eval.jsonl]`.
Prints a Markdown table. Pin to one core for the published figures:
`taskset -c 0 .venv/bin/python benchmarks/faq_bench.py`.

The baseline is what one would write first: rapidfuzz `process.extractOne` with `WRatio` over
the raw question variants, no normalisation, the best variant's entry as the answer.
"""

from __future__ import annotations

import argparse
import gc
import platform
import random
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

from rapidfuzz import fuzz, process

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from faq.assistant import Faq  # noqa: E402
from faq.evaluation import EMERGENCY, evaluate, read_cases  # noqa: E402
from faq.knowledge import Entry, load  # noqa: E402
from faq.normalize import tokens  # noqa: E402

ONSETS = [
    "b",
    "c",
    "ch",
    "d",
    "g",
    "gi",
    "h",
    "k",
    "kh",
    "l",
    "m",
    "n",
    "ng",
    "nh",
    "ph",
    "qu",
    "r",
    "s",
    "t",
    "th",
    "tr",
    "v",
    "x",
    "",
]
VOWELS = ["a", "e", "i", "o", "u", "y", "oa", "uo", "ie", "uy", "ai", "ao", "au", "oi", "ua"]
CODAS = ["", "c", "ch", "m", "n", "ng", "nh", "p", "t", "i", "u"]


def synthetic_base(real: list[Entry], size: int, seed: int = 7) -> list[Entry]:
    """Entries shaped like the real ones: real phrasing with new topic words mixed in.

    Each synthetic entry borrows a real entry's variants and swaps about half their words for
    syllables drawn (Zipf-like) from a vocabulary of a few thousand made-up syllables, so the
    index has realistic posting-list lengths rather than all-unique or all-shared words.
    """
    rng = random.Random(seed)
    syllables = sorted({o + v + c for o in ONSETS for v in VOWELS for c in CODAS})
    rng.shuffle(syllables)
    weights = [1 / (rank + 1) for rank in range(len(syllables))]
    entries = []
    for number in range(size):
        model = real[number % len(real)]
        topic = rng.choices(syllables, weights, k=4)

        def mutate(text: str, topic=topic) -> str:
            words = tokens(text)
            return (
                " ".join(rng.choice(topic) if rng.random() < 0.5 else word for word in words)
                + f" {topic[0]} {topic[1]}"
            )

        entries.append(
            replace(
                model,
                id=f"synthetic-{number:05d}",
                title=mutate(model.title),
                questions=tuple(mutate(q) for q in model.questions),
                keywords=tuple(topic),
                related=(),
            )
        )
    return entries


def latencies_ms(ask, questions: list[str], rounds: int) -> list[float]:
    times = []
    gc.disable()
    try:
        for _ in range(rounds):
            for question in questions:
                started = time.perf_counter()
                ask(question)
                times.append((time.perf_counter() - started) * 1000)
    finally:
        gc.enable()
    return sorted(times)


def pct(sorted_times: list[float], share: float) -> float:
    return sorted_times[min(len(sorted_times) - 1, int(share * len(sorted_times)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval", type=Path, default=ROOT / "tests/data/faq_eval.jsonl")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--size", type=int, default=5000)
    args = parser.parse_args()

    real = load()
    faq = Faq(real)
    cases, errors = read_cases(args.eval, {entry.id for entry in real})
    if errors:
        sys.exit("\n".join(errors))
    questions = [case.question for case in cases]
    in_scope = [case for case in cases if case.expect not in (None, EMERGENCY)]

    # Ours, real base: the full pipeline the bot runs (emergency + small talk + matcher).
    faq.ask(questions[0])
    ours_real = latencies_ms(faq.ask, questions, args.rounds)
    report, _ = evaluate(faq, cases)

    # Ours, synthetic base.
    started = time.perf_counter()
    big = Faq(synthetic_base(real, args.size))
    build_s = time.perf_counter() - started
    ours_big = latencies_ms(big.ask, questions, args.rounds)

    # Baseline: WRatio over raw variants.
    variants = [(q, entry.id) for entry in real for q in entry.questions]
    choices = [q for q, _ in variants]

    def baseline(question: str):
        return process.extractOne(question, choices, scorer=fuzz.WRatio)

    base_real = latencies_ms(baseline, questions, args.rounds)
    base_hits = sum(variants[baseline(c.question)[2]][1] == c.expect for c in in_scope)
    big_entries = synthetic_base(real, args.size)
    big_choices = [q for entry in big_entries for q in entry.questions]
    base_big = latencies_ms(
        lambda q: process.extractOne(q, big_choices, scorer=fuzz.WRatio), questions[:60], 1
    )

    def top1(question: str) -> str | None:
        result = faq.ranker.match(question)
        return result.id or (result.alternatives[0].id if result.alternatives else None)

    ours_top1 = sum(top1(case.question) == case.expect for case in in_scope)

    print(
        f"Machine: {platform.machine()}, {platform.processor() or 'cpu'}, "
        f"Python {platform.python_version()}, one process; {len(questions)} questions "
        f"× {args.rounds} rounds from {args.eval.name}; synthetic base built in {build_s:.1f} s"
    )
    print()
    print("| matcher | base | in-scope top-1 | out-of-scope rejection | p50 ms | p99 ms |")
    print("|---|---|---|---|---|---|")
    print(
        f"| Lắng Nghe (normaliser + index + fuzz) | real, {len(real)} entries "
        f"| {report.in_scope_accuracy:.3f} "
        f"(top-1 ignoring threshold {ours_top1 / len(in_scope):.3f}) "
        f"| {report.oos_rejection:.3f} | {pct(ours_real, 0.5):.3f} | {pct(ours_real, 0.99):.3f} |"
    )
    print(
        f"| Lắng Nghe | synthetic, {args.size} entries | – | – "
        f"| {pct(ours_big, 0.5):.3f} | {pct(ours_big, 0.99):.3f} |"
    )
    print(
        f"| baseline: extractOne WRatio, raw | real, {len(real)} entries "
        f"| {base_hits / len(in_scope):.3f} | – (always answers) "
        f"| {pct(base_real, 0.5):.3f} | {pct(base_real, 0.99):.3f} |"
    )
    print(
        f"| baseline | synthetic, {args.size} entries | – | – "
        f"| {pct(base_big, 0.5):.3f} | {pct(base_big, 0.99):.3f} |"
    )
    print()
    print(
        f"Emergency recall {report.emergency_recall:.3f}, false alarms "
        f"{report.emergency_false_alarm:.3f}; median of all ours on real "
        f"{statistics.median(ours_real):.3f} ms"
    )


if __name__ == "__main__":
    main()
