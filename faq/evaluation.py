"""Measure the FAQ on a JSONL question set: accuracy, rejection, emergency recall, latency.

Each line is `{"q": "...", "expect": "<id>" | null | "EMERGENCY"}`, optionally with a "kind"
(what angle the line tests: "story", "regional", "neighbour"...) and a "topic" (free text). A line
expecting EMERGENCY counts only towards emergency recall; every other line counts towards false
alarms. A redirect to another agency (id null) counts as a rejection. Besides the headline
figures the report counts what the citizen got (an answer, a family menu, a redirect, nothing)
and the share of lines handled right per kind.
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

from faq.assistant import Faq

EMERGENCY = "EMERGENCY"


@dataclass(frozen=True)
class Case:
    line: int
    question: str
    expect: str | None
    kind: str | None = None
    topic: str | None = None


@dataclass(frozen=True)
class Miss:
    line: int
    question: str
    expect: str | None
    got: str | None
    score: float
    emergency: bool


@dataclass(frozen=True)
class Report:
    in_scope_accuracy: float
    oos_rejection: float
    emergency_recall: float
    emergency_false_alarm: float
    p50_ms: float
    p99_ms: float
    n: int
    outcomes: dict[str, int] = field(default_factory=dict)
    per_kind: dict[str, dict[str, float]] = field(default_factory=dict)

    def as_json(self) -> dict:
        return asdict(self)


def read_cases(path: Path, known_ids: set[str]) -> tuple[list[Case], list[str]]:
    """Parse the file; bad lines become readable errors with their line number, never raise."""
    cases: list[Case] = []
    errors: list[str] = []
    try:
        lines = Path(path).read_bytes().decode("utf-8").splitlines()
    except UnicodeDecodeError as exc:
        return [], [f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})"]
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
        except json.JSONDecodeError as exc:
            errors.append(f"line {number}: not valid JSON ({exc.msg}, column {exc.colno})")
            continue
        if not isinstance(item, dict) or "q" not in item or "expect" not in item:
            errors.append(f'line {number}: expected an object with "q" and "expect"')
            continue
        question, expect = item["q"], item["expect"]
        kind, topic = item.get("kind"), item.get("topic")
        if any(v is not None and not isinstance(v, str) for v in (kind, topic)):
            errors.append(f'line {number}: "kind" and "topic" must be strings when present')
            continue
        if not isinstance(question, str) or not question.strip():
            errors.append(f'line {number}: "q" must be a non-empty string')
            continue
        if expect is not None and not isinstance(expect, str):
            errors.append(f'line {number}: "expect" must be an id, null or "{EMERGENCY}"')
            continue
        if expect not in (None, EMERGENCY) and expect not in known_ids:
            errors.append(f"line {number}: expect {expect!r} is not an id of the knowledge base")
            continue
        cases.append(Case(number, question, expect, kind, topic))
    return cases, errors


def _percentile(sorted_values: list[float], share: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(share * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


def _ratio(hits: int, total: int) -> float:
    return round(hits / total, 4) if total else 1.0


def evaluate(faq: Faq, cases: list[Case]) -> tuple[Report, list[Miss]]:
    timings: list[float] = []
    in_scope = oos = emergencies = others = 0
    in_scope_hits = oos_hits = recalled = false_alarms = 0
    misses: list[Miss] = []
    outcomes: Counter[str] = Counter()
    kinds: dict[str, list[bool]] = defaultdict(list)
    for case in cases:
        started = time.perf_counter()
        answer = faq.ask(case.question)
        timings.append((time.perf_counter() - started) * 1000)
        outcomes[_outcome(answer)] += 1
        if case.expect == EMERGENCY:
            emergencies += 1
            recalled += answer.emergency
            ok = answer.emergency
        else:
            others += 1
            false_alarms += answer.emergency
            if case.expect is None:
                oos += 1
                ok = answer.id is None
                oos_hits += ok
            else:
                in_scope += 1
                ok = answer.id == case.expect
                in_scope_hits += ok
            ok = ok and not answer.emergency
        if case.kind:
            kinds[case.kind].append(bool(ok))
        if not ok:
            misses.append(
                Miss(
                    case.line, case.question, case.expect, answer.id, answer.score, answer.emergency
                )
            )
    timings.sort()
    report = Report(
        in_scope_accuracy=_ratio(in_scope_hits, in_scope),
        oos_rejection=_ratio(oos_hits, oos),
        emergency_recall=_ratio(recalled, emergencies),
        emergency_false_alarm=round(false_alarms / others, 4) if others else 0.0,
        p50_ms=round(_percentile(timings, 0.50), 3),
        p99_ms=round(_percentile(timings, 0.99), 3),
        n=len(cases),
        outcomes=dict(sorted(outcomes.items())),
        per_kind={
            kind: {"n": len(oks), "accuracy": _ratio(sum(oks), len(oks))}
            for kind, oks in sorted(kinds.items())
        },
    )
    return report, misses


def _outcome(answer) -> str:
    """What the citizen was shown (emergency numbers come on top of any of these)."""
    if answer.small_talk is not None:
        return "small_talk"
    if answer.id is not None:
        return "answered"
    if answer.redirect is not None:
        return "redirect"
    if answer.menu is not None:
        return "menu"
    return "rejected"


def cross_validate(entries: list, *, folds: int = 4, matcher_only: bool = False):
    """Top-1 and confident top-1 on the knowledge base's own variants, each held out in turn.

    Every `folds`-th variant of every entry is removed, the ranker (or the matcher alone) is
    built on the rest and asked the removed ones: an estimate on phrasings it has never seen.
    Returns (top-1, confident top-1, misses as (expected id, got id, score, question)).
    """
    from dataclasses import replace

    from faq.matcher import Matcher
    from faq.ranking import Ranker

    asked = top1 = confident = 0
    misses = []
    for fold in range(folds):
        train, held = [], []
        for entry in entries:
            keep = [q for i, q in enumerate(entry.questions) if i % folds != fold]
            held += [(q, entry.id) for i, q in enumerate(entry.questions) if i % folds == fold]
            train.append(replace(entry, questions=tuple(keep)))
        ranker = Matcher(train) if matcher_only else Ranker(train)
        for question, expected in held:
            result = ranker.match(question)
            best = result.id or (result.alternatives[0].id if result.alternatives else None)
            asked += 1
            top1 += best == expected
            confident += result.id == expected
            if result.id != expected:
                misses.append((expected, result.id, result.score, question))
    return top1 / asked, confident / asked, misses
