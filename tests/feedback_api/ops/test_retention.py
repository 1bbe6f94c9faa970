"""Retention: a rejected tip is purged N months after it was closed, with its notes, queued
messages and attachment files; everything else stays, a photo shared with a kept tip stays on
disk, and the audit log keeps both the tip's history and a record of the purge."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image
from pydantic import ValidationError
from sqlmodel import select
from typer.testing import CliRunner

from feedback_api import attachments_service
from feedback_api.attachments.storage import AttachmentStore
from feedback_api.audit.models import AuditEvent
from feedback_api.audit.render import ACTIONS, render_all
from feedback_api.ops import retention
from feedback_api.outbox import service as outbox
from feedback_api.settings import Settings
from feedback_api.submissions.models import Attachment, Note, Submission
from langnghe.cli import app as cli
from tests.feedback_api.conftest import make_tip

NOW = dt.datetime(2026, 12, 2, 8, 0, tzinfo=dt.UTC)
RULES = {"tip/rejected": 6}


def _photo(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(out, "PNG")
    return out.getvalue()


def _attach(db, store, tip, photo: bytes) -> Attachment:
    return attachments_service.add(
        db_session=db, store=store, code=tip.tracking_code, data=photo,
        filename="anh.png", content_type="image/png", max_per_submission=5,
    )  # fmt: skip


def _close(db, tip, status: str, months_ago: int, **extra) -> None:
    tip.status = status
    tip.closed_at = retention.months_before(NOW, months_ago)
    for name, value in extra.items():
        setattr(tip, name, value)
    db.add(tip)
    db.commit()


def _files(store: AttachmentStore, attachment: Attachment):
    return (
        store.root / "sealed" / attachment.sha256[:2] / attachment.sha256,
        store.root / "public" / attachment.public_sha256[:2] / attachment.public_sha256,
    )


@pytest.fixture
def store(settings):
    return AttachmentStore(settings.resolved_attachments_dir)


def test_old_rejected_tips_are_purged_with_their_files_and_nothing_else(db, settings, world, store):
    old = make_tip(db, settings, text="Tin sai sự thật, đã bác")
    recent = make_tip(db, settings, text="Tin bác gần đây")
    resolved = make_tip(db, settings, text="Tin đã xử lý xong")
    question = make_tip(db, settings, kind="question", category="other", text="Câu hỏi cũ")
    open_tip = make_tip(db, settings, text="Tin vẫn đang xác minh")
    duplicate = make_tip(db, settings, text="Tin trùng với tin đã bác")
    own = _attach(db, store, old, _photo((200, 0, 0)))
    shared = _attach(db, store, old, _photo((0, 0, 200)))
    _attach(db, store, open_tip, _photo((0, 0, 200)))  # the same photo, sent by someone else
    kept_photo = _attach(db, store, recent, _photo((0, 200, 0)))
    db.add(Note(submission_id=old.id, author_id=world.officers["officer_a"].id, text="Không có"))
    outbox.enqueue(db_session=db, citizen_ref=old.citizen_ref, text="Đã bác", purpose="reply",
                   submission_id=old.id)  # fmt: skip
    db.commit()
    _close(db, old, "rejected", 8)
    _close(db, recent, "rejected", 2)
    _close(db, resolved, "resolved", 8)
    _close(db, question, "rejected", 8)
    _close(db, duplicate, "duplicate", 1, duplicate_of_id=old.id)
    _close(db, open_tip, "verifying", 0, closed_at=None)
    open_tip.created_at = retention.months_before(NOW, 30)
    db.add(open_tip)
    db.commit()
    files_before = sorted(p for p in store.root.rglob("*") if p.is_file())

    planned = retention.plan(db_session=db, rules=RULES, attachments_root=store.root, now=NOW)
    assert [r.submission_ids for r in planned.rules] == [[old.id]]
    assert planned.attachments == 2
    assert planned.files == sorted(_files(store, own))
    assert sorted(p for p in store.root.rglob("*") if p.is_file()) == files_before  # dry run
    assert db.get(Submission, old.id) is not None

    retention.purge(db_session=db, rules=RULES, attachments_root=store.root, now=NOW)
    db.expire_all()
    assert db.get(Submission, old.id) is None
    assert db.exec(select(Attachment).where(Attachment.submission_id == old.id)).all() == []
    assert db.exec(select(Note).where(Note.submission_id == old.id)).all() == []
    assert not any(path.exists() for path in _files(store, own))
    assert all(path.exists() for path in _files(store, shared))  # still used by the open tip
    assert all(path.exists() for path in _files(store, kept_photo))
    remaining = {s.id for s in db.exec(select(Submission)).all()}
    assert remaining == {recent.id, resolved.id, question.id, open_tip.id, duplicate.id}
    assert db.get(Submission, duplicate.id).duplicate_of_id is None
    assert len(db.exec(select(Attachment)).all()) == 2

    history = db.exec(select(AuditEvent).where(AuditEvent.entity_id == old.id)).all()
    assert any(event.action == "submission.create" for event in history)  # the log is kept
    purges = db.exec(select(AuditEvent).where(AuditEvent.action == "retention.purge")).all()
    assert len(purges) == 1
    assert f"[{old.id}]" in purges[0].after
    assert "Tin sai" not in purges[0].after  # ids and counts, never the tip's content
    (shown,) = render_all(db_session=db, events=purges)
    assert shown.label == ACTIONS["retention.purge"]
    assert "Tố giác, tin báo — Không đủ căn cứ xử lý" in shown.summary
    assert f"1 tin (#{old.id})" in shown.summary

    again = retention.purge(db_session=db, rules=RULES, attachments_root=store.root, now=NOW)
    assert again.submissions == 0


@pytest.mark.parametrize("rule", [{"tip/new": 6}, {"tip/verifying": 6}, {"rumour/rejected": 6},
                                  {"tip/rejected": 0}])  # fmt: skip
def test_rules_that_would_purge_open_work_or_make_no_sense_are_refused(rule):
    with pytest.raises(ValidationError, match="retention rule"):
        Settings(environment="test", retention_months=rule, _env_file=None)


def test_months_are_calendar_months():
    assert retention.months_before(dt.datetime(2026, 8, 31), 6) == dt.datetime(2026, 2, 28)
    assert retention.months_before(dt.datetime(2026, 1, 15), 13) == dt.datetime(2024, 12, 15)


def test_purge_command_dry_run_says_what_it_would_delete(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LANGNGHE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("LANGNGHE_ENVIRONMENT", "test")
    monkeypatch.delenv("LANGNGHE_DATABASE_URL", raising=False)
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    monkeypatch.delenv("LANGNGHE_RETENTION_MONTHS", raising=False)
    assert "nothing to purge" in runner.invoke(cli, ["purge", "--dry-run"]).output
    monkeypatch.setenv("LANGNGHE_RETENTION_MONTHS", '{"tip/rejected": 6}')
    result = runner.invoke(cli, ["purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Would delete 0 submission(s)" in result.output
    monkeypatch.setenv("LANGNGHE_RETENTION_MONTHS", '{"tip/new": 6}')
    assert runner.invoke(cli, ["purge"]).exit_code == 2
