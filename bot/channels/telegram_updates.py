"""The durable record of Telegram updates: each is stored before it is acknowledged, handled
exactly once, and retried from the record when handling failed.

States: pending → processing (claimed, with a deadline) → handled (the engine's replies are
stored) → done (replies sent). A retry after "handled" only re-sends the replies not yet sent,
so a crash between the engine and Telegram neither repeats the conversation step nor loses the
answer. Claims are atomic UPDATEs, so several processes may share the table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.storage import telegram_updates

MAX_ATTEMPTS = 5
CLAIM_SECONDS = 120


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class UpdateRecord:
    update_id: int
    payload: dict
    status: str
    attempts: int
    replies: list | None
    sent: int


def chat_of(payload: dict) -> str | None:
    """The chat an update belongs to (a message's chat, or the presser of a button)."""
    callback = payload.get("callback_query") or {}
    message = payload.get("message") or callback.get("message")
    if message and message.get("chat"):
        return str(message["chat"]["id"])
    sender = callback.get("from")
    return str(sender["id"]) if sender else None


class UpdateLog:
    def __init__(self, engine: Engine):
        self._engine = engine

    def record(self, payload: dict) -> bool:
        """Store a received update; False if this update_id was already received."""
        try:
            with self._engine.begin() as connection:
                connection.execute(
                    insert(telegram_updates).values(
                        update_id=int(payload["update_id"]),
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

    def claim(self, update_id: int) -> UpdateRecord | None:
        """Take the update for processing, unless done, dead, or claimed by someone else.

        One UPDATE ... RETURNING: the claim and the read are a single round trip."""
        now = _now()
        table = telegram_updates.c
        with self._engine.begin() as connection:
            row = connection.execute(
                update(telegram_updates)
                .where(
                    and_(
                        table.update_id == update_id,
                        table.attempts < MAX_ATTEMPTS,
                        or_(
                            table.status.in_(("pending", "failed", "handled")),
                            and_(table.status == "processing", table.claimed_until < now),
                        ),
                    )
                )
                .values(
                    status="processing",
                    attempts=table.attempts + 1,
                    claimed_until=now + dt.timedelta(seconds=CLAIM_SECONDS),
                )
                .returning(
                    table.update_id,
                    table.payload,
                    table.status,
                    table.attempts,
                    table.replies,
                    table.sent,
                )
            ).first()
        if row is None:
            return None
        return UpdateRecord(
            row.update_id, row.payload, row.status, row.attempts, row.replies, row.sent or 0
        )

    def handled(self, update_id: int, replies: list[dict]) -> None:
        self._set(update_id, status="processing", replies=replies)

    def sent(self, update_id: int, count: int) -> None:
        self._set(update_id, sent=count)

    def done(self, update_id: int, sent: int = 0) -> None:
        """Finished: every reply (`sent` of them) is out."""
        self._set(
            update_id,
            status="done",
            processed_at=_now(),
            claimed_until=None,
            last_error=None,
            sent=sent,
        )

    def failed(self, update_id: int, error: str) -> None:
        """Back to the queue (with the replies, if the engine already produced them)."""
        with self._engine.begin() as connection:
            replies = connection.execute(
                select(telegram_updates.c.replies).where(telegram_updates.c.update_id == update_id)
            ).scalar()
        self._set(
            update_id,
            status="handled" if replies is not None else "failed",
            claimed_until=None,
            last_error=error[:1000],
        )

    def retryable(self, limit: int = 100) -> list[tuple[int, str | None]]:
        """(update_id, chat id) of updates to (re)process: failed, handled but not all sent,
        or stuck in an expired claim; the chat id keeps a retry in its chat's order."""
        table = telegram_updates.c
        now = _now()
        query = (
            select(table.update_id, table.payload)
            .where(
                table.attempts < MAX_ATTEMPTS,
                or_(
                    table.status.in_(("pending", "failed", "handled")),
                    and_(table.status == "processing", table.claimed_until < now),
                ),
            )
            .order_by(table.update_id)
            .limit(limit)
        )
        with self._engine.begin() as connection:
            return [(row.update_id, chat_of(row.payload)) for row in connection.execute(query)]

    def status(self, update_id: int) -> str | None:
        with self._engine.begin() as connection:
            return connection.execute(
                select(telegram_updates.c.status).where(telegram_updates.c.update_id == update_id)
            ).scalar()

    def _set(self, update_id: int, **values) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                update(telegram_updates)
                .where(telegram_updates.c.update_id == update_id)
                .values(**values)
            )
