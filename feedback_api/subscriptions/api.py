"""Subscription routes for the bot (service token)."""

from __future__ import annotations

from fastapi import APIRouter

from feedback_api.deps import ServiceCaller, SessionDep
from feedback_api.subscriptions import service
from feedback_api.subscriptions.schemas import SubscriptionPublic, SubscriptionSet

router = APIRouter(prefix="/api/v1/intake/subscriptions", tags=["intake"])


@router.put("", response_model=SubscriptionPublic)
def subscribe(data: SubscriptionSet, db: SessionDep, _caller: ServiceCaller):
    subscription = service.subscribe(db_session=db, data=data)
    return SubscriptionPublic(
        citizen_ref=subscription.citizen_ref,
        unit_id=subscription.unit_id,
        topics=subscription.topics.split(","),
        active=subscription.active,
    )


@router.delete("/{citizen_ref}", status_code=204)
def unsubscribe(citizen_ref: str, db: SessionDep, _caller: ServiceCaller) -> None:
    service.end(db_session=db, citizen_ref=citizen_ref, reason="stop")
