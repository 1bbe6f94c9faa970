"""Campaign rules: who composes, who approves (four eyes), what may change when. Every step is
written to the audit log in the same transaction as the change.

- Composing needs the `broadcast` right; the audience is limited to the author's unit subtree.
- Approving needs `approve_broadcast` (admins, leaders) over the campaign's unit, by someone
  other than the author, of the revision they saw (an edit in between voids the approval).
- Drafts are editable until approved; approved and running campaigns can be paused, resumed
  and cancelled, never edited.
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from feedback_api.audit import service as audit
from feedback_api.broadcasts import audience
from feedback_api.broadcasts.models import (
    Broadcast,
    BroadcastDelivery,
    BroadcastStatus,
    DeliveryState,
    OfficerChatLink,
)
from feedback_api.broadcasts.schemas import BroadcastDraft, BroadcastPublic, Link
from feedback_api.clock import utcnow
from feedback_api.permissions import Action, Actor, Forbidden, NotFound
from feedback_api.units.models import Unit

S = BroadcastStatus


class BroadcastError(ValueError):
    """A campaign rule was broken; the message is Vietnamese, for the officer."""


def _unit(db_session: Session, unit_id: int) -> Unit:
    unit = db_session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("unit")
    return unit


def can_view(actor: Actor) -> bool:
    return actor.can(Action.VIEW_BROADCASTS)


def get_in_reach(*, db_session: Session, actor: Actor, broadcast_id: int) -> Broadcast:
    if not can_view(actor):
        raise Forbidden("broadcasts")
    broadcast = db_session.get(Broadcast, broadcast_id)
    if broadcast is None or not actor.reaches(_unit(db_session, broadcast.unit_id).path):
        raise NotFound("broadcast")
    return broadcast


def list_in_reach(*, db_session: Session, actor: Actor, limit: int = 100) -> list[Broadcast]:
    if not can_view(actor):
        raise Forbidden("broadcasts")
    query = (
        select(Broadcast)
        .join(Unit, col(Unit.id) == Broadcast.unit_id)
        .where(col(Unit.path).startswith(actor.unit_path, autoescape=True))
        .order_by(col(Broadcast.id).desc())
        .limit(limit)
    )
    return list(db_session.exec(query))


def _checked_paths(db_session: Session, actor: Actor, unit_ids: list[int]) -> list[str]:
    """The audience's unit paths, refusing any unit outside the author's subtree."""
    if not unit_ids:
        return [actor.unit_path]
    units = list(db_session.exec(select(Unit).where(col(Unit.id).in_(unit_ids))))
    if len(units) != len(unit_ids) or not all(actor.reaches(u.path) for u in units):
        raise Forbidden("audience outside the author's unit")
    return [u.path for u in units]


def recipient_count(*, db_session: Session, actor: Actor, unit_ids: list[int], topics: list[str]):
    """The live count shown while composing: subscribers the campaign would reach now."""
    actor.require(Action.BROADCAST)
    return audience.count(
        db_session, paths=_checked_paths(db_session, actor, unit_ids), topics=topics
    )


def _snapshot(b: Broadcast) -> dict:
    return {
        "title": b.title,
        "text": b.text,
        "links": json.loads(b.links),
        "units": b.audience_unit_ids,
        "topics": b.audience_topics,
        "scheduled_at": b.scheduled_at.isoformat() if b.scheduled_at else None,
        "status": b.status,
        "revision": b.revision,
        "image": b.image_name,
    }


def _apply(broadcast: Broadcast, data: BroadcastDraft, image_name: str | None) -> None:
    if image_name is not None:
        broadcast.image_name = image_name or None  # "" removes the image
    limit = 1000 if broadcast.image_name else 3500
    if len(data.text) > limit:
        raise BroadcastError(
            f"Nội dung quá dài: tối đa {limit} ký tự"
            + (" khi có ảnh (Telegram giới hạn chú thích ảnh)." if broadcast.image_name else ".")
        )
    broadcast.title = data.title.strip()
    broadcast.text = data.text.strip()
    broadcast.links = json.dumps([link.model_dump() for link in data.links], ensure_ascii=False)
    broadcast.audience_unit_ids = ",".join(str(i) for i in data.unit_ids)
    broadcast.audience_topics = ",".join(data.topics)
    broadcast.scheduled_at = data.scheduled_at
    broadcast.updated_at = utcnow()


def create(
    *,
    db_session: Session,
    actor: Actor,
    data: BroadcastDraft,
    image_name: str | None = None,
    ip: str | None = None,
) -> Broadcast:
    actor.require(Action.BROADCAST)
    _checked_paths(db_session, actor, data.unit_ids)
    broadcast = Broadcast(unit_id=actor.unit_id, author_id=actor.officer_id, title="", text="")
    _apply(broadcast, data, image_name)
    db_session.add(broadcast)
    db_session.flush()
    audit.record(
        db_session=db_session,
        actor=actor,
        action="broadcast.create",
        entity_type="broadcast",
        entity_id=broadcast.id,
        after=_snapshot(broadcast),
        ip=ip,
    )
    db_session.commit()
    return broadcast


def edit(
    *,
    db_session: Session,
    actor: Actor,
    broadcast_id: int,
    data: BroadcastDraft,
    image_name: str | None = None,
    ip: str | None = None,
) -> Broadcast:
    actor.require(Action.BROADCAST)
    broadcast = get_in_reach(db_session=db_session, actor=actor, broadcast_id=broadcast_id)
    if broadcast.status != S.DRAFT:
        raise BroadcastError("Chiến dịch đã được duyệt: không thể sửa nội dung nữa.")
    _checked_paths(db_session, actor, data.unit_ids)
    before = _snapshot(broadcast)
    _apply(broadcast, data, image_name)
    broadcast.revision += 1
    db_session.add(broadcast)
    audit.record(
        db_session=db_session,
        actor=actor,
        action="broadcast.edit",
        entity_type="broadcast",
        entity_id=broadcast.id,
        before=before,
        after=_snapshot(broadcast),
        ip=ip,
    )
    db_session.commit()
    return broadcast


def may_approve(*, db_session: Session, actor: Actor, broadcast: Broadcast) -> bool:
    unit = _unit(db_session, broadcast.unit_id)
    return (
        actor.can(Action.APPROVE_BROADCAST)
        and actor.reaches(unit.path)
        and actor.officer_id != broadcast.author_id
        and broadcast.status == S.DRAFT
    )


def approve(
    *,
    db_session: Session,
    actor: Actor,
    broadcast_id: int,
    revision: int,
    ip: str | None = None,
) -> Broadcast:
    broadcast = get_in_reach(db_session=db_session, actor=actor, broadcast_id=broadcast_id)
    if actor.officer_id == broadcast.author_id:
        raise Forbidden("the author cannot approve their own campaign")
    if not actor.can(Action.APPROVE_BROADCAST):
        raise Forbidden("approve_broadcast")
    if broadcast.status != S.DRAFT:
        raise BroadcastError("Chỉ duyệt được chiến dịch đang ở trạng thái nháp.")
    if broadcast.revision != revision:
        raise BroadcastError("Nội dung vừa được sửa sau khi bạn xem. Vui lòng xem lại rồi duyệt.")
    broadcast.status = S.APPROVED
    broadcast.approved_by_id = actor.officer_id
    broadcast.approved_at = utcnow()
    broadcast.updated_at = utcnow()
    db_session.add(broadcast)
    audit.record(
        db_session=db_session,
        actor=actor,
        action="broadcast.approve",
        entity_type="broadcast",
        entity_id=broadcast.id,
        after={"revision": revision, "scheduled_at": str(broadcast.scheduled_at or "now")},
        ip=ip,
    )
    db_session.commit()
    return broadcast


TRANSITIONS = {
    "pause": ({S.RUNNING, S.APPROVED}, S.PAUSED),
    "resume": ({S.PAUSED}, None),  # back to running, or approved if it never started
    "cancel": ({S.DRAFT, S.APPROVED, S.RUNNING, S.PAUSED}, S.CANCELLED),
}


def control(
    *, db_session: Session, actor: Actor, broadcast_id: int, action: str, ip: str | None = None
) -> Broadcast:
    """Pause, resume or cancel. Campaign staff and approvers in reach may; cancelling marks
    every recipient not yet sent to as cancelled at once."""
    if action not in TRANSITIONS:
        raise BroadcastError("Thao tác không hợp lệ.")
    broadcast = get_in_reach(db_session=db_session, actor=actor, broadcast_id=broadcast_id)
    allowed, target = TRANSITIONS[action]
    if broadcast.status not in allowed:
        raise BroadcastError("Không thể thực hiện thao tác này ở trạng thái hiện tại.")
    before = broadcast.status
    if target is None:
        target = S.RUNNING if broadcast.started_at else S.APPROVED
    broadcast.status = target
    broadcast.updated_at = utcnow()
    if target == S.CANCELLED:
        broadcast.finished_at = utcnow()
        db_session.exec(
            update(BroadcastDelivery)
            .where(
                col(BroadcastDelivery.broadcast_id) == broadcast.id,
                col(BroadcastDelivery.state).in_([DeliveryState.PENDING, DeliveryState.LEASED]),
                col(BroadcastDelivery.test_seq) == 0,
            )
            .values(state=DeliveryState.CANCELLED, lease_token=None)
        )
    db_session.add(broadcast)
    audit.record(
        db_session=db_session,
        actor=actor,
        action=f"broadcast.{action}",
        entity_type="broadcast",
        entity_id=broadcast.id,
        before={"status": before},
        after={"status": broadcast.status},
        ip=ip,
    )
    db_session.commit()
    return broadcast


def send_test(
    *, db_session: Session, actor: Actor, broadcast_id: int, ip: str | None = None
) -> BroadcastDelivery:
    """Queue one copy for the officer's own linked chat (any status, quiet hours ignored)."""
    broadcast = get_in_reach(db_session=db_session, actor=actor, broadcast_id=broadcast_id)
    link = db_session.get(OfficerChatLink, actor.officer_id)
    if link is None or not link.citizen_ref:
        raise BroadcastError(
            "Bạn chưa liên kết Telegram của mình. Vào “Liên kết Telegram” để lấy mã."
        )
    last = db_session.exec(
        select(func.max(BroadcastDelivery.test_seq)).where(
            BroadcastDelivery.broadcast_id == broadcast.id
        )
    ).one()
    delivery = BroadcastDelivery(
        broadcast_id=broadcast.id, citizen_ref=link.citizen_ref, test_seq=(last or 0) + 1
    )
    db_session.add(delivery)
    db_session.flush()
    audit.record(
        db_session=db_session,
        actor=actor,
        action="broadcast.test_send",
        entity_type="broadcast",
        entity_id=broadcast.id,
        after={"delivery_id": delivery.id},
        ip=ip,
    )
    db_session.commit()
    return delivery


def to_public(b: Broadcast) -> BroadcastPublic:
    return BroadcastPublic(
        id=b.id,
        unit_id=b.unit_id,
        author_id=b.author_id,
        title=b.title,
        text=b.text,
        has_image=bool(b.image_name),
        links=[Link.model_validate(x) for x in json.loads(b.links)],
        unit_ids=audience.unit_ids_of(b),
        topics=audience.topics_of(b),
        status=b.status,
        revision=b.revision,
        scheduled_at=b.scheduled_at,
        approved_by_id=b.approved_by_id,
        approved_at=b.approved_at,
        started_at=b.started_at,
        finished_at=b.finished_at,
        recipients=b.recipients,
        created_at=b.created_at,
    )


def due_moment(broadcast: Broadcast) -> dt.datetime:
    return broadcast.scheduled_at or broadcast.approved_at or broadcast.created_at
