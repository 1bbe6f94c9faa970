"""Wire contract of the knowledge base (importable by the API client without the ORM)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from feedback_api.wire import DbId

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{1,63}$"
MAX_UNANSWERED_CHARS = 2000  # what the bot may send; the service keeps the first 500
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# An entry travels as the JSON form of its YAML mapping: dates as ISO strings. These two are
# the codec, so that every side reads an entry exactly as the FAQ's loader reads the file.


def to_json_value(value: Any) -> Any:
    """YAML's values as JSON: dates become ISO strings."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json_value(v) for v in value]
    return value


def from_json_value(value: Any) -> Any:
    """JSON's values as a YAML file gives them: ISO date strings become dates."""
    if isinstance(value, str) and ISO_DATE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, Mapping):
        return {k: from_json_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_json_value(v) for v in value]
    return value


class KnowledgeSnapshot(BaseModel):
    """The live base for the bot: `changed` is False (and `entries` empty) when the caller
    already has `version`."""

    version: int
    changed: bool
    entries: list[dict[str, Any]]


class EntryPublic(BaseModel):
    slug: str
    title: str
    version: int
    updated_at: dt.datetime
    pending: int  # revisions waiting for a second officer
    document: dict[str, Any]


class EntriesPublic(BaseModel):
    data: list[EntryPublic]
    count: int
    version: int


class RevisionCreate(BaseModel):
    """A proposed edit (`slug` of an existing entry) or a new entry (its `slug` is new)."""

    slug: str = Field(pattern=SLUG_PATTERN)
    document: dict[str, Any]
    note: str = Field(default="", max_length=500)
    question_ids: list[DbId] = Field(default_factory=list, max_length=500)


class FieldChangePublic(BaseModel):
    field: str
    lines: list[tuple[str, str]]
    unchanged: int


class RevisionPublic(BaseModel):
    id: int
    slug: str
    kind: str
    status: str
    note: str
    author_id: int | None
    author: str
    created_at: dt.datetime
    reviewer_id: int | None
    reviewer: str | None
    reviewed_at: dt.datetime | None
    reason: str | None
    base_version: int | None
    live_version: int | None
    document: dict[str, Any]
    diff: list[FieldChangePublic]


class RevisionsPublic(BaseModel):
    data: list[RevisionPublic]
    count: int


class RevisionReject(BaseModel):
    reason: str = Field(min_length=3, max_length=500)


class UnansweredCreate(BaseModel):
    """Sent by the bot: the question alone, never who asked it (unknown fields are refused, so
    a client cannot attach a citizen reference even by mistake)."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=MAX_UNANSWERED_CHARS)
    channel: Literal["telegram", "zalo", "web", "other"] = "other"
    outcome: Literal["no_match", "weak", "unhelpful"] = "no_match"


class AnswerServedCreate(BaseModel):
    """Sent by the bot when a citizen is shown an FAQ answer: the entry, the channel and the
    commune if known. Unknown fields are refused (no question text). `citizen_ref` only lets
    the server find the commune the citizen asked it to remember; it is never stored."""

    model_config = ConfigDict(extra="forbid")

    entry_id: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")
    channel: Literal["telegram", "zalo", "web", "other"] = "other"
    unit_code: str | None = Field(default=None, max_length=32)
    citizen_ref: str | None = Field(default=None, max_length=64)


MAX_SERVED_BATCH = 500


class AnswersServedBatch(BaseModel):
    """The bot counts answers as it shows them and sends them in batches: counting must never
    cost the citizen waiting time, nor the server one request per answer."""

    model_config = ConfigDict(extra="forbid")

    items: list[AnswerServedCreate] = Field(min_length=1, max_length=MAX_SERVED_BATCH)


class UnansweredGroup(BaseModel):
    """Questions that read alike: `text` is the commonest phrasing, `phrasings` the distinct
    ones (most asked first), `question_ids` every question in the group."""

    text: str
    count: int
    phrasings: list[str]
    question_ids: list[int]
    first_asked: dt.datetime
    last_asked: dt.datetime
    suggested_slug: str | None = None


class UnansweredGroups(BaseModel):
    data: list[UnansweredGroup]
    count: int


class VariantsFromGroup(BaseModel):
    """Turn a group into question variants of an existing entry (a proposed revision)."""

    slug: str = Field(pattern=SLUG_PATTERN)
    question_ids: list[DbId] = Field(min_length=1, max_length=500)
    variants: list[str] = Field(default_factory=list, max_length=50)


class Dismiss(BaseModel):
    question_ids: list[DbId] = Field(min_length=1, max_length=500)
