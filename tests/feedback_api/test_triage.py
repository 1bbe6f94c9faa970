"""Officers triage in their own unit: assign, verify, reply, note, mark duplicates; every step
is audited and the citizen hears back through the outbox."""

import json

import pytest
from sqlmodel import select

from feedback_api.audit import service as audit
from feedback_api.audit.models import AuditEvent
from feedback_api.outbox.models import OutboxMessage
from feedback_api.permissions import Forbidden, NotFound
from feedback_api.submissions import queries, service
from feedback_api.submissions.contacts import sealer_for
from feedback_api.submissions.schemas import SubmissionUpdate
from tests.feedback_api.conftest import actor, make_tip


def test_officer_assigns_verifies_replies_and_resolves_a_tip(db, settings, world):
    officer = actor(db, world.officers["officer_a"])
    tip = make_tip(db, settings, citizen_ref="cref_citizen_0001")
    service.update(
        db_session=db,
        actor=officer,
        submission_id=tip.id,
        data=SubmissionUpdate(
            assigned_to_id=world.officers["officer_a"].id, status="verifying", valuable=True
        ),
    )
    service.add_note(
        db_session=db,
        actor=officer,
        submission_id=tip.id,
        text="Đã xác minh sơ bộ, có dấu hiệu thật.",
    )
    service.reply(
        db_session=db,
        actor=officer,
        submission_id=tip.id,
        text="Cảm ơn bạn, Công an xã đã tiếp nhận và đang xử lý.",
    )
    service.update(
        db_session=db, actor=officer, submission_id=tip.id, data=SubmissionUpdate(status="resolved")
    )
    db.refresh(tip)
    assert tip.status == "resolved" and tip.valuable and tip.closed_at is not None
    assert tip.public_reply.startswith("Cảm ơn bạn")
    messages = db.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [m.purpose for m in messages] == ["status", "reply", "status"]
    assert all(m.citizen_ref == "cref_citizen_0001" for m in messages)
    assert [m.intent for m in messages] == [
        "notice.status.verifying",
        "notice.reply.tip",
        "notice.status.resolved",
    ]
    assert json.loads(messages[1].params) == {"code": tip.tracking_code, "text": tip.public_reply}
    actions = [
        e.action for e in audit.history(db_session=db, entity_type="submission", entity_id=tip.id)
    ]
    assert actions == [
        "submission.create",
        "submission.update",
        "submission.note",
        "submission.reply",
        "submission.update",
    ]


def test_audit_records_before_and_after(db, settings, world):
    officer = actor(db, world.officers["officer_a"])
    tip = make_tip(db, settings)
    service.update(
        db_session=db, actor=officer, submission_id=tip.id, data=SubmissionUpdate(priority="urgent")
    )
    event = audit.history(db_session=db, entity_type="submission", entity_id=tip.id)[-1]
    assert event.before == '{"priority": "normal"}'
    assert event.after == '{"priority": "urgent"}'
    assert event.actor_id == world.officers["officer_a"].id


def test_every_view_of_a_detail_is_audited(db, settings, world):
    tip = make_tip(db, settings)
    service.view(
        db_session=db,
        actor=actor(db, world.officers["leader_a"]),
        submission_id=tip.id,
        ip="10.0.0.7",
    )
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "submission.view")).one()
    assert event.actor_id == world.officers["leader_a"].id and event.ip == "10.0.0.7"


def test_audit_log_refuses_to_be_rewritten(db, settings, world, engine):
    make_tip(db, settings)
    event = db.exec(select(AuditEvent)).first()
    event.action = "tampered"
    db.add(event)
    with pytest.raises(Exception, match="append-only"):
        db.commit()
    db.rollback()


def test_leader_reads_but_cannot_change(db, settings, world):
    tip = make_tip(db, settings)
    leader = actor(db, world.officers["leader_a"])
    assert service.get_in_reach(db_session=db, actor=leader, submission_id=tip.id)
    with pytest.raises(Forbidden):
        service.update(
            db_session=db,
            actor=leader,
            submission_id=tip.id,
            data=SubmissionUpdate(status="verifying"),
        )
    with pytest.raises(Forbidden):
        service.reply(db_session=db, actor=leader, submission_id=tip.id, text="x")


def test_campaign_staff_never_see_tips(db, settings, world):
    tip = make_tip(db, settings)
    with pytest.raises(Forbidden):
        service.get_in_reach(
            db_session=db, actor=actor(db, world.officers["campaign_a"]), submission_id=tip.id
        )


def test_contact_of_a_named_tip_is_hidden_from_leaders(db, settings, world):
    tip = make_tip(db, settings, anonymity="named", contact_name="Lê C", contact_phone="0900000001")
    sealer = sealer_for(settings.secret_key)
    officer_view = service.to_public(tip, actor(db, world.officers["officer_a"]), contacts=sealer)
    leader_view = service.to_public(tip, actor(db, world.officers["leader_a"]), contacts=sealer)
    assert officer_view.contact_phone == "0900000001"
    assert leader_view.contact_phone is None and leader_view.contact_name is None


def test_confidential_identity_is_sealed_to_admins(db, settings, world):
    tip = make_tip(
        db, settings, anonymity="confidential", contact_name="Phạm D", contact_phone="0900000002"
    )
    sealer = sealer_for(settings.secret_key)
    officer = actor(db, world.officers["officer_a"])
    assert service.to_public(tip, officer, contacts=sealer).contact_name is None
    admin = actor(db, world.officers["admin"])
    assert service.to_public(tip, admin, contacts=sealer).contact_name == "Phạm D"
    assert service.to_public(tip, admin).contact_name is None  # lists never carry it


