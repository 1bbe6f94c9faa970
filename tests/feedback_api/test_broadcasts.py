"""Campaign rules, as campaign staff and their leaders meet them: the audience stays inside the
author's unit, a second person approves, drafts change only before approval, quiet hours hold,
and pause/resume/cancel act at once. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from feedback_api.audit.models import AuditEvent
from feedback_api.broadcasts import delivery, progress, quiet, service
from feedback_api.broadcasts.models import BroadcastDelivery
from feedback_api.broadcasts.schemas import BroadcastDraft, DeliveryOutcome
from feedback_api.officers import service as officers
from feedback_api.officers.schemas import OfficerCreate
from feedback_api.permissions import Forbidden, NotFound
from feedback_api.subscriptions import service as subscriptions
from feedback_api.subscriptions.schemas import SubscriptionSet
from tests.feedback_api.conftest import PASSWORD, actor

VN = dt.timezone(dt.timedelta(hours=7))
TOMORROW = (dt.datetime.now(VN) + dt.timedelta(days=1)).date()  # after any approval in a test


def local(hour: int, minute: int = 0, days: int = 0) -> dt.datetime:
    return dt.datetime.combine(TOMORROW + dt.timedelta(days=days), dt.time(hour, minute), VN)


DAYTIME = local(10)


def person(db, username, role, unit):
    officer = officers.create(
        db_session=db,
        actor=None,
        data=OfficerCreate(
            username=username, full_name=username, role=role, unit_id=unit.id, password=PASSWORD
        ),
    )
    return actor(db, officer)


@pytest.fixture
def team(db, world):
    return {
        "campaign_a": actor(db, world.officers["campaign_a"]),
        "leader_a": actor(db, world.officers["leader_a"]),
        "officer_a": actor(db, world.officers["officer_a"]),
        "admin": actor(db, world.officers["admin"]),
        "campaign_p": person(db, "campaign.p", "campaign", world.province),
        "leader_p": person(db, "leader.p", "leader", world.province),
        "leader_b": person(db, "leader.b", "leader", world.commune_b),
    }


def subscribe(db, ref, unit_code, *topics):
    subscriptions.subscribe(
        db_session=db,
        data=SubscriptionSet(citizen_ref=ref, unit_code=unit_code, topics=list(topics)),
    )


def draft(**fields):
    return BroadcastDraft(
        title=fields.pop("title", "Cảnh báo"), text=fields.pop("text", "Nội dung"), **fields
    )


@pytest.fixture
def audience(db, world):
    subscribe(db, "cref_a_security", "XA", "security")
    subscribe(db, "cref_a_traffic", "XA", "traffic", "fraud")
    subscribe(db, "cref_b_security", "PB", "security")
    subscribe(db, "cref_b_fraud", "PB", "fraud")
    subscribe(db, "cref_gone", "XA", "security")
    subscriptions.end(db_session=db, citizen_ref="cref_gone", reason="stop")


def test_commune_staff_reach_only_their_commune_and_chosen_topics(db, world, team, audience):
    a = team["campaign_a"]
    count = service.recipient_count
    assert count(db_session=db, actor=a, unit_ids=[], topics=[]) == 2  # stopped one excluded
    assert count(db_session=db, actor=a, unit_ids=[], topics=["fraud"]) == 1
    with pytest.raises(Forbidden):
        count(db_session=db, actor=a, unit_ids=[world.commune_b.id], topics=[])
    with pytest.raises(Forbidden):
        service.create(db_session=db, actor=a, data=draft(unit_ids=[world.commune_b.id]))


def test_province_staff_choose_communes_and_topics(db, world, team, audience):
    p = team["campaign_p"]
    count = service.recipient_count
    assert count(db_session=db, actor=p, unit_ids=[], topics=[]) == 4
    assert count(db_session=db, actor=p, unit_ids=[world.commune_b.id], topics=[]) == 2
    both = count(db_session=db, actor=p, unit_ids=[world.commune_b.id], topics=["security"])
    assert both == 1
    assert count(db_session=db, actor=p, unit_ids=[], topics=["security", "fraud"]) == 4


def test_officers_without_the_broadcast_right_cannot_compose(db, team):
    with pytest.raises(Forbidden):
        service.create(db_session=db, actor=team["officer_a"], data=draft())
    with pytest.raises(Forbidden):
        service.create(db_session=db, actor=team["leader_a"], data=draft())


def test_four_eyes_approval(db, world, team):
    campaign = service.create(db_session=db, actor=team["campaign_a"], data=draft())
    approve = service.approve
    with pytest.raises(Forbidden):  # campaign staff have no approver right
        approve(db_session=db, actor=team["campaign_a"], broadcast_id=campaign.id, revision=1)
    with pytest.raises(Forbidden):  # an officer neither
        approve(db_session=db, actor=team["officer_a"], broadcast_id=campaign.id, revision=1)
    with pytest.raises(NotFound):  # a leader of another commune does not even see it
        approve(db_session=db, actor=team["leader_b"], broadcast_id=campaign.id, revision=1)
    done = approve(db_session=db, actor=team["leader_a"], broadcast_id=campaign.id, revision=1)
    assert done.status == "approved" and done.approved_by_id == team["leader_a"].officer_id

    second = service.create(db_session=db, actor=team["campaign_a"], data=draft())
    assert (
        approve(db_session=db, actor=team["leader_p"], broadcast_id=second.id, revision=1).status
        == "approved"
    )  # a leader above the unit may


def test_the_author_cannot_approve_their_own_campaign_even_as_admin(db, team):
    own = service.create(db_session=db, actor=team["admin"], data=draft())
    with pytest.raises(Forbidden):
        service.approve(db_session=db, actor=team["admin"], broadcast_id=own.id, revision=1)
    assert (
        service.approve(
            db_session=db, actor=team["leader_p"], broadcast_id=own.id, revision=1
        ).status
        == "approved"
    )


def test_drafts_are_editable_until_approved_and_an_edit_voids_a_stale_approval(db, team):
    campaign = service.create(db_session=db, actor=team["campaign_a"], data=draft())
    edited = service.edit(
        db_session=db, actor=team["campaign_a"], broadcast_id=campaign.id, data=draft(text="Mới")
    )
    assert edited.revision == 2
    with pytest.raises(service.BroadcastError):  # the leader looked at revision 1
        service.approve(db_session=db, actor=team["leader_a"], broadcast_id=campaign.id, revision=1)
    service.approve(db_session=db, actor=team["leader_a"], broadcast_id=campaign.id, revision=2)
    with pytest.raises(service.BroadcastError):
        service.edit(
            db_session=db, actor=team["campaign_a"], broadcast_id=campaign.id, data=draft()
        )


def test_links_are_at_most_three_web_addresses():
    with pytest.raises(ValueError):
        draft(links=[{"label": "x", "url": "javascript:alert(1)"}])
    with pytest.raises(ValueError):
        draft(links=[{"label": f"l{n}", "url": f"https://a.vn/{n}"} for n in range(4)])
    assert len(draft(links=[{"label": "Xem", "url": "https://congan.vn/a"}]).links) == 1


def test_quiet_hours_default_to_nine_pm_until_seven_am_vietnam_time(settings):
    at = lambda h, m=0: dt.datetime(2026, 12, 2, h, m, tzinfo=VN)  # noqa: E731
    assert quiet.is_quiet(at(21, 0), settings) and quiet.is_quiet(at(23, 30), settings)
    assert quiet.is_quiet(at(3), settings) and quiet.is_quiet(at(6, 59), settings)
    assert not quiet.is_quiet(at(7, 0), settings) and not quiet.is_quiet(at(20, 59), settings)
    assert quiet.quiet_ends(at(22), settings) == at(7).replace(day=3)
    custom = settings.model_copy(
        update={"broadcast_quiet_start": "12:00", "broadcast_quiet_end": "13:00"}
    )
    assert quiet.is_quiet(at(12, 30), custom) and not quiet.is_quiet(at(22), custom)


def _claim(db, settings, now, limit=100):
    return delivery.claim(db_session=db, settings=settings, limit=limit, lease_seconds=60, now=now)


def test_an_approved_campaign_waits_for_the_end_of_quiet_hours(db, settings, team, audience):
    campaign = service.create(db_session=db, actor=team["campaign_a"], data=draft())
    service.approve(db_session=db, actor=team["leader_a"], broadcast_id=campaign.id, revision=1)
    night = local(22)
    assert _claim(db, settings, night).deliveries == []
    db.refresh(campaign)
    assert campaign.status == "approved"
    morning = local(7, 1, days=1)
    claimed = _claim(db, settings, morning)
    db.refresh(campaign)
    assert campaign.status == "running" and len(claimed.deliveries) == 2


def test_a_running_campaign_holds_during_quiet_hours(db, settings, team, audience):
    campaign = service.create(db_session=db, actor=team["campaign_a"], data=draft())
    service.approve(db_session=db, actor=team["leader_a"], broadcast_id=campaign.id, revision=1)
    claimed = _claim(db, settings, DAYTIME)
    evening = local(21, 5)
    ids = [d.id for d in claimed.deliveries]
    result = delivery.step(
        db_session=db, settings=settings, lease_token=claimed.lease_token, outcomes=[],
        start=ids, now=evening,
    )  # fmt: skip
    assert result.started == [] and sorted(result.dropped) == sorted(ids)
    assert _claim(db, settings, evening + dt.timedelta(minutes=1)).deliveries == []


def test_a_scheduled_campaign_starts_at_its_time(db, settings, team, audience):
    later = DAYTIME + dt.timedelta(hours=2)
    campaign = service.create(
        db_session=db, actor=team["campaign_a"], data=draft(scheduled_at=later)
    )
    service.approve(db_session=db, actor=team["leader_a"], broadcast_id=campaign.id, revision=1)
    assert _claim(db, settings, DAYTIME).deliveries == []
    assert len(_claim(db, settings, later).deliveries) == 2


def test_pause_resume_and_cancel(db, settings, team, audience):
    campaign = service.create(db_session=db, actor=team["campaign_p"], data=draft())
    service.approve(db_session=db, actor=team["leader_p"], broadcast_id=campaign.id, revision=1)
    claimed = _claim(db, settings, DAYTIME, limit=2)
    first = claimed.deliveries[0].id
    started = delivery.step(
        db_session=db, settings=settings, lease_token=claimed.lease_token, outcomes=[],
        start=[first], now=DAYTIME,
    )  # fmt: skip
    assert started.started == [first]

    service.control(
        db_session=db, actor=team["campaign_p"], broadcast_id=campaign.id, action="pause"
    )
    rest = [d.id for d in claimed.deliveries[1:]]
    held = delivery.step(
        db_session=db, settings=settings, lease_token=claimed.lease_token,
        outcomes=[DeliveryOutcome(id=first, outcome="sent")], start=rest, now=DAYTIME,
    )  # fmt: skip
    assert held.started == [] and held.dropped == rest  # the send in flight is still recorded
    assert _claim(db, settings, DAYTIME).deliveries == []

    service.control(
        db_session=db, actor=team["leader_p"], broadcast_id=campaign.id, action="resume"
    )
    assert len(_claim(db, settings, DAYTIME, limit=1).deliveries) == 1

    service.control(
        db_session=db, actor=team["campaign_p"], broadcast_id=campaign.id, action="cancel"
    )
    db.refresh(campaign)
    report = progress.of(db_session=db, broadcast=campaign, settings=settings, now=DAYTIME)
    assert (report.sent, report.cancelled, report.pending) == (1, 3, 0)
    assert _claim(db, settings, DAYTIME).deliveries == []
    with pytest.raises(service.BroadcastError):
        service.control(
            db_session=db, actor=team["campaign_p"], broadcast_id=campaign.id, action="resume"
        )


def test_every_step_is_audited(db, settings, team, audience):
    campaign = service.create(db_session=db, actor=team["campaign_a"], data=draft())
    service.edit(db_session=db, actor=team["campaign_a"], broadcast_id=campaign.id, data=draft())
    service.approve(db_session=db, actor=team["leader_a"], broadcast_id=campaign.id, revision=2)
    _claim(db, settings, DAYTIME)
    service.control(
        db_session=db, actor=team["campaign_a"], broadcast_id=campaign.id, action="pause"
    )
    service.control(
        db_session=db, actor=team["campaign_a"], broadcast_id=campaign.id, action="cancel"
    )
    actions = db.exec(
        select(AuditEvent.action)
        .where(AuditEvent.entity_type == "broadcast")
        .order_by(AuditEvent.id)
    ).all()
    assert actions == [
        "broadcast.create", "broadcast.edit", "broadcast.approve", "broadcast.start",
        "broadcast.pause", "broadcast.cancel",
    ]  # fmt: skip


def test_the_audience_is_expanded_in_chunks_without_duplicates(db, settings, team, world):
    for n in range(25):
        subscribe(db, f"cref_bulk_{n:03d}", "XA", "security")
    small = settings.model_copy(update={"broadcast_expand_chunk": 4})
    campaign = service.create(db_session=db, actor=team["campaign_a"], data=draft())
    service.approve(db_session=db, actor=team["leader_a"], broadcast_id=campaign.id, revision=1)
    for _ in range(10):
        _claim(db, small, DAYTIME, limit=1)
    db.refresh(campaign)
    refs = db.exec(
        select(BroadcastDelivery.citizen_ref).where(BroadcastDelivery.test_seq == 0)
    ).all()
    assert campaign.expansion_done and campaign.recipients == 25
    assert len(refs) == len(set(refs)) == 25


def test_the_shared_bucket_hands_out_evenly_spaced_slots_and_replies_go_first(db, settings):
    from feedback_api.broadcasts import ratebucket

    ten = settings.model_copy(update={"broadcast_per_second": 10.0, "broadcast_rate_safety": 1.0})
    now = [1000.0]
    take = lambda n: ratebucket.take(  # noqa: E731
        db_session=db, settings=ten, wanted=n, clock=lambda: now[0]
    )
    slots, _ = take(20)
    assert slots == pytest.approx([1000.0, 1000.1, 1000.2, 1000.3, 1000.4, 1000.5])  # 0.5 s ahead
    db.commit()
    now[0] = 1001.0
    ratebucket.debit(db_session=db, settings=ten, count=5, clock=lambda: now[0])  # 5 replies
    slots, _ = take(1)
    assert slots[0] == pytest.approx(1001.5)  # the campaign waits for the replies' slots
    ratebucket.pause(db_session=db, settings=ten, seconds=3, clock=lambda: now[0])  # a 429
    slots, wait = take(1)
    assert slots == [] and wait == pytest.approx(2.6)
    now[0] = 1004.0
    assert take(1)[0][0] == pytest.approx(1004.1)
