"""Wire contract for forums (pydantic only: the bot's API client imports this module)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from feedback_api.submissions.schemas import MAX_TEXT, AnonymityName, _clean_text
from feedback_api.windows import check_order
from feedback_api.wire import DbId, Moment

ResponseName = Literal["accept", "explain", "forward"]
CODE_PATTERN = r"^[a-z0-9]{4,16}$"


class ForumCreate(BaseModel):
    title: str = Field(min_length=3, max_length=200)
    unit_id: DbId
    venue: str = Field(min_length=2, max_length=300)
    starts_at: Moment
    opens_at: Moment
    closes_at: Moment
    topics: list[str] = Field(default_factory=list, max_length=12)

    @model_validator(mode="after")
    def _window(self) -> ForumCreate:
        check_order(
            self.opens_at, self.closes_at, "thời hạn nhận ý kiến phải kết thúc sau khi bắt đầu"
        )
        self.topics = [t.strip()[:100] for t in self.topics if t.strip()]
        return self


class ForumPublic(BaseModel):
    """What a citizen's chat needs to know of a forum (no officer, no participant)."""

    code: str
    title: str
    unit_code: str
    unit_name: str
    venue: str
    starts_at: Moment
    closes_at: Moment
    topics: list[str]
    open: bool


class ForumsPublic(BaseModel):
    data: list[ForumPublic]
    count: int


class ForumOpinionCreate(BaseModel):
    """An opinion for a forum: the same rules as any submission's (SubmissionCreate)."""

    citizen_ref: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    channel: Literal["telegram", "zalo", "web", "other"] = "web"
    topic: str | None = Field(default=None, max_length=120)
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    anonymity: AnonymityName = "anonymous"
    contact_name: str | None = Field(default=None, max_length=200)
    idempotency_key: str | None = Field(default=None, min_length=8, max_length=80)

    _clean = field_validator("text", "contact_name", "topic")(_clean_text)

    @model_validator(mode="after")
    def _not_blank(self) -> ForumOpinionCreate:
        if not self.text:
            raise ValueError("text must not be empty")
        return self
