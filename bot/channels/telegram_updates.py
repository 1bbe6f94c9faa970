"""The durable record of Telegram updates: each is stored before it is acknowledged, handled
exactly once, and retried from the record when handling failed.

States: pending → processing (claimed, with a deadline) → handled (the engine's replies are
stored) → done (replies sent); or quarantined (its handling failed MAX_ATTEMPTS times, or the
record itself is unusable), with the reason kept so one bad record never stalls the others.
A retry after "handled" only re-sends the replies not yet sent, so a crash between the engine
and Telegram neither repeats the conversation step nor loses the answer. Claims are atomic
UPDATEs, so several processes may share the table.

One chat's updates are handled one at a time, in update_id order, even when they reach
different processes: an update recorded while an earlier update of its chat is still *open*
(pending, handled but not all replies sent, or processing under a live claim) is stored
pending ("queued"), not claimed; whoever finishes the earlier one claims the chat's next queued
update in the same transaction (`finish`) and handles it. The record, the finish and the claim
take the chat's lock first (a PostgreSQL transaction-scoped advisory lock; on SQLite the first
statement writes, which takes the database's write lock), so no update slips between "is
anything open?" and "store me". A failed update (retried later) and an expired claim (a crashed
process) do not hold their chat up; the retry pass takes them up again. Updates are ordered as
they were recorded: Telegram's own delivery order.

Informant safety: the raw update (names, usernames, phone numbers of shared contacts, the
text of a tip) is kept only until it is processed; a done or quarantined record keeps its id,
state, times and reason, nothing else — not its replies (which may hold a tracking code) and
not its chat. Records are pruned after `retention_days`; a reused update_id (Telegram restarts
the sequence after a week without updates, or for a new token) is a new update once the old
record is outside that window.

Every call runs in a worker thread: bot/ never blocks the event loop on the database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import JSON, and_, bindparam, delete, func, insert, or_, select, text, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from bot import dbio
from bot.storage import telegram_updates

MAX_ATTEMPTS = 5
CLAIM_SECONDS = 120
UPDATE_KINDS = ("message", "edited_message", "callback_query", "my_chat_member")
CLAIMED, QUEUED = "claimed", "queued"  # record_now's answers (both truthy: recorded)


# -- the hot path's statements, built once ------------------------------------------------------
# Every update runs a record, a state save and a finish; building these expressions anew each
# time cost more CPU than SQLite's own work (column proxies of the alias, coercions, cache
# keys), so they are built here once with bound parameters. Parameter names differ from the
# column names, which SQLAlchemy reserves for the SET clause.
_table = telegram_updates.c
_earlier = telegram_updates.alias("earlier").c
_ERASED = {"payload": {}, "replies": None, "chat_id": None, "sent": 0, "claimed_until": None}


def _open_before(update_id, chat_id):
    """An update of the same chat, earlier, that still holds the chat's turn (at :now)."""
    return (
        select(_earlier.update_id)
        .where(
            _earlier.chat_id == chat_id,
            _earlier.update_id < update_id,
            or_(
                _earlier.status == "pending",
                _earlier.status == "handled",
                and_(_earlier.status == "processing", _earlier.claimed_until >= bindparam("now")),
            ),
        )
        .exists()
    )


