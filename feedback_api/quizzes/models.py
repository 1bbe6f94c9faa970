"""Legal-knowledge quizzes (thi tìm hiểu pháp luật): multiple-choice questions, each answer
backed by its legal basis, open for a time window; one attempt per citizen."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from feedback_api.clock import utcnow


class Quiz(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True, index=True)
    title: str = Field(max_length=200)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    opens_at: dt.datetime
    closes_at: dt.datetime
    created_by_id: int | None = Field(default=None, foreign_key="officer.id")
    created_at: dt.datetime = Field(default_factory=utcnow)


class QuizQuestion(SQLModel, table=True):
    __tablename__ = "quiz_question"

    id: int | None = Field(default=None, primary_key=True)
    quiz_id: int = Field(foreign_key="quiz.id", index=True)
    position: int
    text: str
    choices: str  # JSON list of strings
    correct: int  # index into choices
    legal_basis: str = Field(max_length=500)
    explanation: str = ""


class QuizAttempt(SQLModel, table=True):
    """A citizen's one attempt: the database refuses a second (quiz, citizen) row."""

    __tablename__ = "quiz_attempt"
    __table_args__ = (UniqueConstraint("quiz_id", "citizen_ref", name="uq_quiz_attempt_citizen"),)

    id: int | None = Field(default=None, primary_key=True)
    quiz_id: int = Field(foreign_key="quiz.id", index=True)
    citizen_ref: str = Field(max_length=64)
    display_name: str | None = Field(default=None, max_length=60)
    answers: str  # JSON list of chosen indexes
    score: int
    total: int
    finished_at: dt.datetime = Field(default_factory=utcnow)
