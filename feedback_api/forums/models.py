"""Forums "Công an lắng nghe ý kiến Nhân dân": a meeting with a window for opinions, the
opinions it received (each one a submission of kind opinion), and the themes officers group
them into, with the police's response to each theme or opinion."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlmodel import Field, SQLModel

from feedback_api.clock import utcnow


class Response(StrEnum):
    ACCEPT = "accept"  # tiếp thu
    EXPLAIN = "explain"  # giải trình
    FORWARD = "forward"  # chuyển cơ quan có thẩm quyền


class Forum(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # Short random code carried by the deep link (/start f_<code>) and the public page.
    code: str = Field(max_length=16, unique=True, index=True)
    title: str = Field(max_length=200)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    venue: str = Field(max_length=300)
    starts_at: dt.datetime
    opens_at: dt.datetime = Field(index=True)
    closes_at: dt.datetime = Field(index=True)
    topics: str = Field(default="", max_length=1000)  # one topic per line
    created_by_id: int | None = Field(default=None, foreign_key="officer.id")
    created_at: dt.datetime = Field(default_factory=utcnow)
    published_at: dt.datetime | None = None


class ForumTheme(SQLModel, table=True):
    __tablename__ = "forum_theme"

    id: int | None = Field(default=None, primary_key=True)
    forum_id: int = Field(foreign_key="forum.id", index=True)
    title: str = Field(max_length=300)
    response: str | None = Field(default=None, max_length=16)
    response_text: str | None = None
    answered_at: dt.datetime | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)


class ForumOpinion(SQLModel, table=True):
    """Links an opinion (a submission) to its forum and theme; a response given to the opinion
    itself overrides its theme's."""

    __tablename__ = "forum_opinion"

    submission_id: int = Field(foreign_key="submission.id", primary_key=True)
    forum_id: int = Field(foreign_key="forum.id", index=True)
    theme_id: int | None = Field(default=None, foreign_key="forum_theme.id", index=True)
    response: str | None = Field(default=None, max_length=16)
    response_text: str | None = None
    answered_at: dt.datetime | None = None
    published_at: dt.datetime | None = None
