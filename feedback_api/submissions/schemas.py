"""Wire contract for submissions (pydantic only: the bot's API client imports this module)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from feedback_api.wire import DbId, Moment

KindName = Literal["tip", "question", "opinion"]
StatusName = Literal["new", "verifying", "forwarded", "resolved", "rejected", "duplicate"]
AnonymityName = Literal["named", "confidential", "anonymous"]
PriorityName = Literal["low", "normal", "high", "urgent"]
TIP_CATEGORIES = (
    "drugs",
    "theft",
    "fraud",
    "gambling",
    "trafficking",
    "weapons",
    "public_disorder",
    "domestic_violence",
    "other",
)
MAX_TEXT = 5000


def _clean_text(value: str | None) -> str | None:
    """Strip control characters (except newlines and tabs) that would corrupt views/exports,
    and invisible format characters (right-to-left overrides, zero-width spaces and joiners,
    byte-order marks: Unicode category Cf) that make a name or category read differently from
    what it is, e.g. "‮gnp.exe" shown as "exe.png"."""
    if value is None:
        return None
    cleaned = "".join(
        ch
        for ch in value
        if ch in "\n\t"
        or (ch >= " " and ch != "\x7f" and unicodedata.category(ch) not in ("Cc", "Cf"))
    )
    return cleaned.strip()


class LinkDetail(BaseModel):
    """A link hidden behind text (Telegram text_link): the words shown and where they lead."""

    text: str = Field(max_length=200)
    url: str = Field(max_length=2000)


class ForwardDetail(BaseModel):
    """Where a forwarded message came from (a scam message's sender, a channel), as given."""

    kind: str = Field(max_length=20)  # user, hidden_user, chat, channel
    sender: str = Field(max_length=200)
    date: dt.datetime | None = None


class VenueDetail(BaseModel):
    title: str = Field(max_length=200)
    address: str = Field(max_length=300)


class SubmissionDetails(BaseModel):
    """What the citizen's messages carried besides their words, kept as fields officers see.
    `message_ids`: the channel's ids of the messages that make up the text (no chat id), so an
    edit the citizen makes later reaches this submission as a correction."""

    links: list[LinkDetail] = Field(default_factory=list, max_length=20)
    forwarded_from: list[ForwardDetail] = Field(default_factory=list, max_length=20)
    venue: VenueDetail | None = None
    message_ids: list[str] = Field(default_factory=list, max_length=50)


class SubmissionCreate(BaseModel):
    """What the bot sends when a citizen confirms a tip, question or opinion."""

    kind: KindName
    citizen_ref: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    channel: Literal["telegram", "zalo", "web", "other"] = "web"
    unit_code: str | None = Field(default=None, max_length=32)
    category: str = Field(default="other", max_length=40)
    topic: str | None = Field(default=None, max_length=120)
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    location_text: str | None = Field(default=None, max_length=500)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    anonymity: AnonymityName = "anonymous"
    contact_name: str | None = Field(default=None, max_length=200)
    contact_phone: str | None = Field(default=None, max_length=32, pattern=r"^\+?[0-9 .-]{6,20}$")
    idempotency_key: str | None = Field(default=None, min_length=8, max_length=80)
    details: SubmissionDetails | None = None

    _clean = field_validator("text", "location_text", "contact_name", "topic", "category")(
        _clean_text
    )

    @model_validator(mode="after")
    def _rules(self) -> SubmissionCreate:
        if not self.text:
            raise ValueError("text must not be empty")
        if self.kind == "tip" and self.category not in TIP_CATEGORIES:
            raise ValueError(f"category must be one of {', '.join(TIP_CATEGORIES)}")
        if self.anonymity == "anonymous" and (self.contact_name or self.contact_phone):
            # An anonymous tip keeps no identity at all, even if the client sent some.
            self.contact_name = self.contact_phone = None
        return self


class SubmissionReceipt(BaseModel):
    """What the citizen is told: only once this exists is the submission durably accepted."""

    tracking_code: str
    kind: KindName
    status: StatusName
    created_at: dt.datetime
    due_at: dt.datetime


class PublicStatus(BaseModel):
    """The answer to a tracking-code lookup: nothing an outsider could use to identify anyone."""

    tracking_code: str
    kind: KindName
    status: StatusName
    status_label: str
    public_reply: str | None
    updated_at: dt.datetime
    unit_name: str | None = None  # the unit handling it ("Công an phường Hòa Bình")


class SubmissionPublic(BaseModel):
    """An officer's view of a submission. Contact fields are None except in the (audited)
    detail view, and there only for roles that may see them; lists never carry them."""

    id: int
    tracking_code: str
    kind: KindName
    channel: str
    unit_id: int
    category: str
    topic: str | None
    text: str
    location_text: str | None
    latitude: float | None
    longitude: float | None
    anonymity: AnonymityName
    contact_name: str | None
    contact_phone: str | None
    status: StatusName
    priority: PriorityName
    valuable: bool
    assigned_to_id: int | None
    duplicate_of_id: int | None
    public_reply: str | None
    due_at: dt.datetime
    days_left: int
    overdue: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    attachment_count: int = 0
    details: SubmissionDetails | None = None


class SubmissionsPublic(BaseModel):
    data: list[SubmissionPublic]
    count: int = Field(
        description="How many match, counted up to a limit (1000): when count_exact is false "
        "there are more than `count`."
    )
    count_exact: bool = True
    next_cursor: int | None = None


class SubmissionUpdate(BaseModel):
    status: StatusName | None = None
    priority: PriorityName | None = None
    valuable: bool | None = None
    assigned_to_id: DbId | None = None
    unassign: bool = False
    unit_id: DbId | None = None
    category: str | None = Field(default=None, max_length=40)
    due_at: Moment | None = None

    _clean = field_validator("category")(_clean_text)


class NoteCreate(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_TEXT)

    _clean = field_validator("text")(_clean_text)


class NotePublic(BaseModel):
    id: int
    author_id: int
    text: str
    created_at: dt.datetime


class ReplyCreate(BaseModel):
    """A reply to the citizen: stored as the public reply and queued for delivery."""

    text: str = Field(min_length=1, max_length=3000)

    _clean = field_validator("text")(_clean_text)


class DuplicateMark(BaseModel):
    duplicate_of: str = Field(description="tracking code or id of the original")


class SimilarPublic(BaseModel):
    id: int
    tracking_code: str
    kind: KindName
    status: StatusName
    score: float
    excerpt: str
    created_at: dt.datetime


class AttachmentPublic(BaseModel):
    id: int
    mime: str
    size: int
    width: int | None
    height: int | None
    created_at: dt.datetime


AdditionKind = Literal["correction", "addition"]


class AdditionCreate(BaseModel):
    """More from the citizen about an earlier submission of theirs: a correction (they edited a
    message that is part of it: `message_id`) or an addition ("Bổ sung thông tin": by
    `tracking_code`). Only the submission's own citizen reference can add to it."""

    citizen_ref: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    kind: AdditionKind
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    tracking_code: str | None = Field(default=None, max_length=20)
    message_id: str | None = Field(default=None, max_length=32)

    _clean = field_validator("text")(_clean_text)

    @model_validator(mode="after")
    def _target(self) -> AdditionCreate:
        if not (self.tracking_code or self.message_id):
            raise ValueError("tracking_code or message_id is required")
        return self


class AdditionReceipt(BaseModel):
    tracking_code: str
    kind: AdditionKind


class AdditionPublic(BaseModel):
    id: int
    kind: AdditionKind
    text: str
    created_at: dt.datetime
