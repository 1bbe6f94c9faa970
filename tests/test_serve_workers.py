"""`langnghe serve --workers N` runs N processes on one port; they can share only what lives in
PostgreSQL, so it refuses to start on SQLite, or with a Telegram bot that would long-poll
(Telegram answers a second poller 409). (The processes sharing one PostgreSQL are exercised in
tests/bot/test_several_processes.py.)"""

from __future__ import annotations

from typer.testing import CliRunner

from langnghe.cli import app


def serve(tmp_path, monkeypatch, **env: str):
    for name in ("DATABASE_URL", "BOT_DATABASE_URL", "TELEGRAM_TOKEN", "PUBLIC_URL"):
        monkeypatch.delenv(f"LANGNGHE_{name}", raising=False)
    monkeypatch.setenv("LANGNGHE_ENVIRONMENT", "test")
    monkeypatch.setenv("LANGNGHE_DATA_DIR", str(tmp_path))
    for name, value in env.items():
        monkeypatch.setenv(f"LANGNGHE_{name.upper()}", value)
    monkeypatch.chdir(tmp_path)  # no .env file from the checkout
    return CliRunner().invoke(app, ["serve", "--workers", "2"])


def test_several_workers_on_sqlite_are_refused_before_anything_starts(tmp_path, monkeypatch):
    result = serve(tmp_path, monkeypatch)
    assert result.exit_code == 2
    assert "LANGNGHE_DATABASE_URL must point at PostgreSQL" in result.output
    assert "LANGNGHE_BOT_DATABASE_URL must point at PostgreSQL" in result.output
    assert not (tmp_path / "langnghe.db").exists()  # nothing was migrated


def test_several_workers_with_a_long_polling_bot_are_refused(tmp_path, monkeypatch):
    pg = "postgresql://nobody@127.0.0.1:1/none"  # never reached: refused before connecting
    result = serve(
        tmp_path, monkeypatch, database_url=pg, bot_database_url=pg, telegram_token="1:abc"
    )
    assert result.exit_code == 2
    assert "long-polls" in result.output and "PostgreSQL" not in result.output
