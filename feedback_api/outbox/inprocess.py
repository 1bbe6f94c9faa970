"""The send-rate calls of the outbox API for a bot in the API's own process, without HTTP.

Every reply to a citizen who writes takes a send slot from the platform's shared bucket (a row
in the database). Through the in-process ASGI transport each reservation paid for the whole
HTTP stack (middleware, routing, validation, JSON both ways, a thread hand-off) — more CPU than
the reservation itself. `InProcessOutbox` makes the same service calls (`reserve_slots`,
`pause_sending`) on the same database, in a worker thread as the endpoints do: the bucket is
still the database row, so processes reserving through the API and processes reserving here
share one rate exactly as before. Only FeedbackClient uses it, and only when it was built in
the API's process (`FeedbackClient.in_process(app, token, outbox=...)`).
"""

from __future__ import annotations

import anyio.to_thread
from sqlalchemy.engine import Engine
from sqlmodel import Session

from feedback_api.outbox import service
from feedback_api.settings import Settings


class InProcessOutbox:
    """POST /api/v1/outbox/slots and /pause as direct calls (the caller validates the request
    against the same wire schemas, so both paths accept and refuse the same input)."""

    def __init__(self, engine: Engine, settings: Settings):
        self._engine = engine
        self._settings = settings

    async def reserve_slots(self, channel: str, count: int) -> list[float]:
        return await anyio.to_thread.run_sync(self._reserve_slots, channel, count)

    async def pause_sending(self, channel: str, seconds: float) -> None:
        await anyio.to_thread.run_sync(self._pause_sending, channel, seconds)

    def _reserve_slots(self, channel: str, count: int) -> list[float]:
        with Session(self._engine, expire_on_commit=False) as db:
            return service.reserve_slots(
                db_session=db, settings=self._settings, channel=channel, count=count
            )

    def _pause_sending(self, channel: str, seconds: float) -> None:
        with Session(self._engine, expire_on_commit=False) as db:
            service.pause_sending(
                db_session=db, settings=self._settings, channel=channel, seconds=seconds
            )
