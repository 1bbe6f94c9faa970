"""An operator backs up the live database, something goes wrong (a tip changed, another
added), and restoring the backup brings back exactly what was there."""

from __future__ import annotations

import os
import shutil
import uuid

import pytest
from sqlalchemy import text
from sqlmodel import Session, select
from typer.testing import CliRunner

from feedback_api.db import make_engine
from feedback_api.migrate import upgrade
from feedback_api.ops.backup import BackupError, backup, restore
from feedback_api.submissions.models import Submission
from feedback_api.units import service as units
from langnghe.cli import app as cli
from tests.conftest import require
from tests.feedback_api.conftest import make_tip


def _texts(engine) -> list[str]:
    with Session(engine) as db:
        return sorted(db.exec(select(Submission.text)).all())


def _story(engine, settings, tmp_path, url):
    with Session(engine, expire_on_commit=False) as db:
        tip = make_tip(db, settings, text="Tin gốc: xe không biển số đỗ trước trường")
    before = _texts(engine)
    file = tmp_path / "backup" / "langnghe.backup"
    backup(url, file)
    assert file.stat().st_size > 0

    with Session(engine) as db:
        stored = db.get(Submission, tip.id)
        stored.text = "đã bị sửa nhầm"
        db.add(stored)
        db.commit()
        make_tip(db, settings, text="Tin thêm sau khi sao lưu")
    assert _texts(engine) != before

    engine.dispose()
    restore(url, file)
    assert _texts(engine) == before


def _prepare(engine) -> None:
    upgrade(engine)
    with Session(engine) as db:
        units.import_csv(
            db_session=db, text="code,name,kind,parent_code\nXA,Công an xã An Bình,commune,\n"
        )


def test_sqlite_backup_and_restore_bring_back_the_original(settings, tmp_path):
    url = f"sqlite:///{tmp_path / 'live' / 'langnghe.db'}"
    engine = make_engine(url)
    _prepare(engine)
    _story(engine, settings, tmp_path, url)
    engine.dispose()


def test_postgres_backup_and_restore_bring_back_the_original(settings, tmp_path, request):
    require(shutil.which("pg_dump") and shutil.which("pg_restore"), "pg_dump and pg_restore")
    base = request.getfixturevalue("postgres_url")  # skips/fails without PostgreSQL
    name = f"langnghe_backup_{uuid.uuid4().hex[:8]}"
    admin = make_engine(base).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url)
    try:
        _prepare(engine)
        _story(engine, settings, tmp_path, url)
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("không phải bản sao lưu")
    with pytest.raises(BackupError, match="not a SQLite backup"):
        restore(f"sqlite:///{tmp_path / 'live.db'}", junk)
    with pytest.raises(BackupError, match="not a pg_dump"):
        restore("postgresql://postgres@127.0.0.1:5432/none", junk)
    with pytest.raises(BackupError, match="no backup file"):
        restore(f"sqlite:///{tmp_path / 'live.db'}", tmp_path / "missing.backup")


def test_the_commands_back_up_and_restore(tmp_path, monkeypatch):
    monkeypatch.setenv("LANGNGHE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("LANGNGHE_ENVIRONMENT", "test")
    monkeypatch.delenv("LANGNGHE_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env from the developer's checkout
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    file = tmp_path / "nightly.backup"
    made = runner.invoke(cli, ["backup", str(file)])
    assert made.exit_code == 0, made.output
    assert file.read_bytes().startswith(b"SQLite format 3")
    refused = runner.invoke(cli, ["restore", str(file)], input="n\n")
    assert refused.exit_code == 1
    done = runner.invoke(cli, ["restore", str(file), "--yes"])
    assert done.exit_code == 0, done.output
    assert "Restored" in done.output
    assert os.path.exists(tmp_path / "var" / "langnghe.db")
