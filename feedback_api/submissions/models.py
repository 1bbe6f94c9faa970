"""Tips, questions and opinions: three kinds sharing one inbox, one status flow, one deadline
rule. Citizens are known only by an opaque reference from the bot side's contact registry."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field, SQLModel

from feedback_api.clock import utcnow


class Kind(StrEnum):
    TIP = "tip"
    QUESTION = "question"
    OPINION = "opinion"


class Status(StrEnum):
    NEW = "new"
    VERIFYING = "verifying"
    FORWARDED = "forwarded"
    RESOLVED = "resolved"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"


CLOSED = frozenset({Status.RESOLVED, Status.REJECTED, Status.DUPLICATE})


class Anonymity(StrEnum):
    NAMED = "named"  # name/phone given, visible to triage officers
    CONFIDENTIAL = "confidential"  # name/phone given, sealed: admins only
    ANONYMOUS = "anonymous"  # no name/phone kept at all


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Submission(SQLModel, table=True):
    # The inbox counts per status inside a unit subtree (status tabs, status filter): this
    # index answers those counts without visiting the rows (migration 0003).
    __table_args__ = (
        Index("ix_submission_status_unit_id", "status", "unit_id"),
        Index("ix_submission_status_due_at", "status", "due_at", "unit_id"),
        # The inbox sorted by priority reads open items one priority at a time
        # (migration 0006_officer_day).
        Index("ix_submission_status_priority_due_at", "status", "priority", "due_at", "unit_id"),
        # A commune's items newest first, read in order (its inbox, and the window a
        # PostgreSQL text search reads first; migration 0008_perf).
        Index("ix_submission_unit_id_id", "unit_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tracking_code: str = Field(max_length=16, unique=True, index=True)
    kind: str = Field(max_length=16, index=True)
    citizen_ref: str = Field(max_length=64, index=True)
    channel: str = Field(max_length=16, default="web")
    idempotency_key: str | None = Field(default=None, max_length=80, unique=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    category: str = Field(max_length=40, default="other", index=True)
    topic: str | None = Field(default=None, max_length=120)
    text: str
    location_text: str | None = Field(default=None, max_length=500)
    latitude: float | None = None
    longitude: float | None = None
    anonymity: str = Field(max_length=16, default=Anonymity.ANONYMOUS)
    # Sealed at rest (feedback_api.submissions.contacts): AES-GCM ciphertext, never plain text.
    contact_name: str | None = Field(default=None, sa_type=Text)
    contact_phone: str | None = Field(default=None, sa_type=Text)
    status: str = Field(max_length=16, default=Status.NEW, index=True)
    priority: str = Field(max_length=16, default=Priority.NORMAL)
    valuable: bool = Field(default=False, index=True)
    assigned_to_id: int | None = Field(default=None, foreign_key="officer.id", index=True)
    duplicate_of_id: int | None = Field(default=None, foreign_key="submission.id")
    public_reply: str | None = None
    search_text: str = ""
    due_at: dt.datetime = Field(index=True)
    created_at: dt.datetime = Field(default_factory=utcnow, index=True)
    updated_at: dt.datetime = Field(default_factory=utcnow)
    closed_at: dt.datetime | None = None
    # Links, forward origins, venue, message ids (SubmissionDetails), as the citizen sent them.
    details: dict | None = Field(default=None, sa_column=Column(JSON))


class SubmissionAddition(SQLModel, table=True):
    """Something the citizen added later: a correction of a message that is part of the
    submission (the original text stays as it was) or more information by tracking code."""

    __tablename__ = "submission_addition"

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    kind: str = Field(max_length=16)  # correction / addition
    text: str
    created_at: dt.datetime = Field(default_factory=utcnow)


class Note(SQLModel, table=True):
    """An internal note: officers only, never sent to the citizen."""

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    author_id: int = Field(foreign_key="officer.id")
    text: str
    created_at: dt.datetime = Field(default_factory=utcnow)


class Attachment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    sha256: str = Field(max_length=64)
    public_sha256: str = Field(max_length=64)
    mime: str = Field(max_length=64)
    size: int
    width: int | None = None
    height: int | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)
