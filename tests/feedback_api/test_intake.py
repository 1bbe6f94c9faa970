"""Citizens' submissions arrive durably, with a tracking code, and identities stay protected."""

import datetime as dt

import pytest
from pydantic import ValidationError
from sqlmodel import select

from feedback_api.clock import utcnow
from feedback_api.permissions import NotFound
from feedback_api.submissions import service, tracking
from feedback_api.submissions.models import Submission
from feedback_api.submissions.schemas import SubmissionCreate
from tests.feedback_api.conftest import actor, make_tip


def test_citizen_reports_an_anonymous_tip_and_gets_a_tracking_code(db, settings, world):
    tip = make_tip(db, settings, contact_name="Nguyễn Văn A", contact_phone="0912345678")
    assert tracking.canonical(tip.tracking_code) == tip.tracking_code
    assert tip.status == "new"
    stored = db.get(Submission, tip.id)
    assert stored.contact_name is None and stored.contact_phone is None  # anonymous keeps none
    assert stored.unit_id == world.commune_a.id


def test_tracking_codes_are_unique_and_carry_40_random_bits(db, settings, world):
    codes = {make_tip(db, settings).tracking_code for _ in range(50)}
    assert len(codes) == 50
    assert all(len(code.replace("-", "")) == 10 for code in codes)  # "LN" + 8 symbols × 5 bits


def test_tracking_code_as_citizens_type_it_is_understood():
    assert tracking.canonical("ln 7k3m q9px") == "LN-7K3M-Q9PX"
    assert tracking.canonical("LN-7K3M-Q9PO") == "LN-7K3M-Q9P0"  # O read as zero
    assert tracking.canonical("LN-7K3M") is None
    assert tracking.canonical("'; DROP TABLE submission; --") is None


def test_the_same_submission_sent_twice_is_stored_once(db, settings, world):
    first = make_tip(db, settings, idempotency_key="telegram-update-12345")
    again = make_tip(db, settings, idempotency_key="telegram-update-12345")
    assert first.id == again.id
    assert len(db.exec(select(Submission)).all()) == 1


def test_deadlines_follow_the_kind(db, settings, world):
    tip = make_tip(db, settings)
    question = make_tip(db, settings, kind="question", category="other")
    opinion = make_tip(db, settings, kind="opinion", category="other")
    assert (tip.due_at - tip.created_at).days == 20
    assert 5 <= (question.due_at - question.created_at).days <= 9  # five working days
    assert question.due_at.weekday() < 5
    assert (opinion.due_at - opinion.created_at).days == 30


def test_unknown_commune_code_falls_back_to_the_province(db, settings, world):
    tip = make_tip(db, settings, unit_code="NO-SUCH-UNIT")
    assert tip.unit_id == world.province.id


def test_public_status_shows_status_and_reply_only(db, settings, world):
    tip = make_tip(
        db, settings, anonymity="named", contact_name="Trần B", contact_phone="0987654321"
    )
    status = service.public_status(db_session=db, code=tip.tracking_code.lower())
    assert status.status == "new"
    assert status.status_label == "Mới tiếp nhận"
    assert "Trần" not in status.model_dump_json()


def test_unknown_tracking_code_is_not_found(db, settings, world):
    with pytest.raises(NotFound):
        service.public_status(db_session=db, code="LN-0000-0000")


@pytest.mark.parametrize(
    "bad",
    [
        {"text": ""},
        {"text": "x" * 5001},
        {"category": "not-a-category"},
        {"citizen_ref": "short"},
        {"citizen_ref": "has spaces and ; quotes"},
        {"contact_phone": "call me maybe"},
        {"latitude": 123.0},
    ],
)
def test_malformed_submissions_are_refused_before_storage(bad):
    fields = {
        "kind": "tip",
        "citizen_ref": "cref_0123456789",
        "category": "drugs",
        "text": "nội dung",
    } | bad
    with pytest.raises(ValidationError):
        SubmissionCreate(**fields)


def test_control_characters_are_stripped_from_text():
    data = SubmissionCreate(
        kind="question", citizen_ref="cref_0123456789", text="hỏi\x00 về\x1b[31m cccd\n"
    )
    assert data.text == "hỏi về[31m cccd"


def test_officer_of_another_commune_cannot_see_the_tip(db, settings, world):
    tip = make_tip(db, settings, unit_code="XA")
    with pytest.raises(NotFound):
        service.get_in_reach(
            db_session=db, actor=actor(db, world.officers["officer_b"]), submission_id=tip.id
        )
    assert (
        service.get_in_reach(
            db_session=db, actor=actor(db, world.officers["officer_p"]), submission_id=tip.id
        ).id
        == tip.id
    )


def test_overdue_is_computed_from_the_deadline(db, settings, world):
    tip = make_tip(db, settings)
    tip.due_at = utcnow() - dt.timedelta(days=2)
    db.add(tip)
    db.commit()
    public = service.to_public(tip, actor(db, world.officers["officer_a"]))
    assert public.overdue and public.days_left in (-2, -3)
