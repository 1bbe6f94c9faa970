"""Outbox lease/ack routes for the bot's sender (service token)."""

from __future__ import annotations

from fastapi import APIRouter

from feedback_api.deps import ServiceCaller, SessionDep, SettingsDep
from feedback_api.outbox import service
from feedback_api.outbox.schemas import (
    AckRequest,
    AckResult,
    LeasedMessage,
    LeasedMessages,
    LeaseRequest,
    PauseRequest,
    Slots,
    SlotsRequest,
)
from feedback_api.permissions import NotFound
from feedback_api.subscriptions import service as subscriptions
from feedback_api.wire import DbId

router = APIRouter(prefix="/api/v1/outbox", tags=["outbox"])


@router.post("/lease", response_model=LeasedMessages)
def lease(
    data: LeaseRequest, db: SessionDep, settings: SettingsDep, _caller: ServiceCaller
) -> LeasedMessages:
    messages = service.lease(
        db_session=db, limit=data.limit, lease_seconds=data.lease_seconds, settings=settings
    )
    return LeasedMessages(
        data=[LeasedMessage.model_validate(m, from_attributes=True) for m in messages],
        count=len(messages),
    )


@router.post("/slots", response_model=Slots)
def slots(
    data: SlotsRequest, db: SessionDep, settings: SettingsDep, _caller: ServiceCaller
) -> Slots:
    return Slots(
        slots=service.reserve_slots(
            db_session=db, settings=settings, channel=data.channel, count=data.count
        )
    )


@router.post("/pause", status_code=204)
def pause(
    data: PauseRequest, db: SessionDep, settings: SettingsDep, _caller: ServiceCaller
) -> None:
    service.pause_sending(
        db_session=db, settings=settings, channel=data.channel, seconds=data.seconds
    )


@router.post("/{message_id}/ack", response_model=AckResult)
def ack(message_id: DbId, data: AckRequest, db: SessionDep, _caller: ServiceCaller) -> AckResult:
    message, accepted = service.ack(
        db_session=db,
        message_id=message_id,
        lease_token=data.lease_token,
        outcome=data.outcome,
        error=data.error,
        retry_after=data.retry_after,
    )
    if message is None:
        raise NotFound("outbox message")
    if accepted and data.outcome == "blocked":
        subscriptions.end(db_session=db, citizen_ref=message.citizen_ref, reason="blocked")
    return AckResult(id=message.id, state=str(message.state), accepted=accepted)
