"""Subscribing and unsubscribing: every opt-out is honoured at once and remembered."""

from __future__ import annotations

from sqlmodel import Session, select

from feedback_api.clock import utcnow
from feedback_api.permissions import NotFound
from feedback_api.subscriptions.models import Subscription
from feedback_api.subscriptions.schemas import SubscriptionSet
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
