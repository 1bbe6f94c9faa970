"""Officers of the commune a submission was routed to see it at once: the navigation counts
new items in their reach and what is assigned to them, and "Giao cho tôi" lists the latter.
The assignment form offers only officers who can open the item."""

from __future__ import annotations

from feedback_api.submissions import service
from feedback_api.submissions.schemas import SubmissionUpdate
from tests.feedback_api.conftest import actor, make_tip
from tests.feedback_api.test_pages import codes, sign_in


def test_the_navigation_counts_new_items_routed_to_the_officers_commune(
    client, world, db, settings
):
    make_tip(db, settings, unit_code="XA")
    make_tip(db, settings, unit_code="XA")
    make_tip(db, settings, unit_code="PB")
    sign_in(client, "officer.a")
    inbox = client.get("/officer")
    assert inbox.context["nav"] == {"new": 2, "mine": 0}
    assert 'data-nav="new">2 mới' in inbox.text
    client.cookies.clear()
    sign_in(client, "officer.p")
    assert client.get("/officer").context["nav"]["new"] == 3  # the province sees all


def test_assigned_to_me_lists_only_the_officers_open_items(client, world, db, settings):
    mine = make_tip(db, settings, unit_code="XA")
    other = make_tip(db, settings, unit_code="XA")
    service.update(
        db_session=db,
        actor=actor(db, world.officers["admin"]),
        submission_id=mine.id,
        data=SubmissionUpdate(assigned_to_id=world.officers["officer_a"].id),
    )
    sign_in(client, "officer.a")
    page = client.get("/officer?mine=1")
    assert page.status_code == 200 and codes(page) == [mine.tracking_code]
    assert other.tracking_code not in page.text and "Giao cho tôi" in page.text
    assert page.context["nav"]["mine"] == 1


def test_the_assignment_form_offers_only_officers_who_can_open_the_item(
    client, world, db, settings
):
    tip = make_tip(db, settings, unit_code="XA")
    sign_in(client, "officer.p")
    detail = client.get(f"/officer/submissions/{tip.id}")
    offered = {o.username for o in detail.context["assignable"]}
    assert offered == {"officer.a", "officer.p", "admin"}


def test_a_leader_without_triage_sees_the_new_count_too(client, world, db, settings):
    make_tip(db, settings, unit_code="XA")
    sign_in(client, "leader.a")
    assert client.get("/officer").context["nav"]["new"] == 1
