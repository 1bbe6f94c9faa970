"""`langnghe faq ...` as a maintainer and a reviewer use it."""

import json

from typer.testing import CliRunner

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
