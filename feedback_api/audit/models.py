"""The append-only audit log: every view of a submission's detail and every change.

Append-only is enforced by the database too (triggers in the migrations refuse UPDATE and
DELETE), so not even a bug in a service can rewrite history.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from feedback_api.clock import utcnow


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(default_factory=utcnow, index=True)
    actor_id: int | None = Field(default=None, index=True)
    actor: str = Field(max_length=120, default="system")
    action: str = Field(max_length=64, index=True)
    entity_type: str = Field(max_length=32)
    entity_id: int | None = Field(default=None, index=True)
    before: str | None = None
    after: str | None = None
    ip: str | None = Field(default=None, max_length=64)
