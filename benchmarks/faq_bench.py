"""FAQ benchmark: quality and latency on the real and a synthetic 5,000-entry base, a baseline,
and the start-up cost of training the classifier.

Run: `.venv/bin/python benchmarks/faq_bench.py [--eval tests/data/faq_eval.jsonl]`.
Prints a Markdown table. Pin to one core for the published figures:
`taskset -c 0 .venv/bin/python benchmarks/faq_bench.py`.

The baseline is what one would write first: rapidfuzz `process.extractOne` with `WRatio` over
the raw question variants, no normalisation, the best variant's entry as the answer.
Latencies are CPU time per call (time.thread_time): the development machine is shared by
several busy processes, and wall-clock percentiles there measure the neighbours, not this code.
Start-up is measured in a fresh interpreter (imports, loading the YAML, building the index and
training the classifier); the classifier is trained only for bases up to
faq.classifier.MAX_ENTRIES entries, so the synthetic base runs on the matcher alone.
"""

from __future__ import annotations

import argparse
import gc
import platform
import random
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from rapidfuzz import fuzz, process

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from faq.assistant import Faq  # noqa: E402
from faq.classifier import MAX_ENTRIES  # noqa: E402
from faq.evaluation import EMERGENCY, evaluate, read_cases  # noqa: E402
from faq.knowledge import Entry, load  # noqa: E402
from faq.matcher import Matcher  # noqa: E402
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
                started = time.thread_time()
                ask(question)
                times.append((time.thread_time() - started) * 1000)
    finally:
        gc.enable()
    return sorted(times)


def pct(sorted_times: list[float], share: float) -> float:
    return sorted_times[min(len(sorted_times) - 1, int(share * len(sorted_times)))]


def startup_seconds() -> tuple[float, float]:
    """Import faq and build the real Faq (index + classifier) in a fresh interpreter: wall clock
    and CPU seconds (the interpreter's own start is not counted)."""
    code = (
        "import time; t = time.perf_counter(); c = time.process_time(); "
        "from faq.assistant import Faq; Faq.from_directory(); "
        "print(time.perf_counter() - t, time.process_time() - c)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    wall, cpu = out.stdout.split()
    return float(wall), float(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval", type=Path, default=ROOT / "tests/data/faq_eval.jsonl")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--size", type=int, default=5000)
    args = parser.parse_args()

    cold, cold_cpu = startup_seconds()
    real = load()
    started = time.thread_time()
    faq = Faq(real, answer_cache=0)  # time the scoring, not the answer cache
    first_build_s = time.thread_time() - started  # scikit-learn import + training + index
    started = time.thread_time()
    Faq(real)
    warm_build_s = time.thread_time() - started  # the classifier is cached in-process
    cases, errors = read_cases(args.eval, {entry.id for entry in real})
    if errors:
        sys.exit("\n".join(errors))
    questions = [case.question for case in cases]
    in_scope = [case for case in cases if case.expect not in (None, EMERGENCY)]

    # Ours, real base: the full pipeline the bot runs (emergency + small talk + ranker).
    for question in questions:
        faq.ask(question)
    ours_real = latencies_ms(faq.ask, questions, args.rounds)
    report, _ = evaluate(faq, cases)

    # The rule-based matcher alone on the real base (what the bot ran before the classifier).
    matcher = Matcher(real)
    matcher_real = latencies_ms(matcher.match, questions, args.rounds)
    matcher_hits = sum(matcher.match(c.question).id == c.expect for c in in_scope)

    # Ours, synthetic base.
    started = time.thread_time()
    big = Faq(synthetic_base(real, args.size), answer_cache=0)
    build_s = time.thread_time() - started
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
        ranked = [a for a in faq.ranker.rank(question) if not a.id.startswith("service:")]
        return ranked[0].id if ranked else None

    ours_top1 = sum(top1(case.question) == case.expect for case in in_scope)

    print(
        f"Machine: {platform.machine()}, {platform.processor() or 'cpu'}, "
        f"Python {platform.python_version()}, one process; {len(questions)} questions "
        f"× {args.rounds} rounds from {args.eval.name}"
    )
    print()
    print("| matcher | base | in-scope top-1 | out-of-scope rejection | p50 ms | p99 ms |")
    print("|---|---|---|---|---|---|")
    print(
        f"| Lắng Nghe (normaliser + matcher + classifier + services) | real, {len(real)} entries "
        f"| {report.in_scope_accuracy:.3f} "
        f"(top-1 ignoring threshold {ours_top1 / len(in_scope):.3f}) "
        f"| {report.oos_rejection:.3f} | {pct(ours_real, 0.5):.3f} | {pct(ours_real, 0.99):.3f} |"
    )
    print(
        f"| rule-based matcher alone | real, {len(real)} entries "
        f"| {matcher_hits / len(in_scope):.3f} | – "
        f"| {pct(matcher_real, 0.5):.3f} | {pct(matcher_real, 0.99):.3f} |"
    )
    print(
        f"| Lắng Nghe (matcher only above {MAX_ENTRIES} entries) | synthetic, {args.size} "
        f"entries | – | – | {pct(ours_big, 0.5):.3f} | {pct(ours_big, 0.99):.3f} |"
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
    print("| start-up | seconds |")
    print("|---|---|")
    print(
        f"| fresh process: imports + YAML + index + training, CPU (wall clock) "
        f"| {cold_cpu:.2f} ({cold:.2f}) |"
    )
    print(
        f"| first Faq in a process, CPU: scikit-learn import + training + index | "
        f"{first_build_s:.2f} |"
    )
    print(f"| same process again, CPU (classifier cached by content hash) | {warm_build_s:.2f} |")
    print(f"| synthetic {args.size}-entry base, CPU (index only) | {build_s:.2f} |")
    print()
    outcomes = ", ".join(f"{name} {count}" for name, count in report.outcomes.items())
    print(
        f"Emergency recall {report.emergency_recall:.3f}, false alarms "
        f"{report.emergency_false_alarm:.3f}; what citizens got: {outcomes}; median of all "
        f"ours on real {statistics.median(ours_real):.3f} ms"
    )


if __name__ == "__main__":
    main()
