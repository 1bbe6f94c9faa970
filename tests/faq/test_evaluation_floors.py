"""The quality floors of the FAQ on our own evaluation set, through the real CLI."""

import json
from pathlib import Path

from typer.testing import CliRunner

from langnghe.cli import app

EVAL_SET = Path(__file__).resolve().parents[1] / "data" / "faq_eval.jsonl"


def test_evaluation_set_is_large_and_varied_enough():
    lines = [json.loads(line) for line in EVAL_SET.read_text(encoding="utf-8").splitlines()]
    expects = [line["expect"] for line in lines]
    assert len(lines) >= 300
    assert expects.count(None) >= 40
    assert expects.count("EMERGENCY") >= 20


def test_faq_meets_its_quality_floors():
    result = CliRunner().invoke(app, ["faq", "eval", str(EVAL_SET), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(report) == {
        "in_scope_accuracy",
        "oos_rejection",
        "emergency_recall",
        "emergency_false_alarm",
        "p50_ms",
        "p99_ms",
        "n",
    }
    assert report["in_scope_accuracy"] >= 0.95, report
    assert report["oos_rejection"] >= 0.90, report
    assert report["emergency_recall"] == 1.0, report
    assert report["emergency_false_alarm"] <= 0.03, report


def test_emergencies_are_all_caught_on_the_second_independent_set():
    extra = EVAL_SET.with_name("faq_eval_extra.jsonl")
    result = CliRunner().invoke(app, ["faq", "eval", str(extra), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["emergency_recall"] == 1.0, report
    assert report["emergency_false_alarm"] <= 0.03, report
