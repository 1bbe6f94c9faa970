"""Marking a duplicate, as it went wrong on an officer's first day: one click on a 62% "similar"
but unrelated tip closed it and told its citizen so. Now the officer sees both tips side by side
with their similarity before anything changes, and can undo: status and link come back, the
citizen is not told twice (a notice still waiting is withdrawn), and both steps are audited."""

from __future__ import annotations

import datetime as dt
import json

from sqlmodel import select

from feedback_api.audit.models import AuditEvent
from feedback_api.clock import utcnow
from feedback_api.outbox import service as outbox
from feedback_api.outbox.models import OutboxMessage
from feedback_api.submissions import queries, service
from feedback_api.submissions.schemas import SubmissionUpdate
from tests.feedback_api.conftest import actor, login, make_tip
from tests.feedback_api.test_pages import post_form, sign_in


def _status_messages(db, submission_id):
    db.expire_all()
    return list(
        db.exec(
            select(OutboxMessage).where(
                OutboxMessage.submission_id == submission_id, OutboxMessage.purpose == "status"
            )
        )
    )


def _duplicate_events(db, submission_id):
    return [
        (e.action, json.loads(e.before or "{}"), json.loads(e.after or "{}"))
        for e in db.exec(
            select(AuditEvent)
            .where(AuditEvent.entity_id == submission_id)
            .where(AuditEvent.action.startswith("submission.duplicate"))
            .order_by(AuditEvent.id)
        )
    ]


def test_marking_a_duplicate_asks_first_with_both_tips_side_by_side(client, world, db, settings):
    original = make_tip(db, settings, text="Có người bán ma túy ở đầu ngõ 5 chợ An Bình")
    tip = make_tip(db, settings, text="Ngõ 5 chợ An Bình có người bán ma túy buổi tối")
    csrf = sign_in(client, "officer.a")
    detail = client.get(f"/officer/submissions/{tip.id}")
    assert 'method="get" action="/officer/submissions/' in detail.text  # a question, no change

    confirm = client.get(
        f"/officer/submissions/{tip.id}/duplicate", params={"duplicate_of": original.tracking_code}
    )
    assert confirm.status_code == 200
    assert confirm.template.name == "officer/duplicate_confirm.html"
    assert (confirm.context["s"].id, confirm.context["original"].id) == (tip.id, original.id)
    assert confirm.context["score"] == queries.pair_score(tip, original) > 0.5
    assert f'id="similarity">{round(confirm.context["score"] * 100)}%<' in confirm.text
    assert tip.text in confirm.text and original.text in confirm.text
    assert 'name="confirm" value="1"' in confirm.text

    # A post that did not come from the confirmation page only leads to it.
    unconfirmed = post_form(
        client,
        f"/officer/submissions/{tip.id}/duplicate",
        csrf,
        duplicate_of=original.tracking_code,
    )
    assert unconfirmed.status_code == 303
    assert unconfirmed.headers["location"].startswith(f"/officer/submissions/{tip.id}/duplicate?")
    db.refresh(tip)
    assert (tip.status, tip.duplicate_of_id) == ("new", None)
    assert _status_messages(db, tip.id) == [] and _duplicate_events(db, tip.id) == []

    done = post_form(
        client,
        f"/officer/submissions/{tip.id}/duplicate",
        csrf,
        duplicate_of=original.tracking_code,
        confirm="1",
    )
    assert done.headers["location"] == f"/officer/submissions/{tip.id}?flash=duplicate"
    db.refresh(tip)
    assert (tip.status, tip.duplicate_of_id) == ("duplicate", original.id)
    after = client.get(done.headers["location"])
    assert f'action="/officer/submissions/{tip.id}/duplicate/undo"' in after.text


