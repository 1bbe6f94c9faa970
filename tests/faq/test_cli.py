"""`langnghe faq ...` as a maintainer and a reviewer use it."""

import json
import re
import shutil

from typer.testing import CliRunner

from faq.knowledge import DEFAULT_DIR
from langnghe.cli import app

runner = CliRunner()


def test_ask_json_has_the_documented_shape():
    result = runner.invoke(app, ["faq", "ask", "lam cccd lan dau o dau", "--json"])
    assert result.exit_code == 0
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(payload) == {
        "id",
        "score",
        "emergency",
        "emergency_kind",
        "alternatives",
        "redirect",
        "menu",
    }
    assert payload["id"] == "cancuoc-cap-moi"
    assert isinstance(payload["score"], float)
    assert all(set(a) == {"id", "score"} for a in payload["alternatives"])


def test_ask_flags_an_emergency_and_prints_the_numbers():
    result = runner.invoke(app, ["faq", "ask", "cháy nhà rồi cứu với"])
    assert result.exit_code == 0
    assert "113" in result.stdout


def test_check_passes_on_the_shipped_base():
    result = runner.invoke(app, ["faq", "check"])
    assert result.exit_code == 0, result.output


def test_check_fails_with_a_clear_message_on_a_broken_base(tmp_path):
    (tmp_path / "x.yaml").write_text("id: x\n", encoding="utf-8")
    result = runner.invoke(app, ["faq", "check", "--kb", str(tmp_path)])
    assert result.exit_code == 1
    assert "x.yaml: missing field(s)" in result.output


def test_eval_reports_malformed_lines_by_number_without_a_traceback(tmp_path):
    data = tmp_path / "set.jsonl"
    data.write_text(
        '{"q": "lam cccd lan dau", "expect": "cancuoc-cap-moi"}\n'
        "this is not json\n"
        '{"q": "gia vang", "expect": null}\n'
        '{"q": 5, "expect": null}\n'
        '{"q": "x", "expect": "no-such-id"}\n'
        '{"question": "x"}\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["faq", "eval", str(data), "--json"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    for line in (2, 4, 5, 6):
        assert f"line {line}:" in result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["n"] == 2


def test_eval_of_a_missing_file_is_a_clear_error(tmp_path):
    result = runner.invoke(app, ["faq", "eval", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2
    assert "no such file" in result.output


def test_terminal_chat_is_the_real_engine_with_numbered_choices(tmp_path, monkeypatch):
    monkeypatch.setenv("LANGNGHE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LANGNGHE_DATABASE_URL", raising=False)
    monkeypatch.delenv("LANGNGHE_BOT_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(
        app, ["chat"], input="chào ad\nlàm cccd lần đầu ở đâu\n/menu\n2\nthoát\n"
    )
    assert result.exit_code == 0, result.output
    assert "Xin chào" in result.stdout
    assert "căn cước" in result.stdout.lower()
    assert "1. ❓ Hỏi đáp pháp luật" in result.stdout  # buttons as numbered choices
    assert "lĩnh vực nào" in result.stdout  # "2" chose "Tố giác / Báo tin"


def _copy_of_the_base(tmp_path, entry_id=None, legal_basis=None):
    """The shipped base in a temporary directory, one entry's citations replaced if asked."""
    kb = tmp_path / "kb"
    shutil.copytree(DEFAULT_DIR, kb)
    if entry_id:
        path = kb / f"{entry_id}.yaml"
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"^legal_basis:\n(?:  - .*\n)+", legal_basis, text, count=1, flags=re.M)
        path.write_text(text, encoding="utf-8")
    return kb


def test_check_fails_on_a_citation_of_a_document_not_in_the_register(tmp_path):
    kb = _copy_of_the_base(tmp_path, "khan-cap", 'legal_basis:\n  - {doc: "7/2099/NĐ-CP"}\n')
    result = runner.invoke(app, ["faq", "check", "--kb", str(kb)])
    assert result.exit_code == 1
    assert "khan-cap: cites '7/2099/NĐ-CP', which is not in the legal documents" in result.output


def test_check_warns_on_a_superseded_citation_but_passes(tmp_path):
    kb = _copy_of_the_base(
        tmp_path, "khan-cap", 'legal_basis:\n  - {doc: "144/2021/NĐ-CP", article: "Điều 7"}\n'
    )
    result = runner.invoke(app, ["faq", "check", "--kb", str(kb), "--today", "2026-12-02"])
    assert result.exit_code == 0, result.output
    assert "warning: khan-cap: cites 144/2021/NĐ-CP, superseded by 282/2025/NĐ-CP" in result.output
    before = runner.invoke(app, ["faq", "check", "--kb", str(kb), "--today", "2025-12-14"])
    assert "warning" not in before.output  # 282/2025 was not in force yet


def test_check_warns_on_entries_not_reviewed_for_twelve_months():
    result = runner.invoke(app, ["faq", "check", "--today", "2028-01-01"])
    assert result.exit_code == 0, result.output
    assert "warning: tre-lac: not reviewed since 2026-12-02" in result.output
    assert "langnghe faq stale" in result.output


def test_check_of_the_shipped_base_today_has_no_warning():
    result = runner.invoke(app, ["faq", "check", "--today", "2026-12-02"])
    assert result.exit_code == 0
    assert "warning" not in result.output


def test_stale_lists_entries_for_the_legal_officer_as_a_table_and_as_json(tmp_path):
    kb = _copy_of_the_base(tmp_path, "co-bac", 'legal_basis:\n  - {doc: "144/2021/NĐ-CP"}\n')
    table = runner.invoke(app, ["faq", "stale", "--kb", str(kb), "--today", "2026-12-02"])
    assert table.exit_code == 0
    assert "co-bac" in table.output and "superseded by 282/2025/NĐ-CP" in table.output
    assert "1 entries to review" in table.output
    result = runner.invoke(
        app, ["faq", "stale", "--kb", str(kb), "--today", "2026-12-02", "--json"]
    )
    payload = json.loads(result.stdout)
    assert payload["today"] == "2026-12-02"
    [entry] = payload["entries"]
    assert entry["id"] == "co-bac"
    assert entry["superseded"] == [{"doc": "144/2021/NĐ-CP", "superseded_by": "282/2025/NĐ-CP"}]
    assert entry["overdue_days"] == 0


def test_stale_counts_overdue_days_from_the_injected_date():
    result = runner.invoke(app, ["faq", "stale", "--json", "--today", "2027-12-04"])
    entries = json.loads(result.stdout)["entries"]
    assert entries and all(entry["overdue_days"] == 2 for entry in entries)


def test_stale_refuses_a_malformed_date():
    result = runner.invoke(app, ["faq", "stale", "--today", "2027-13-01"])
    assert result.exit_code == 2
    assert "not a date" in result.output
