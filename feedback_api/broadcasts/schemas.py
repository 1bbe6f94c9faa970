"""Wire contract of broadcasts: what campaign staff compose, what workers lease and report.

Kept apart from the tables so the bot's API client imports it without the ORM.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, field_validator, model_validator

from feedback_api.subscriptions.schemas import TOPICS

MAX_LINKS = 3
MAX_TEXT = 3500  # Telegram allows 4096; the rest is kept for the formatting it adds
MAX_CAPTION = 1000  # with an image the text is a caption: Telegram allows 1024


class Link(BaseModel):
    label: str = Field(min_length=1, max_length=40)
    url: str = Field(min_length=8, max_length=300)

    @field_validator("url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("Liên kết phải bắt đầu bằng http:// hoặc https://")
        return value.strip()


class BroadcastDraft(BaseModel):
    """Create or edit a campaign. Empty `unit_ids` means every subscriber in the author's unit
    subtree; empty `topics` means every topic."""

    title: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    links: list[Link] = Field(default_factory=list, max_length=MAX_LINKS)
    unit_ids: list[int] = Field(default_factory=list, max_length=50)
    topics: list[str] = Field(default_factory=list, max_length=len(TOPICS))
    scheduled_at: dt.datetime | None = None

    @field_validator("topics")
    @classmethod
    def _known_topics(cls, value: list[str]) -> list[str]:
        unknown = set(value) - set(TOPICS)
        if unknown:
            raise ValueError(f"Chủ đề không hợp lệ: {', '.join(sorted(unknown))}")
        return sorted(set(value))

    @field_validator("scheduled_at")
    @classmethod
    def _aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("Thời điểm gửi phải kèm múi giờ")
        return value

    @model_validator(mode="after")
    def _unique_units(self) -> BroadcastDraft:
        self.unit_ids = sorted(set(self.unit_ids))
        return self


class AudienceQuery(BaseModel):
    unit_ids: list[int] = Field(default_factory=list, max_length=50)
    topics: list[str] = Field(default_factory=list, max_length=len(TOPICS))


class Approval(BaseModel):
    revision: int = Field(ge=1)


class BroadcastPublic(BaseModel):
    id: int
    unit_id: int
    author_id: int
    title: str
    text: str
    has_image: bool
    links: list[Link]
    unit_ids: list[int]
    topics: list[str]
    status: str
    revision: int
    scheduled_at: dt.datetime | None
    approved_by_id: int | None
    approved_at: dt.datetime | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    recipients: int
    created_at: dt.datetime


class BroadcastsPublic(BaseModel):
    data: list[BroadcastPublic]
    count: int


class Progress(BaseModel):
    """Counts of the real recipients (test sends excluded), the recent rate and an ETA."""

    broadcast_id: int
    status: str
    total: int
    expansion_done: bool
    sent: int = 0
    failed: int = 0
    blocked: int = 0
    unknown: int = 0
    skipped: int = 0
    skipped_reasons: dict[str, int] = Field(default_factory=dict)  # reason → recipients
    cancelled: int = 0
    pending: int = 0  # pending + leased + sending
    rate: float = 0.0  # messages per second over the last 30 s
    eta_seconds: float | None = None
    quiet_now: bool = False

    @property
    def done(self) -> int:
        return self.total - self.pending

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0


class RecipientCount(BaseModel):
    count: int


# -- worker protocol (service token) ---------------------------------------------------------


class ClaimRequest(BaseModel):
    limit: int = Field(default=200, ge=1, le=2000)
    lease_seconds: int = Field(default=60, ge=2, le=3600)


class Content(BaseModel):
    """What a campaign says, rendered into each channel's message at send time."""

    broadcast_id: int
    text: str
    links: list[Link]
    has_image: bool


class LeasedDelivery(BaseModel):
    id: int
    broadcast_id: int
    citizen_ref: str
    test: bool


class Claim(BaseModel):
    lease_token: str | None
    deliveries: list[LeasedDelivery]
    contents: dict[int, Content]


Outcome = Literal["sent", "retry", "rate_limited", "failed", "blocked", "unknown", "skipped"]


class DeliveryOutcome(BaseModel):
    id: int
    outcome: Outcome
    error: str | None = Field(default=None, max_length=300)
    retry_after: float | None = Field(default=None, ge=0, le=86_400)


class StepRequest(BaseModel):
    """Report finished sends and ask to start more (one round trip per step)."""

    lease_token: str = Field(min_length=8, max_length=64)
    outcomes: list[DeliveryOutcome] = Field(default_factory=list, max_length=2000)
    start: list[int] = Field(default_factory=list, max_length=2000)
    renew_seconds: int | None = Field(default=None, ge=2, le=3600)
    lease_seconds: int = Field(default=60, ge=2, le=3600)  # for the deliveries started now


class StepResult(BaseModel):
    started: list[int]  # now `sending`: send each exactly once, at its slot
    send_at: list[float] = Field(default_factory=list)  # each started one's slot (epoch seconds)
    dropped: list[int]  # no longer this worker's (unsubscribed, paused, cancelled, quiet hours)
    wait: float  # seconds until the shared bucket has another slot
    spacing: float = 0.0  # 1 / overall rate: no two sends of one worker closer than this


class LinkRequest(BaseModel):
    citizen_ref: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    code: str = Field(min_length=1, max_length=20)


class LinkResult(BaseModel):
    linked: bool