def test_undo_reverts_status_and_link_and_withdraws_the_waiting_notice(client, world, db, settings):
    officer = actor(db, world.officers["officer_a"])
    original = make_tip(db, settings, text="Trộm xe máy ở chợ An Bình")
    tip = make_tip(db, settings, text="Lừa đảo bán hàng qua mạng")  # unrelated, wrongly linked
    service.update(
        db_session=db,
        actor=officer,
        submission_id=tip.id,
        data=SubmissionUpdate(status="verifying"),
    )
    verifying_notices = len(_status_messages(db, tip.id))
    service.mark_duplicate(
        db_session=db, actor=officer, submission_id=tip.id, original=original.tracking_code
    )
    notice = _status_messages(db, tip.id)[-1]
    assert notice.state == "pending"
    assert notice.not_before > utcnow() + dt.timedelta(minutes=10)  # held back for an undo
    assert notice.id not in [m.id for m in outbox.lease(db_session=db, limit=10, lease_seconds=60)]

    csrf = sign_in(client, "officer.a")
    undone = post_form(client, f"/officer/submissions/{tip.id}/duplicate/undo", csrf)
    assert undone.headers["location"] == f"/officer/submissions/{tip.id}?flash=undone"
    db.refresh(tip)
    assert (tip.status, tip.duplicate_of_id, tip.closed_at) == ("verifying", None, None)
    messages = _status_messages(db, tip.id)
    assert len(messages) == verifying_notices + 1  # nothing new queued by the undo
    assert (messages[-1].state, messages[-1].last_error) == ("failed", "withdrawn before delivery")
    later = utcnow() + dt.timedelta(hours=1)
    leased = outbox.lease(db_session=db, limit=10, lease_seconds=60, now=later)
    assert notice.id not in [m.id for m in leased]
    assert _duplicate_events(db, tip.id) == [
        (
            "submission.duplicate",
            {"status": "verifying", "duplicate_of_id": None},
            {"status": "duplicate", "duplicate_of_id": original.id},
        ),
        (
            "submission.duplicate_undo",
            {"status": "duplicate", "duplicate_of_id": original.id},
            {"status": "verifying", "duplicate_of_id": None},
        ),
    ]
    page = client.get(undone.headers["location"])
    assert "Đã bỏ đánh dấu trùng." in page.text
    assert page.context["history"][-1].action == "submission.duplicate_undo"


def test_a_citizen_already_told_is_not_told_again(db, settings, world):
    officer = actor(db, world.officers["officer_a"])
    original = make_tip(db, settings, text="Trộm xe máy ở chợ An Bình")
    tip = make_tip(db, settings, text="Trộm xe máy ở chợ An Bình sáng nay")
    service.mark_duplicate(
        db_session=db, actor=officer, submission_id=tip.id, original=original.tracking_code
    )
    later = utcnow() + service.DUPLICATE_NOTICE_DELAY + dt.timedelta(seconds=1)
    (leased,) = outbox.lease(db_session=db, limit=10, lease_seconds=60, now=later)
    outbox.ack(db_session=db, message_id=leased.id, lease_token=leased.lease_token, outcome="sent")
    service.undo_duplicate(db_session=db, actor=officer, submission_id=tip.id)
    service.mark_duplicate(
        db_session=db, actor=officer, submission_id=tip.id, original=original.tracking_code
    )
    assert [m.state for m in _status_messages(db, tip.id)] == ["sent"]
    # Undo is idempotent: a second undo changes and records nothing.
    service.undo_duplicate(db_session=db, actor=officer, submission_id=tip.id)
    before = len(_duplicate_events(db, tip.id))
    service.undo_duplicate(db_session=db, actor=officer, submission_id=tip.id)
    assert len(_duplicate_events(db, tip.id)) == before
    db.refresh(tip)
    assert (tip.status, tip.duplicate_of_id) == ("new", None)


def test_undo_through_the_api(client, world, db, settings):
    original = make_tip(db, settings, text="Trộm xe máy ở chợ An Bình")
    tip = make_tip(db, settings, text="Trộm xe máy ở chợ An Bình sáng nay")
    headers = login(client, "officer.a")
    marked = client.post(
        f"/api/v1/submissions/{tip.id}/duplicate",
        headers=headers,
        json={"duplicate_of": original.tracking_code},
    )
    assert marked.json()["status"] == "duplicate"
    undone = client.delete(f"/api/v1/submissions/{tip.id}/duplicate", headers=headers)
    assert undone.status_code == 200
    assert (undone.json()["status"], undone.json()["duplicate_of_id"]) == ("new", None)
    leader = login(client, "leader.a")
    assert (
        client.delete(f"/api/v1/submissions/{tip.id}/duplicate", headers=leader).status_code == 403
    )


def test_reopening_a_duplicate_by_status_drops_the_link_too(db, settings, world):
    officer = actor(db, world.officers["officer_a"])
    original = make_tip(db, settings, text="Trộm xe máy ở chợ An Bình")
    tip = make_tip(db, settings, text="Lừa đảo bán hàng qua mạng")
    service.mark_duplicate(
        db_session=db, actor=officer, submission_id=tip.id, original=original.tracking_code
    )
    service.update(
        db_session=db,
        actor=officer,
        submission_id=tip.id,
        data=SubmissionUpdate(status="verifying"),
    )
    db.refresh(tip)
    assert (tip.status, tip.duplicate_of_id, tip.closed_at) == ("verifying", None, None)
    duplicate_notice, verifying_notice = _status_messages(db, tip.id)
    assert (duplicate_notice.state, duplicate_notice.last_error) == (
        "failed",
        "withdrawn before delivery",
    )
    assert duplicate_notice.intent == "notice.status.duplicate"
    assert verifying_notice.intent == "notice.status.verifying"
    assert verifying_notice.state == "pending"