def test_cannot_assign_an_officer_of_another_commune(db, settings, world):
    tip = make_tip(db, settings, unit_code="XA")
    with pytest.raises(service.SubmissionError):
        service.update(
            db_session=db,
            actor=actor(db, world.officers["admin"]),
            submission_id=tip.id,
            data=SubmissionUpdate(assigned_to_id=world.officers["officer_b"].id),
        )


def test_commune_officer_cannot_move_a_tip_out_of_reach(db, settings, world):
    tip = make_tip(db, settings, unit_code="XA")
    with pytest.raises(service.SubmissionError):
        service.update(
            db_session=db,
            actor=actor(db, world.officers["officer_a"]),
            submission_id=tip.id,
            data=SubmissionUpdate(unit_id=world.commune_b.id),
        )


def test_marking_a_duplicate_links_to_the_original_and_closes_it(db, settings, world):
    officer = actor(db, world.officers["officer_a"])
    original = make_tip(db, settings, text="Nhà số 12 ngõ 5 có người bán ma túy ban đêm")
    repeat = make_tip(db, settings, text="Ban đêm nhà số 12 ngõ 5 bán ma túy")
    similar = queries.similar(db_session=db, actor=officer, submission_id=repeat.id)
    assert similar and similar[0].submission.id == original.id and similar[0].score > 0.7
    service.mark_duplicate(
        db_session=db, actor=officer, submission_id=repeat.id, original=original.tracking_code
    )
    db.refresh(repeat)
    assert repeat.status == "duplicate" and repeat.duplicate_of_id == original.id
    with pytest.raises(service.SubmissionError):
        service.mark_duplicate(
            db_session=db, actor=officer, submission_id=original.id, original=repeat.tracking_code
        )


def test_duplicate_of_a_tip_in_another_commune_is_refused(db, settings, world):
    mine = make_tip(db, settings, unit_code="XA")
    theirs = make_tip(db, settings, unit_code="PB")
    with pytest.raises(NotFound):
        service.mark_duplicate(
            db_session=db,
            actor=actor(db, world.officers["officer_a"]),
            submission_id=mine.id,
            original=theirs.tracking_code,
        )


def test_search_ignores_diacritics_and_case(db, settings, world):
    officer = actor(db, world.officers["officer_a"])
    wanted = make_tip(
        db, settings, category="fraud", text="Có nhóm LỪA ĐẢO qua Zalo giả danh công an"
    )
    make_tip(db, settings, text="Trộm cắp xe máy ở chợ")
    for query in ("lua dao", "Lừa Đảo", "zalo gia danh", "lua"):
        rows, _count, _ = queries.inbox(
            db_session=db, actor=officer, flt=queries.InboxFilter(q=query)
        )
        assert [r.id for r in rows] == [wanted.id], query


def test_inbox_filters_and_keyset_pagination(db, settings, world):
    officer = actor(db, world.officers["officer_p"])
    created = [make_tip(db, settings, unit_code="XA" if i % 2 else "PB") for i in range(7)]
    seen, cursor = [], None
    while True:
        rows, count, cursor = queries.inbox(
            db_session=db, actor=officer, flt=queries.InboxFilter(), before_id=cursor, limit=3
        )
        seen += [r.id for r in rows]
        if cursor is None:
            break
    assert seen == sorted((t.id for t in created), reverse=True) and count == 7
    rows, count, _ = queries.inbox(
        db_session=db, actor=officer, flt=queries.InboxFilter(unit_id=world.commune_a.id)
    )
    assert count == 3
    counts = queries.status_counts(db_session=db, actor=officer, flt=queries.InboxFilter())
    assert counts["new"] == 7


def test_overdue_filter(db, settings, world):
    import datetime as dt

    from feedback_api.clock import utcnow

    officer = actor(db, world.officers["officer_a"])
    late = make_tip(db, settings)
    make_tip(db, settings)
    late.due_at = utcnow() - dt.timedelta(days=1)
    db.add(late)
    db.commit()
    rows, _, _ = queries.inbox(db_session=db, actor=officer, flt=queries.InboxFilter(overdue=True))
    assert [r.id for r in rows] == [late.id]


def test_a_commune_admin_sees_only_their_communes_audit_events(db, settings, world):
    from feedback_api.officers import service as officers
    from feedback_api.officers.schemas import OfficerCreate
    from tests.feedback_api.conftest import PASSWORD

    commune_admin = officers.create(
        db_session=db,
        actor=None,
        data=OfficerCreate(
            username="admin.a",
            full_name="Quản trị xã A",
            role="admin",
            unit_id=world.commune_a.id,
            password=PASSWORD,
        ),
    )
    mine = make_tip(db, settings, unit_code="XA")
    theirs = make_tip(db, settings, unit_code="PB")
    service.view(
        db_session=db, actor=actor(db, world.officers["officer_b"]), submission_id=theirs.id
    )
    events = audit.browse(db_session=db, actor=actor(db, commune_admin))
    assert {e.entity_id for e in events if e.entity_type == "submission"} == {mine.id}
    top = audit.browse(db_session=db, actor=actor(db, world.officers["admin"]))
    assert {mine.id, theirs.id} <= {e.entity_id for e in top if e.entity_type == "submission"}
