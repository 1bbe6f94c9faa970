"""The API's per-message calls for a bot in the API's own process, without HTTP.

Every reply to a citizen who writes takes a send slot from the platform's shared bucket (a row
in the database), and every tracking-code message looks its code up. Through the in-process
ASGI transport each of these paid for the whole HTTP stack (middleware, routing, validation,
JSON both ways, a thread hand-off) — more CPU than the work itself. `InProcessCalls` makes the
same service calls on the same database, on the database's threads (feedback_api.pool: one
for SQLite, so a burst of replies queues instead of contending for the write lock):

- send slots and pauses (`outbox.service.reserve_slots`, `pause_sending`): the bucket is still
  the database row, so processes reserving through the API and processes reserving here share
  one rate exactly as before;
- status lookups (`submissions.service.limited_status`) under the server's shared limiter,
  keyed by the citizen the bot names, as the endpoint keys the bot's lookups;
- the FAQ answers served, a batch at a time (`knowledge.served.record_many`).

Errors come back as the client's own (NotFoundError, RateLimitedError), as over HTTP. Only
FeedbackClient uses it, and only when built in the API's process
(`FeedbackClient.in_process(app, token, direct=InProcessCalls.of(app))`); the client checks
each request against the wire schemas first, so both paths accept and refuse the same input.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from feedback_api.client import NotFoundError, RateLimitedError
from feedback_api.knowledge import served
from feedback_api.knowledge.schemas import AnswerServedCreate
from feedback_api.outbox import service as outbox
from feedback_api.permissions import NotFound
from feedback_api.pool import run
from feedback_api.ratelimit import SharedLimiter
from feedback_api.settings import Settings
from feedback_api.submissions import service as submissions
from feedback_api.submissions.schemas import PublicStatus

# What the in-process transport's requests carry as their client address (a lookup that
# names no citizen is limited per address, as over HTTP).
IN_PROCESS_ADDRESS = "127.0.0.1"


class InProcessCalls:
    def __init__(self, engine: Engine, settings: Settings, status_limiter: SharedLimiter):
        self._engine = engine
        self._settings = settings
        self._status_limiter = status_limiter

    @classmethod
    def of(cls, app: Any) -> InProcessCalls:
        """The calls on the database, settings and limiter the app's endpoints use."""
        state = app.state
        return cls(state.engine, state.settings, state.status_limiter)

    async def reserve_slots(self, channel: str, count: int) -> list[float]:
        return await run(self._engine, self._reserve_slots, channel, count)

    async def pause_sending(self, channel: str, seconds: float) -> None:
        await run(self._engine, self._pause_sending, channel, seconds)

    async def status(self, code: str, citizen_ref: str | None) -> PublicStatus:
        return await run(self._engine, self._status, code, citizen_ref)

    async def record_answers_served(self, items: list[AnswerServedCreate]) -> None:
        await run(self._engine, self._record_answers_served, items)

    def _record_answers_served(self, items: list[AnswerServedCreate]) -> None:
        with Session(self._engine, expire_on_commit=False) as db:
            served.record_many(db_session=db, items=items)

    def _reserve_slots(self, channel: str, count: int) -> list[float]:
        with Session(self._engine, expire_on_commit=False) as db:
            return outbox.reserve_slots(
                db_session=db, settings=self._settings, channel=channel, count=count
            )

    def _pause_sending(self, channel: str, seconds: float) -> None:
        with Session(self._engine, expire_on_commit=False) as db:
            outbox.pause_sending(
                db_session=db, settings=self._settings, channel=channel, seconds=seconds
            )

    def _status(self, code: str, citizen_ref: str | None) -> PublicStatus:
        key = (
            submissions.citizen_lookup_key(citizen_ref)
            if citizen_ref
            else "ip:" + IN_PROCESS_ADDRESS
        )
        with Session(self._engine, expire_on_commit=False) as db:
            try:
                return submissions.limited_status(
                    db_session=db, limiter=self._status_limiter, key=key, code=code
                )
            except submissions.TooManyLookups:
                raise RateLimitedError(429, submissions.TOO_MANY_LOOKUPS) from None
            except NotFound:
                raise NotFoundError(404, "Không tìm thấy.") from None
