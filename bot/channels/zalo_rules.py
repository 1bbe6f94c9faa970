"""Zalo's rules for an OA, as configuration the sender enforces before anything is sent.

- Consultation window: the OA may write to a citizen only within `window_days` (default 7)
  after the citizen's last message. Outside it the message is skipped with the reason
  "outside_window", never sent in breach (Zalo would refuse it anyway, -230/-232).
- Quotas: at most `user_daily_quota` messages to one citizen and `daily_quota` from the whole
  OA per local (Vietnam) day (0: no limit). A reply over quota waits for the next day; a
  broadcast over a citizen's quota is skipped ("user_quota").
- Broadcast types: which message types a broadcast may use (`broadcast_types`, default text
  only); another type is skipped ("type_not_allowed").

Counting is atomic (a conditional UPDATE), so several sender processes share the quotas.
Statements run in a worker thread.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot import dbio
from bot.storage import zalo_quota, zalo_users

VIETNAM = dt.timezone(dt.timedelta(hours=7))
OUTSIDE_WINDOW = "outside_window"
USER_QUOTA = "user_quota"
DAILY_QUOTA = "daily_quota"
TYPE_NOT_ALLOWED = "type_not_allowed"
MESSAGE_TYPES = ("text", "buttons", "image")


@dataclass(frozen=True)
class ZaloRulesConfig:
    window_days: float = 7.0
    user_daily_quota: int = 8
    daily_quota: int = 0
    broadcast_types: frozenset[str] = field(default_factory=lambda: frozenset({"text"}))


@dataclass(frozen=True)
class Refusal:
    """Not sent. `retry_after` set: try again then; None: skipped for good, with `reason`."""

    reason: str
    detail: str
    retry_after: float | None = None

    def __str__(self) -> str:
        return f"skipped: {self.reason} ({self.detail})"


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class ZaloRules:
    def __init__(
        self,
        engine: Engine,
        config: ZaloRulesConfig | None = None,
        *,
        now: Callable[[], dt.datetime] = _utcnow,
    ):
        self._engine = engine
        self.config = config or ZaloRulesConfig()
        self._now = now

    async def touched(self, chat_id: str) -> None:
        """The citizen wrote: their window opens again from now."""
        await dbio.run(self._engine, self._touched, chat_id)

    async def admit(self, chat_id: str, kind: str, *, purpose: str) -> Refusal | None:
        """None if this message may go now (and it is counted); else why not."""
        return await dbio.run(self._engine, self._admit, chat_id, kind, purpose)

    def last_inbound(self, chat_id: str) -> dt.datetime | None:
        with self._engine.begin() as connection:
            found = connection.execute(
                select(zalo_users.c.last_inbound_at).where(zalo_users.c.user_id == chat_id)
            ).scalar()
        return _aware(found) if found else None

    # -- statements ------------------------------------------------------------------------------

    def _touched(self, chat_id: str) -> None:
        now = self._now()
        with self._engine.begin() as connection:
            changed = connection.execute(
                update(zalo_users)
                .where(zalo_users.c.user_id == chat_id)
                .values(last_inbound_at=now)
            ).rowcount
        if not changed:
            try:
                with self._engine.begin() as connection:
                    connection.execute(
                        insert(zalo_users).values(user_id=chat_id, last_inbound_at=now)
                    )
            except IntegrityError:  # another process recorded them first
                self._touched(chat_id)

    def _admit(self, chat_id: str, kind: str, purpose: str) -> Refusal | None:
        config, now = self.config, self._now()
        last = self.last_inbound(chat_id)
        window = dt.timedelta(days=config.window_days)
        if last is None or now - last > window:
            since = last.astimezone(VIETNAM).strftime("%Y-%m-%d") if last else "never"
            return Refusal(OUTSIDE_WINDOW, f"last message from the citizen: {since}")
        broadcast = purpose == "broadcast"
        if broadcast and kind not in config.broadcast_types:
            return Refusal(TYPE_NOT_ALLOWED, f"a broadcast may not use {kind!r}")
        local = now.astimezone(VIETNAM)
        day = local.date().isoformat()
        tomorrow = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), VIETNAM)
        wait = max((tomorrow - now).total_seconds(), 1.0)
        if config.user_daily_quota and not self._take(chat_id, day, config.user_daily_quota):
            detail = f"{config.user_daily_quota} messages to this citizen today"
            return Refusal(USER_QUOTA, detail, None if broadcast else wait)
        if config.daily_quota and not self._take("*", day, config.daily_quota):
            if config.user_daily_quota:
                self._give_back(chat_id, day)
            return Refusal(DAILY_QUOTA, f"{config.daily_quota} messages today", wait)
        return None

    def _take(self, scope: str, day: str, limit: int) -> bool:
        table = zalo_quota.c
        with self._engine.begin() as connection:
            taken = connection.execute(
                update(zalo_quota)
                .where(table.scope == scope, table.day == day, table.count < limit)
                .values(count=table.count + 1)
            ).rowcount
            if taken:
                return True
            exists = connection.execute(
                select(table.count).where(table.scope == scope, table.day == day)
            ).first()
        if exists is not None:
            return False
        try:
            with self._engine.begin() as connection:
                connection.execute(insert(zalo_quota).values(scope=scope, day=day, count=1))
            return True
        except IntegrityError:
            return self._take(scope, day, limit)

    def _give_back(self, scope: str, day: str) -> None:
        table = zalo_quota.c
        with self._engine.begin() as connection:
            connection.execute(
                update(zalo_quota)
                .where(table.scope == scope, table.day == day, table.count > 0)
                .values(count=table.count - 1)
            )
