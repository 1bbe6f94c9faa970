"""What the engine needs from the outside world, as protocols (implemented in bot/ and by the
feedback API client), so that handlers/ imports no channel SDK and no server code."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from feedback_api.forums.schemas import ForumOpinionCreate, ForumPublic, ForumsPublic
from feedback_api.knowledge.schemas import AnswerServedCreate, UnansweredCreate
from feedback_api.quizzes.schemas import AttemptCreate, AttemptResult, QuizPublic
from feedback_api.submissions.schemas import (
    AdditionCreate,
    AdditionReceipt,
    PublicStatus,
    SubmissionCreate,
    SubmissionReceipt,
)
from feedback_api.units.schemas import UnitMatch, UnitMatches, UnitsPublic
from handlers.events import FileRef


class FeedbackPort(Protocol):
    """The subset of feedback_api.client.FeedbackClient the conversation uses."""

    async def create_submission(self, data: SubmissionCreate) -> SubmissionReceipt: ...

    async def upload_attachment(
        self,
        tracking_code: str,
        content: bytes,
        *,
        filename: str = ...,
        content_type: str | None = ...,
    ) -> object: ...

    async def status(
        self, tracking_code: str, *, citizen_ref: str | None = ...
    ) -> PublicStatus: ...

    async def units(self) -> UnitsPublic: ...

    async def resolve_units(
        self,
        *,
        q: str | None = ...,
        text: str | None = ...,
        latitude: float | None = ...,
        longitude: float | None = ...,
    ) -> UnitMatches: ...

    async def remembered_unit(self, citizen_ref: str) -> UnitMatch | None: ...

    async def remember_unit(self, citizen_ref: str, *, unit_code: str) -> None: ...

    async def forget_unit(self, citizen_ref: str) -> None: ...

    async def add_to_submission(self, data: AdditionCreate) -> AdditionReceipt: ...

    async def subscribe(self, citizen_ref: str, *, unit_code: str, topics: list[str]) -> None: ...

    async def unsubscribe(self, citizen_ref: str) -> None: ...

    async def link_officer_chat(self, citizen_ref: str, code: str) -> bool: ...

    async def forum(self, code: str) -> ForumPublic: ...

    async def open_forums(self, citizen_ref: str) -> ForumsPublic: ...

    async def quiz(self, code: str) -> QuizPublic: ...

    async def quiz_attempt(self, code: str, data: AttemptCreate) -> AttemptResult: ...

    async def forum_opinion(self, code: str, data: ForumOpinionCreate) -> SubmissionReceipt: ...
    async def record_unanswered(self, data: UnansweredCreate) -> None: ...

    async def record_answer_served(self, data: AnswerServedCreate) -> None: ...


# Downloads a file the citizen sent, given the channel's reference to it.
FileFetcher = Callable[[FileRef], Awaitable[bytes]]

# Deletes the channel's copy of a file the citizen sent, once no draft needs it.
FileReleaser = Callable[[FileRef], Awaitable[None]]

# Maps (channel, chat id) to the citizen's opaque reference (the bot's contact registry).
CitizenRefs = Callable[[str, str], str]


class SubmissionQueue(Protocol):
    """Keeps a submission the feedback API could not take now (it is down, or overloaded) and
    delivers it later under the same idempotency key, then tells the citizen its tracking code.
    Implemented durably by the bot (bot/pending.py), so it survives restarts and never expires."""

    async def keep(self, *, channel: str, data: SubmissionCreate, files: list[dict]) -> None: ...