_INSERT = insert(telegram_updates)
_EARLIER_OPEN = select(_open_before(bindparam("b_update"), bindparam("b_chat")))
_QUEUE = (
    update(telegram_updates)
    .where(_table.update_id == bindparam("b_update"))
    .values(status="pending", attempts=0, claimed_until=None)
)
_DONE = (
    update(telegram_updates)
    .where(_table.update_id == bindparam("b_update"))
    .values(status="done", **_ERASED, processed_at=bindparam("now"), last_error=None)
)
_FOLLOWING = select(func.min(_table.update_id)).where(
    _table.chat_id == bindparam("b_chat"), _table.status == "pending"
)
_CLAIM = (
    update(telegram_updates)
    .where(
        _table.update_id == bindparam("b_update"),
        or_(  # no IN (...): its expanding parameter is rendered anew at every execution
            _table.status == "pending",
            _table.status == "failed",
            _table.status == "handled",
            and_(_table.status == "processing", _table.claimed_until < bindparam("now")),
        ),
        ~_open_before(_table.update_id, _table.chat_id),
    )
    .values(
        status="processing",
        attempts=_table.attempts + 1,
        claimed_until=bindparam("b_until"),
    )
    .returning(
        _table.update_id,
        _table.payload,
        _table.status,
        _table.attempts,
        _table.replies,
        _table.sent,
        _table.chat_id,
    )
)
_HANDLED = (
    update(telegram_updates)
    .where(_table.update_id == bindparam("b_update"))
    .values(status="processing", replies=bindparam("b_replies", type_=JSON))
)
_SENT = (
    update(telegram_updates)
    .where(_table.update_id == bindparam("b_update"))
    .values(sent=bindparam("b_sent"))
)
_CHAT_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is not None and moment.tzinfo is None:  # SQLite gives back naive UTC
        return moment.replace(tzinfo=dt.UTC)
    return moment


@dataclass(frozen=True)
class UpdateRecord:
    update_id: int
    payload: dict
    status: str
    attempts: int
    replies: list | None
    sent: int
    chat_id: str | None


def chat_of(payload: object) -> str | None:
    """The private chat an update belongs to, or None (groups, channels, malformed records).

    Defensive on purpose: it reads stored records, and a malformed one must not raise."""
    if not isinstance(payload, dict):
        return None
    for kind in UPDATE_KINDS:
        body = payload.get(kind)
        if not isinstance(body, dict):
            continue
        if kind == "callback_query":
            body = body.get("message")
            if not isinstance(body, dict):
                return None
        chat = body.get("chat")
        if isinstance(chat, dict) and chat.get("type") == "private":
            chat_id = chat.get("id")
            if isinstance(chat_id, int) and not isinstance(chat_id, bool):
                return str(chat_id)
        return None
    return None


