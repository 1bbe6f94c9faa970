"""The live knowledge base as tables.

Each entry is stored whole, as the JSON form of the mapping its YAML file holds, whatever its
fields: the FAQ's format (faq/knowledge.py) can gain or change fields without a migration here,
and faq/knowledge.py stays the one judge of what a valid entry is.

The base has one version number: the highest `version` of any entry. The seed is version 1;
each approved revision takes the next number (unique, so two approvals racing cannot share
one), and the processes serving citizens reload when the number moves.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from feedback_api.clock import utcnow


class KnowledgeEntry(SQLModel, table=True):
    __tablename__ = "knowledge_entry"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True, index=True)  # the entry's `id` in YAML
    document: str = Field()  # JSON of the whole entry mapping
    version: int = Field(index=True)  # the base version at which this entry last changed
    updated_at: dt.datetime = Field(default_factory=utcnow)


class KnowledgeRevision(SQLModel, table=True):
    """One proposed state of one entry: who proposed it, against which version, and what the
    second officer decided. Seed revisions record where each entry came from."""

    __tablename__ = "knowledge_revision"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, index=True)
    kind: str = Field(max_length=16)  # seed / edit / create
    status: str = Field(max_length=16, index=True)  # seed / pending / approved / rejected
    document: str = Field()
    previous: str | None = Field(default=None)  # the document it replaces
    base_version: int | None = None  # the entry's version when proposed (None: a new entry)
    note: str = Field(default="", max_length=500)
    author_id: int | None = Field(default=None, foreign_key="officer.id")
    author: str = Field(max_length=120, default="system")
    created_at: dt.datetime = Field(default_factory=utcnow)
    reviewer_id: int | None = Field(default=None, foreign_key="officer.id")
    reviewer: str | None = Field(default=None, max_length=120)
    reviewed_at: dt.datetime | None = None
    reason: str | None = Field(default=None, max_length=500)
    live_version: int | None = Field(default=None, unique=True)


class UnansweredQuestion(SQLModel, table=True):
    """A question the FAQ did not answer, as the citizen wrote it (digits masked), with no
    reference to who asked: these are read by officers of every unit who edit the base."""

    __tablename__ = "unanswered_question"

    id: int | None = Field(default=None, primary_key=True)
    text: str = Field(max_length=500)
    channel: str = Field(max_length=16)
    outcome: str = Field(max_length=16)  # no_match / weak / unhelpful
    asked_at: dt.datetime = Field(default_factory=utcnow, index=True)
    revision_id: int | None = Field(default=None, foreign_key="knowledge_revision.id", index=True)
    dismissed_at: dt.datetime | None = None
    dismissed_by: int | None = Field(default=None, foreign_key="officer.id")


class AnswerServed(SQLModel, table=True):
    """One FAQ answer a citizen was shown, for the leaders' figures ("legal questions answered
    by the bot"). Which entry, on which channel, and the commune when the citizen let us
    remember it; never who asked, nor the question's text."""

    __tablename__ = "faq_answer_served"

    id: int | None = Field(default=None, primary_key=True)
    entry_slug: str = Field(max_length=64, index=True)
    channel: str = Field(max_length=16)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    served_at: dt.datetime = Field(default_factory=utcnow, index=True)
