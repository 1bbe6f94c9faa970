"""Wire contract for quizzes (pydantic only: the bot's API client imports this module)."""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator

from feedback_api.windows import check_order
from feedback_api.wire import DbId, Moment


class QuestionCreate(BaseModel):
    text: str = Field(min_length=3, max_length=1000)
    choices: list[str] = Field(min_length=2, max_length=6)
    correct: int = Field(ge=0, le=5)
    legal_basis: str = Field(min_length=3, max_length=500)
    explanation: str = Field(default="", max_length=2000)

    @model_validator(mode="after")
    def _correct_is_a_choice(self) -> QuestionCreate:
        if self.correct >= len(self.choices):
            raise ValueError("đáp án đúng phải là một trong các lựa chọn")
        return self


class QuizCreate(BaseModel):
    title: str = Field(min_length=3, max_length=200)
    unit_id: DbId
    opens_at: Moment
    closes_at: Moment
    questions: list[QuestionCreate] = Field(min_length=1, max_length=50)

    @model_validator(mode="after")
    def _window(self) -> QuizCreate:
        check_order(self.opens_at, self.closes_at, "thời hạn phải kết thúc sau khi bắt đầu")
        return self


class QuestionPublic(BaseModel):
    """A question as the citizen sees it before answering: no correct answer in it."""

    text: str
    choices: list[str]


class QuizPublic(BaseModel):
    code: str
    title: str
    closes_at: Moment
    open: bool
    questions: list[QuestionPublic]


class AttemptCreate(BaseModel):
    citizen_ref: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    display_name: str | None = Field(default=None, max_length=60)
    answers: list[int] = Field(max_length=50)


class Correction(BaseModel):
    text: str
    chosen: int | None
    correct: int
    correct_choice: str
    legal_basis: str
    explanation: str


class AttemptResult(BaseModel):
    score: int
    total: int
    corrections: list[Correction]
