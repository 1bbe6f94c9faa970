"""Wire contract for the audit log."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel


class AuditEventPublic(BaseModel):
    id: int
    at: dt.datetime
    actor_id: int | None
    actor: str
    action: str
    entity_type: str
    entity_id: int | None
    before: dict | None
    after: dict | None
    ip: str | None


class AuditEventsPublic(BaseModel):
    data: list[AuditEventPublic]
    count: int
    next_cursor: int | None = None
