"""Campaigns (broadcasts) to subscribers, their per-recipient deliveries, the shared send-rate
bucket, and officers' own chats for test sends.

A delivery row moves through one state machine, and every move is a single UPDATE guarded by
the row's current state and lease token, so a late or duplicated call changes nothing::

    pending ──claim──▶ leased ──step (token granted)──▶ sending ──outcome──▶ sent / failed / blocked
       ▲                 │                                  │
       │   lease expired │                                  │ lease expired (worker crashed)
       └─────────────────┘                                  ▼
       ▲  retry / 429 (not_before later)                  unknown   (never re-sent)
       └──────────────────────────── sending

    pending / leased ──campaign cancelled──▶ cancelled
    leased ──citizen unsubscribed──▶ skipped

`sending` is written, committed, before the request leaves for the platform. A worker holds at
most `broadcast_max_in_flight` rows in `sending` (10 by default): that is the whole window in
which a crash leaves a send ambiguous (Telegram's sendMessage has no idempotency key). Those
rows become `unknown` and are reported, never sent again.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from feedback_api.clock import utcnow


class BroadcastStatus(StrEnum):
    DRAFT = "draft"  # editable by its author; waits for a second person's approval
    APPROVED = "approved"  # waits for its scheduled time (and the end of quiet hours)
    RUNNING = "running"
    PAUSED = "paused"
    CANCELLED = "cancelled"
    DONE = "done"


class DeliveryState(StrEnum):
    PENDING = "pending"
    LEASED = "leased"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"
    UNKNOWN = "unknown"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


OPEN_STATES = (DeliveryState.PENDING, DeliveryState.LEASED, DeliveryState.SENDING)


class Broadcast(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)  # the author's unit: the scope
    author_id: int = Field(foreign_key="officer.id", index=True)
    title: str = Field(max_length=200)
    text: str
    image_name: str | None = Field(default=None, max_length=200)  # file under data_dir
    links: str = Field(default="[]")  # JSON list of {"label", "url"}, at most 3
    audience_unit_ids: str = Field(default="", max_length=500)  # "" = the author's subtree
    audience_topics: str = Field(default="", max_length=200)  # "" = every topic
    status: str = Field(max_length=16, default=BroadcastStatus.DRAFT, index=True)
    revision: int = 1  # bumped by every edit; an approval names the revision it saw
    scheduled_at: dt.datetime | None = None  # None: as soon as approved
    approved_by_id: int | None = Field(default=None, foreign_key="officer.id")
    approved_at: dt.datetime | None = None
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    expanded_through: int = 0  # subscription id up to which the audience is expanded
    expansion_done: bool = False
    recipients: int = 0
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class BroadcastDelivery(SQLModel, table=True):
    __tablename__ = "broadcast_delivery"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "citizen_ref", "test_seq", name="uq_delivery_recipient"),
        Index("ix_delivery_due", "state", "not_before"),
        Index("ix_delivery_progress", "broadcast_id", "state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    broadcast_id: int = Field(foreign_key="broadcast.id")
    citizen_ref: str = Field(max_length=64)
    test_seq: int = 0  # 0: a real recipient; n > 0: the n-th test send of this campaign
    state: str = Field(max_length=12, default=DeliveryState.PENDING)
    attempts: int = 0
    not_before: dt.datetime = Field(default_factory=utcnow)
    lease_token: str | None = Field(default=None, max_length=64, index=True)
    lease_expires_at: dt.datetime | None = None
    last_error: str | None = Field(default=None, max_length=300)
    sent_at: dt.datetime | None = Field(default=None, index=True)


class RateBucket(SQLModel, table=True):
    """A token bucket shared by every worker process (one row per platform)."""

    __tablename__ = "broadcast_rate_bucket"

    name: str = Field(primary_key=True, max_length=32)
    tokens: float = 0.0
    stamp: float = 0.0  # epoch seconds of the last refill
    paused_until: float = 0.0  # the platform said 429: nothing goes out before this


class OfficerChatLink(SQLModel, table=True):
    """An officer's own chat, for "send a test to me", linked once with a one-time code."""

    __tablename__ = "officer_chat_link"

    officer_id: int = Field(foreign_key="officer.id", primary_key=True)
    code_hash: str | None = Field(default=None, max_length=64, index=True)
    code_expires_at: dt.datetime | None = None
    citizen_ref: str | None = Field(default=None, max_length=64)
    linked_at: dt.datetime | None = None
