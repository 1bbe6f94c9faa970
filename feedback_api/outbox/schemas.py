"""Wire contract of the outbox lease/ack API."""

from __future__ import annotations

import datetime as dt
import json
from typing import Literal

from pydantic import BaseModel, Field, field_validator


class LeaseRequest(BaseModel):
    limit: int = Field(default=50, ge=1, le=500)
    lease_seconds: int = Field(default=60, ge=5, le=3600)


class LeasedMessage(BaseModel):
    """`intent` (a key of the bot's text catalogue) and `params` say what to tell the citizen;
    the sender renders the words. `text` is used only when there is no intent."""

    id: int
    citizen_ref: str
    text: str
    intent: str = ""
    params: dict[str, str | int] = Field(default_factory=dict)
    purpose: str

    @field_validator("params", mode="before")
    @classmethod
    def _decode(cls, value):
        return json.loads(value) if isinstance(value, str) else value

    lease_token: str
    attempts: int
    created_at: dt.datetime


class LeasedMessages(BaseModel):
    data: list[LeasedMessage]
    count: int


class AckRequest(BaseModel):
    """`retry` puts the message back after `retry_after` seconds; `failed` gives up on it;
    `blocked` means the citizen blocked the bot (they are then unsubscribed); with
    `retry_after`, a reply (not a broadcast) is held that long in case they unblock."""

    lease_token: str = Field(min_length=8, max_length=64)
    outcome: Literal["sent", "retry", "failed", "blocked"]
    error: str | None = Field(default=None, max_length=500)
    retry_after: float | None = Field(default=None, ge=0, le=86_400)


class AckResult(BaseModel):
    id: int
    state: str
    accepted: bool


class SlotsRequest(BaseModel):
    """Send slots for `count` messages on one platform (its shared rate bucket)."""

    channel: Literal["telegram", "zalo"]
    count: int = Field(ge=1, le=500)


class Slots(BaseModel):
    """Wall-clock moments (epoch seconds), one per message, at which it may leave."""

    slots: list[float]


class PauseRequest(BaseModel):
    """The platform answered 429 retry_after: every process holds its sends on `channel`."""

    channel: Literal["telegram", "zalo"]
    seconds: float = Field(gt=0, le=3600)
