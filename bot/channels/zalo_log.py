"""The durable record of Zalo webhook events: stored before Zalo gets its 200, handled exactly
once per key (Zalo resends an event it thinks was lost; the key is message.msg_id), and retried
from the record when handling failed.

States, as for Telegram updates: pending → processing (claimed, with a deadline) → handled (the
engine's replies stored) → done (replies sent). A retry after "handled" only sends the replies
not yet sent. Claims are single UPDATE … RETURNING statements, so processes may share the
table. The payload and chat id (they identify the citizen) are erased once the event is done.

One citizen's events are handled one at a time, in the order they were received, whichever
process received them: an event is claimable only when no earlier event of its chat is still
open (pending, handled but not all replies sent, or processing under a live claim), and
whoever finishes an event claims the chat's next one (`claim_next`). Each claim is one atomic
UPDATE, and an event is recorded before anyone tries to claim it, so a finisher either sees the
next event or its receiver's own claim finds the chat free.

Synchronous statements: the channel runs them in a worker thread.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot import dbio
from bot.storage import zalo_events

T = TypeVar("T")

MAX_ATTEMPTS = 5
CLAIM_SECONDS = 120
REPLY_HORIZON = dt.timedelta(days=1)  # a stored answer is still worth delivering this long


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class EventRecord:
    key: str
    chat_id: str | None
    payload: dict
    replies: list | None
    sent: int


class ZaloEventLog:
    def __init__(self, engine: Engine, *, retention_days: float = 7):
        self._engine = engine
        self._retention = dt.timedelta(days=retention_days)

    async def run(self, statement: Callable[..., T], /, *args) -> T:
        """One of this log's statements, awaited from the event loop on the database's threads
        (bot.dbio: the one I/O policy of bot/)."""
        return await dbio.run(self._engine, statement, *args)

    def record(self, key: str, chat_id: str | None, payload: dict) -> bool:
        """Store an event; False if this key was already received (a resend or a replay)."""
        try:
            with self._engine.begin() as connection:
                connection.execute(
                    insert(zalo_events).values(
                        key=key,
                        chat_id=chat_id,
                        payload=payload,
                        status="pending",
                        attempts=0,
                        sent=0,
                        received_at=_now(),
                    )
                )
            return True
        except IntegrityError:
            return False

    def _due(self, now: dt.datetime):
        """Claimable: waiting, failed, or stuck in an expired claim; within its attempts, or
        (answer already stored, only its delivery pending: no token yet, Zalo down) for a day."""
        table = zalo_events.c
        return and_(
            or_(
                table.attempts < MAX_ATTEMPTS,
                and_(table.replies.is_not(None), table.received_at > now - REPLY_HORIZON),
            ),
            or_(
                table.status.in_(("pending", "failed", "handled")),
                and_(table.status == "processing", table.claimed_until < now),
            ),
        )

    @staticmethod
    def _open_before(received_at, chat_id, now: dt.datetime):
        """An earlier event of the same chat that still holds the chat's turn."""
        earlier = zalo_events.alias("earlier")
        return (
            select(earlier.c.key)
            .where(
                earlier.c.chat_id == chat_id,
                earlier.c.received_at < received_at,
                or_(
                    earlier.c.attempts < MAX_ATTEMPTS,
                    and_(
                        earlier.c.replies.is_not(None), earlier.c.received_at > now - REPLY_HORIZON
                    ),
                ),
                or_(
                    earlier.c.status.in_(("pending", "handled")),
                    and_(earlier.c.status == "processing", earlier.c.claimed_until >= now),
                ),
            )
            .exists()
        )

    def claim_next(self, chat_id: str) -> EventRecord | None:
        """The chat's next waiting event, claimed, if its turn has come (the caller has just
        finished the one before)."""
        table = zalo_events.c
        with self._engine.begin() as connection:
            following = connection.execute(
                select(table.key)
                .where(table.chat_id == chat_id, table.status == "pending")
                .order_by(table.received_at)
                .limit(1)
            ).scalar()
        return None if following is None else self.claim(following)

    def claim(self, key: str) -> EventRecord | None:
        now = _now()
        table = zalo_events.c
        with self._engine.begin() as connection:
            row = connection.execute(
                update(zalo_events)
                .where(
                    table.key == key,
                    self._due(now),
                    ~self._open_before(table.received_at, table.chat_id, now),
                )
                .values(
                    status="processing",
                    attempts=table.attempts + 1,
                    claimed_until=now + dt.timedelta(seconds=CLAIM_SECONDS),
                )
                .returning(table.key, table.chat_id, table.payload, table.replies, table.sent)
            ).first()
        if row is None:
            return None
        return EventRecord(row.key, row.chat_id, row.payload, row.replies, row.sent or 0)

    def handled(self, key: str, replies: list[dict]) -> None:
        self._set(key, replies=replies)

    def sent(self, key: str, count: int) -> None:
        self._set(key, sent=count)

    def done(self, key: str, sent: int = 0) -> None:
        self._set(
            key,
            status="done",
            payload={},
            chat_id=None,
            replies=None,
            sent=sent,
            processed_at=_now(),
            claimed_until=None,
            last_error=None,
        )

    def failed(self, key: str, error: str) -> None:
        with self._engine.begin() as connection:
            replies = connection.execute(
                select(zalo_events.c.replies).where(zalo_events.c.key == key)
            ).scalar()
        self._set(
            key,
            status="handled" if replies is not None else "failed",
            claimed_until=None,
            last_error=error[:1000],
        )

    def retryable(self, limit: int = 100) -> list[tuple[str, str | None]]:
        table = zalo_events.c
        query = (
            select(table.key, table.chat_id)
            .where(self._due(_now()))
            .order_by(table.received_at)
            .limit(limit)
        )
        with self._engine.begin() as connection:
            return [(row.key, row.chat_id) for row in connection.execute(query)]

    def status(self, key: str) -> str | None:
        with self._engine.begin() as connection:
            return connection.execute(
                select(zalo_events.c.status).where(zalo_events.c.key == key)
            ).scalar()

    def count(self) -> int:
        with self._engine.begin() as connection:
            return len(connection.execute(select(zalo_events.c.key)).all())

    def prune(self) -> int:
        """Forget done events older than the retention (past Zalo's resend horizon and the
        signature's freshness window, so a key can no longer come back)."""
        cutoff = _now() - self._retention
        with self._engine.begin() as connection:
            return connection.execute(
                delete(zalo_events).where(
                    zalo_events.c.status == "done", zalo_events.c.received_at < cutoff
                )
            ).rowcount

    def _set(self, key: str, **values) -> None:
        with self._engine.begin() as connection:
            connection.execute(update(zalo_events).where(zalo_events.c.key == key).values(**values))