class UpdateLog:
    def __init__(self, engine: Engine, *, retention_days: float = 7):
        self._engine = engine
        self.window = dt.timedelta(days=retention_days)

    # -- async API (worker threads) --------------------------------------------------------------

    async def record(self, payload: dict, *, claim: bool = False) -> str:
        return await dbio.run(self._engine, self.record_now, payload, claim=claim)

    async def claim(self, update_id: int) -> UpdateRecord | None:
        return await dbio.run(self._engine, self.claim_now, update_id)

    async def finish(self, update_id: int, chat_id: str, *, done: bool) -> UpdateRecord | None:
        return await dbio.run(self._engine, self.finish_now, update_id, chat_id, done=done)

    async def handled(self, update_id: int, replies: list[dict]) -> None:
        await dbio.run(self._engine, self._set, update_id, status="processing", replies=replies)

    async def sent(self, update_id: int, count: int) -> None:
        await dbio.run(self._engine, self._sent_now, update_id, count)

    async def done(self, update_id: int, *, note: str | None = None) -> None:
        await dbio.run(self._engine, self.done_now, update_id, note=note)

    async def done_many(self, update_ids: list[int]) -> None:
        await dbio.run(self._engine, self.done_many_now, update_ids)

    async def failed(self, update_id: int, error: str) -> None:
        await dbio.run(self._engine, self.failed_now, update_id, error)

    async def quarantine(self, update_id: int, reason: str) -> None:
        await dbio.run(self._engine, self.quarantine_now, update_id, reason)

    async def retryable(self, limit: int = 100) -> list[tuple[int, str | None]]:
        return await dbio.run(self._engine, self.retryable_now, limit)

    async def prune(self) -> int:
        return await dbio.run(self._engine, self.prune_now)

    # -- the statements ---------------------------------------------------------------------------

    def record_now(self, payload: dict, *, claim: bool = False) -> str:
        """Store a received update. Returns CLAIMED (stored claimed by the caller: one write
        on the hot path), QUEUED (stored pending: without `claim`, or behind an earlier open
        update of its chat, which whoever finishes that one will claim), or "" (this update_id
        was already received within the retention window)."""
        now = _now()
        chat = chat_of(payload)
        values = {
            "update_id": int(payload["update_id"]),
            "payload": payload,
            "chat_id": chat,
            "status": "processing" if claim else "pending",
            "attempts": 1 if claim else 0,
            "claimed_until": now + dt.timedelta(seconds=CLAIM_SECONDS) if claim else None,
            "sent": 0,
            "received_at": now,
        }
        table = telegram_updates.c
        try:
            with self._engine.begin() as connection:
                self._lock_chat(connection, chat)
                connection.execute(_INSERT, values)
                if claim and chat is not None and self._earlier_open(connection, values, now):
                    self._queue(connection, values["update_id"])
                    return QUEUED
            return CLAIMED if claim else QUEUED
        except IntegrityError:
            pass
        # Known id: a redelivery within the window, or a reused id after it (processed anew).
        with self._engine.begin() as connection:
            self._lock_chat(connection, chat)
            replaced = connection.execute(
                update(telegram_updates)
                .where(
                    table.update_id == values["update_id"],
                    table.received_at < now - self.window,
                    table.status.in_(("done", "quarantined")),
                )
                .values(**values, replies=None, last_error=None, processed_at=None)
            ).rowcount
            if replaced != 1:
                return ""
            if claim and chat is not None and self._earlier_open(connection, values, now):
                self._queue(connection, values["update_id"])
                return QUEUED
        return CLAIMED if claim else QUEUED

    def _lock_chat(self, connection: Connection, chat: str | None) -> None:
        """Serialise this transaction with every other one touching the chat's order."""
        if chat is None or connection.dialect.name != "postgresql":
            return  # SQLite: each of these transactions writes first, taking the write lock
        digest = hashlib.blake2b(f"telegram:{chat}".encode(), digest_size=8).digest()
        key = int.from_bytes(digest, "big", signed=True)
        connection.execute(_CHAT_LOCK, {"key": key})

    @staticmethod
    def _earlier_open(connection: Connection, values: dict, now: dt.datetime) -> bool:
        params = {"b_update": values["update_id"], "b_chat": values["chat_id"], "now": now}
        return bool(connection.execute(_EARLIER_OPEN, params).scalar())

    @staticmethod
    def _queue(connection: Connection, update_id: int) -> None:
        connection.execute(_QUEUE, {"b_update": update_id})

    def finish_now(self, update_id: int, chat_id: str, *, done: bool) -> UpdateRecord | None:
        """This update has had its turn (`done`: its replies went out; otherwise it was marked
        failed or quarantined already). In the same transaction, claim the chat's next queued
        update, if its turn has come; the caller handles it."""
        now = _now()
        with self._engine.begin() as connection:
            self._lock_chat(connection, chat_id)
            if done:
                connection.execute(_DONE, {"b_update": update_id, "now": now})
            following = connection.execute(_FOLLOWING, {"b_chat": chat_id}).scalar()
            if following is None:
                return None
            return self._claim(connection, following, now)

    def claim_now(self, update_id: int) -> UpdateRecord | None:
        """Take the update for processing, unless done, quarantined, claimed by someone else,
        or waiting for an earlier update of its chat. One UPDATE ... RETURNING: the claim and
        the read are a single round trip."""
        with self._engine.begin() as connection:
            chat = connection.execute(
                select(telegram_updates.c.chat_id).where(telegram_updates.c.update_id == update_id)
            ).scalar()
            self._lock_chat(connection, chat)
            return self._claim(connection, update_id, _now())

    @staticmethod
    def _claim(connection: Connection, update_id: int, now: dt.datetime):
        until = now + dt.timedelta(seconds=CLAIM_SECONDS)
        row = connection.execute(
            _CLAIM, {"b_update": update_id, "now": now, "b_until": until}
        ).first()
        if row is None:
            return None
        return UpdateRecord(
            row.update_id,
            row.payload if isinstance(row.payload, dict) else {},
            row.status,
            row.attempts,
            row.replies,
            row.sent or 0,
            row.chat_id,
        )

    def _sent_now(self, update_id: int, count: int) -> None:
        with self._engine.begin() as connection:
            connection.execute(_SENT, {"b_update": update_id, "b_sent": count})

    def done_now(self, update_id: int, *, note: str | None = None) -> None:
        """Finished: the raw update, its replies and its chat are erased."""
        self._set(update_id, status="done", **self._erased(), last_error=note)

    def handled_in(self, connection: Connection, update_id: int, replies: list[dict]) -> None:
        """The engine's replies, stored inside the caller's transaction (the state's save), so
        the state moves on if and only if its replies are kept."""
        connection.execute(_HANDLED, {"b_update": update_id, "b_replies": replies})

    def done_many_now(self, update_ids: list[int]) -> None:
        """Several finished updates in one statement (the channel batches them)."""
        with self._engine.begin() as connection:
            connection.execute(
                update(telegram_updates)
                .where(telegram_updates.c.update_id.in_(update_ids))
                .values(status="done", **self._erased(), last_error=None)
            )

    def failed_now(self, update_id: int, error: str) -> None:
        """Back to the queue (with the replies, if the engine already produced them), or
        quarantined once it has had its MAX_ATTEMPTS."""
        table = telegram_updates.c
        with self._engine.begin() as connection:
            row = connection.execute(
                select(table.replies, table.attempts).where(table.update_id == update_id)
            ).first()
        if row is None:
            return
        if row.attempts >= MAX_ATTEMPTS:
            self.quarantine_now(update_id, f"gave up after {row.attempts} attempts: {error}")
            return
        self._set(
            update_id,
            status="handled" if row.replies is not None else "failed",
            claimed_until=None,
            last_error=error[:1000],
        )

    def quarantine_now(self, update_id: int, reason: str) -> None:
        """Set aside with its reason (for an operator), erased like a processed update."""
        self._set(update_id, status="quarantined", **self._erased(), last_error=reason[:1000])

    def retryable_now(self, limit: int = 100) -> list[tuple[int, str | None]]:
        """(update_id, chat id) of updates to (re)process: failed, handled but not all sent,
        or stuck in an expired claim; the chat id keeps a retry in its chat's order."""
        table = telegram_updates.c
        now = _now()
        query = (
            select(table.update_id, table.chat_id)
            .where(
                or_(
                    table.status.in_(("pending", "failed", "handled")),
                    and_(table.status == "processing", table.claimed_until < now),
                ),
            )
            .order_by(table.update_id)
            .limit(limit)
        )
        with self._engine.begin() as connection:
            return [(row.update_id, row.chat_id) for row in connection.execute(query)]

    def prune_now(self) -> int:
        """Forget finished records older than the retention window."""
        table = telegram_updates.c
        with self._engine.begin() as connection:
            return connection.execute(
                delete(telegram_updates).where(
                    table.received_at < _now() - self.window,
                    table.status.in_(("done", "quarantined")),
                )
            ).rowcount

    def status(self, update_id: int) -> str | None:
        with self._engine.begin() as connection:
            return connection.execute(
                select(telegram_updates.c.status).where(telegram_updates.c.update_id == update_id)
            ).scalar()

    def reason(self, update_id: int) -> str | None:
        with self._engine.begin() as connection:
            return connection.execute(
                select(telegram_updates.c.last_error).where(
                    telegram_updates.c.update_id == update_id
                )
            ).scalar()

    @staticmethod
    def _erased() -> dict:
        return {
            "payload": {},
            "replies": None,
            "chat_id": None,
            "sent": 0,
            "claimed_until": None,
            "processed_at": _now(),
        }

    def _set(self, update_id: int, **values) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                update(telegram_updates)
                .where(telegram_updates.c.update_id == update_id)
                .values(**values)
            )
