"""Who asked to receive news, from which commune/ward, on which topics (by citizen reference)."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from feedback_api.clock import utcnow


class Subscription(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    citizen_ref: str = Field(max_length=64, unique=True, index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    topics: str = Field(max_length=200, default="")  # comma-separated topic keys
    active: bool = Field(default=True, index=True)
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)
    ended_reason: str | None = Field(default=None, max_length=20)  # "stop" / "blocked"
