"""Subscribing and unsubscribing: every opt-out is honoured at once and remembered."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from feedback_api.clock import utcnow
from feedback_api.permissions import Action, Actor, NotFound
from feedback_api.subscriptions.models import Subscription
from feedback_api.subscriptions.schemas import SubscriptionSet
from feedback_api.units.models import Unit
from feedback_api.units.service import get_by_code


def subscribe(*, db_session: Session, data: SubscriptionSet) -> Subscription:
    unit = get_by_code(db_session=db_session, code=data.unit_code)
    if unit is None:
        raise NotFound("unit")
    subscription = db_session.exec(
        select(Subscription).where(Subscription.citizen_ref == data.citizen_ref)
    ).first()
    subscription = subscription or Subscription(citizen_ref=data.citizen_ref, unit_id=unit.id)
    subscription.unit_id = unit.id
    subscription.topics = ",".join(sorted(set(data.topics)))
    subscription.active = True
    subscription.ended_reason = None
    subscription.updated_at = utcnow()
    db_session.add(subscription)
    db_session.commit()
    return subscription


def end(*, db_session: Session, citizen_ref: str, reason: str) -> bool:
    """Stop sending to this citizen ("stop": they asked; "blocked": they blocked the bot)."""
    subscription = db_session.exec(
        select(Subscription).where(Subscription.citizen_ref == citizen_ref)
    ).first()
    if subscription is None or not subscription.active:
        return False
    subscription.active = False
    subscription.ended_reason = reason
    subscription.updated_at = utcnow()
    db_session.add(subscription)
    db_session.commit()
    return True


@dataclass(frozen=True)
class UnitSubscribers:
    unit: Unit
    active: int


def overview(*, db_session: Session, actor: Actor) -> list[UnitSubscribers]:
    """How many citizens receive news in each unit of the actor's reach (campaign staff and
    admins): the audience a broadcast will have. Counts only, never who."""
    actor.require(Action.BROADCAST)
    units = list(
        db_session.exec(
            select(Unit).where(col(Unit.path).startswith(actor.unit_path)).order_by(col(Unit.path))
        )
    )
    counts = dict(
        db_session.exec(
            select(Subscription.unit_id, func.count())
            .where(col(Subscription.active), col(Subscription.unit_id).in_([u.id for u in units]))
            .group_by(Subscription.unit_id)
        ).all()
    )
    return [UnitSubscribers(unit, counts.get(unit.id, 0)) for unit in units]
