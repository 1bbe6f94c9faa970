"""Audit log browsing (admins)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query

from feedback_api.audit import service
from feedback_api.audit.schemas import AuditEventPublic, AuditEventsPublic
from feedback_api.deps import CurrentActor, SessionDep
from feedback_api.wire import DbId, Moment

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


def to_public(event) -> AuditEventPublic:
    return AuditEventPublic(
        id=event.id,
        at=event.at,
        actor_id=event.actor_id,
        actor=event.actor,
        action=event.action,
        entity_type=event.entity_type,
        entity_id=event.entity_id,
        before=json.loads(event.before) if event.before else None,
        after=json.loads(event.after) if event.after else None,
        ip=event.ip,
    )


@router.get("", response_model=AuditEventsPublic)
def browse(
    db: SessionDep,
    actor: CurrentActor,
    action: Annotated[str | None, Query(max_length=64)] = None,
    actor_id: DbId | None = None,
    entity_type: Annotated[str | None, Query(max_length=32)] = None,
    entity_id: DbId | None = None,
    since: Moment | None = None,
    until: Moment | None = None,
    cursor: DbId | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> AuditEventsPublic:
    events = service.browse(
        db_session=db,
        actor=actor,
        action=action,
        actor_id=actor_id,
        entity_type=entity_type,
        entity_id=entity_id,
        since=since,
        until=until,
        before_id=cursor,
        limit=limit,
    )
    next_cursor = events[-1].id if len(events) == limit else None
    return AuditEventsPublic(
        data=[to_public(e) for e in events], count=len(events), next_cursor=next_cursor
    )
