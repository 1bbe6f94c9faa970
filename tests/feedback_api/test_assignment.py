"""Assignment offers only officers who can see the item, and the service refuses any other
assignee whatever the client sends. Re-routing is audited and drops an assignee who could no
longer open the item."""

from __future__ import annotations

import pytest
from sqlmodel import select

from feedback_api.audit.models import AuditEvent
from feedback_api.permissions import Forbidden
from feedback_api.submissions import service as submissions
from feedback_api.submissions.schemas import SubmissionUpdate
from feedback_api.units import service as units
from tests.feedback_api.conftest import actor, login, make_tip


def names(officers):
    return {o.username for o in officers}


def test_a_commune_item_offers_its_own_officers_and_those_above_only(db, world, settings):
    tip = make_tip(db, settings, unit_code="XA")
    offered = names(submissions.assignable(db_session=db, unit_id=tip.unit_id))
    assert offered == {"officer.a", "officer.p", "admin"}  # never officer.b, leaders, campaign


def test_a_province_item_is_not_offered_to_commune_officers_who_could_not_open_it(
    db, world, settings
):
    tip = make_tip(db, settings, unit_code="T01")
    assert names(submissions.assignable(db_session=db, unit_id=tip.unit_id)) == {
        "officer.p",
        "admin",
    }


@pytest.mark.parametrize("who", ["officer_b", "leader_a", "campaign_a"])
def test_the_service_refuses_an_assignee_who_cannot_see_the_item(db, world, settings, who):
    tip = make_tip(db, settings, unit_code="XA")
    with pytest.raises(submissions.SubmissionError):
        submissions.update(
            db_session=db,
            actor=actor(db, world.officers["admin"]),
            submission_id=tip.id,
            data=SubmissionUpdate(assigned_to_id=world.officers[who].id),
        )
    db.refresh(tip)
    assert tip.assigned_to_id is None


def test_the_api_refuses_a_forged_assignee(db, world, settings, client):
    tip = make_tip(db, settings, unit_code="XA")
    headers = login(client, "officer.a")
    forged = client.patch(
        f"/api/v1/submissions/{tip.id}",
        json={"assigned_to_id": world.officers["officer_b"].id},
        headers=headers,
    )
    assert forged.status_code == 422
    ok = client.patch(
        f"/api/v1/submissions/{tip.id}",
        json={"assigned_to_id": world.officers["officer_a"].id},
        headers=headers,
    )
    assert ok.status_code == 200 and ok.json()["assigned_to_id"] == world.officers["officer_a"].id


def test_rerouting_is_audited_and_drops_an_assignee_who_could_no_longer_see_it(db, world, settings):
    tip = make_tip(db, settings, unit_code="XA")
    admin = actor(db, world.officers["admin"])
    submissions.update(
        db_session=db,
        actor=admin,
        submission_id=tip.id,
        data=SubmissionUpdate(assigned_to_id=world.officers["officer_a"].id),
    )
    submissions.update(
        db_session=db,
        actor=admin,
        submission_id=tip.id,
        data=SubmissionUpdate(unit_id=world.commune_b.id),
    )
    db.refresh(tip)
    assert tip.unit_id == world.commune_b.id and tip.assigned_to_id is None
    event = db.exec(
        select(AuditEvent).where(AuditEvent.action == "submission.update").order_by(AuditEvent.id)
    ).all()[-1]
    assert str(world.commune_b.id) in event.after and "assigned_to_id" in event.after


def test_a_commune_officer_hands_a_misrouted_tip_back_to_the_province(db, world, settings):
    tip = make_tip(db, settings, unit_code="XA")
    officer_a = actor(db, world.officers["officer_a"])
    targets = {u.code for u in submissions.reroute_targets(db_session=db, actor=officer_a)}
    assert targets == {"T01", "XA"}  # up to the province, never across to the neighbour
    submissions.update(
        db_session=db,
        actor=officer_a,
        submission_id=tip.id,
        data=SubmissionUpdate(unit_id=world.province.id),
    )
    with pytest.raises(submissions.NotFound):  # it has left their reach
        submissions.get_in_reach(db_session=db, actor=officer_a, submission_id=tip.id)
    province = actor(db, world.officers["officer_p"])
    assert submissions.get_in_reach(db_session=db, actor=province, submission_id=tip.id)
    [event] = db.exec(
        select(AuditEvent).where(
            AuditEvent.action == "submission.update", AuditEvent.entity_id == tip.id
        )
    ).all()
    assert event.actor_id == world.officers["officer_a"].id


def test_rerouting_outside_the_province_or_by_a_leader_is_refused(db, world, settings):
    other = units.create(
        db_session=db, data=units.UnitCreate(code="T02", name="Công an tỉnh Khác", kind="province")
    )
    tip = make_tip(db, settings, unit_code="XA")
    with pytest.raises(submissions.SubmissionError):
        submissions.update(
            db_session=db,
            actor=actor(db, world.officers["officer_a"]),
            submission_id=tip.id,
            data=SubmissionUpdate(unit_id=other.id),
        )
    with pytest.raises(Forbidden):
        submissions.update(
            db_session=db,
            actor=actor(db, world.officers["leader_a"]),
            submission_id=tip.id,
            data=SubmissionUpdate(unit_id=world.commune_b.id),
        )
