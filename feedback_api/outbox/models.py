"""Messages waiting to reach citizens, addressed only by the opaque citizen reference.

A message carries its *intent* — a key of the bot's text catalogue (handlers/texts.py) — and
the parameters to fill it (a tracking code, an officer's answer), not prose: the sender renders
it into Vietnamese at send time, so every word a citizen reads is reviewed in one place and
feedback_api builds no citizen-facing sentences. `text` is only for a message with no intent
(rows queued before intents existed, or a test's literal message).

The bot's sender leases a batch, delivers, and acks each message. A lease that is not acked in
time (the sender crashed) expires and the message goes back to the queue, so nothing is lost;
the lease token makes a late ack from the old holder harmless.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlmodel import Field, SQLModel

from feedback_api.clock import utcnow


class OutboxState(StrEnum):
    PENDING = "pending"
    LEASED = "leased"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox_message"

    id: int | None = Field(default=None, primary_key=True)
    citizen_ref: str = Field(max_length=64, index=True)
    text: str = ""
    intent: str = Field(default="", max_length=64)  # a catalogue key, e.g. "notice.reply.tip"
    params: str = Field(default="{}")  # JSON object: the values the catalogue text names
    purpose: str = Field(max_length=16, default="reply")
    submission_id: int | None = Field(default=None, foreign_key="submission.id", index=True)
    state: str = Field(max_length=16, default=OutboxState.PENDING, index=True)
    lease_token: str | None = Field(default=None, max_length=64)
    lease_expires_at: dt.datetime | None = None
    not_before: dt.datetime = Field(default_factory=utcnow, index=True)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=500)
    created_at: dt.datetime = Field(default_factory=utcnow)
    sent_at: dt.datetime | None = None
