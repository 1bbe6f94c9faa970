"""The send rate shared by every worker process: one token bucket row in the database, handing
out *send slots* — wall-clock moments at which one message may leave.

A per-process bucket would let two workers send 2 × 30 messages/s; the limit is the bot's, so
the bucket must be too. Each take is one short transaction that locks the bucket row (the first
statement is an UPDATE, which takes the row lock on PostgreSQL and the write lock on SQLite),
refills it from the time elapsed, and reserves the next slots. Slots are evenly spaced (1/rate
apart, capacity about 1/30 s of sending), so no one-second window at the platform sees more than
the limit; reserving up to `HORIZON` seconds ahead lets a worker keep sending while its next
round trip to the database is in flight, so the rate does not depend on that round trip.

Replies to individual citizens are not held back by campaigns: the outbox debits the bucket
when it leases them (it may go into debt), and campaigns wait until the debt is paid. A 429
pauses the bucket for everyone for `retry_after`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import bindparam, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from feedback_api.broadcasts.models import RateBucket
from feedback_api.settings import Settings

TELEGRAM = "telegram"
HORIZON = 0.5  # seconds of future slots one take may reserve
MAX_DEBT_SECONDS = 2.0  # replies may borrow at most this many seconds of campaign sending


def rate_of(settings: Settings) -> float:
    return settings.broadcast_per_second * settings.broadcast_rate_safety


def capacity_of(rate: float) -> float:
    return max(1.0, rate / 30.0)


@dataclass
class _Bucket:
    name: str
    tokens: float
    stamp: float
    paused_until: float


_TABLE = RateBucket.__table__
# Built once: a take runs on every step of every worker, so statement construction matters.
# The lock and the read are one statement (UPDATE … RETURNING: PostgreSQL, SQLite ≥ 3.35).
_LOCK_READ = (
    update(_TABLE)
    .where(_TABLE.c.name == bindparam("n"))
    .values(name=bindparam("n"))
    .returning(_TABLE.c.tokens, _TABLE.c.stamp, _TABLE.c.paused_until)
)
_WRITE = (
    update(_TABLE)
    .where(_TABLE.c.name == bindparam("n"))
    .values(tokens=bindparam("t"), stamp=bindparam("s"), paused_until=bindparam("p"))
)


def _locked(db_session: Session, name: str, rate: float, now: float) -> _Bucket:
    """Lock the bucket row (an UPDATE first: the row lock on PostgreSQL, the write lock on
    SQLite), read it and refill it from the time elapsed; `_store` writes it back."""
    row = db_session.execute(_LOCK_READ, {"n": name}).first()
    if row is None:  # first use: create it; a concurrent creator wins, then we lock theirs
        try:
            with db_session.begin_nested():
                db_session.add(RateBucket(name=name, tokens=capacity_of(rate), stamp=now))
        except IntegrityError:
            pass
        row = db_session.execute(_LOCK_READ, {"n": name}).one()
    bucket = _Bucket(name, *row)
    if now > bucket.stamp:
        start = max(bucket.stamp, min(now, bucket.paused_until))
        refill = max(0.0, now - start) * rate
        bucket.tokens = min(capacity_of(rate), bucket.tokens + refill)
        bucket.stamp = now
    return bucket


def _store(db_session: Session, bucket: _Bucket) -> None:
    db_session.execute(
        _WRITE,
        {"n": bucket.name, "t": bucket.tokens, "s": bucket.stamp, "p": bucket.paused_until},
    )


def _next_slot(bucket: _Bucket, rate: float, now: float) -> float:
    """When the next token exists (tokens below 1 are owed by earlier reservations)."""
    return max(now, bucket.paused_until) + max(0.0, 1.0 - bucket.tokens) / rate


def take(
    *,
    db_session: Session,
    settings: Settings,
    wanted: int,
    name: str = TELEGRAM,
    clock: Callable[[], float] = time.time,
    horizon: float = HORIZON,
) -> tuple[list[float], float]:
    """Reserve up to `wanted` send slots within `horizon` seconds. Returns (slot times as epoch
    seconds, seconds until the next slot could be reserved). The caller commits, so the slots
    and the deliveries they start land together."""
    rate = rate_of(settings)
    now = clock()
    bucket = _locked(db_session, name, rate, now)
    slots: list[float] = []
    while len(slots) < wanted:
        slot = _next_slot(bucket, rate, now)
        if slot - now > horizon:
            break
        slots.append(slot)
        bucket.tokens -= 1
    wait = max(0.0, _next_slot(bucket, rate, now) - now - horizon)
    _store(db_session, bucket)
    return slots, wait


def debit(
    *,
    db_session: Session,
    settings: Settings,
    count: int,
    name: str = TELEGRAM,
    clock: Callable[[], float] = time.time,
) -> None:
    """Replies (outbox) went out of the same bot: campaigns give way to them."""
    if count <= 0:
        return
    rate = rate_of(settings)
    bucket = _locked(db_session, name, rate, clock())
    bucket.tokens = max(-MAX_DEBT_SECONDS * rate, bucket.tokens - count)
    _store(db_session, bucket)


def pause(
    *,
    db_session: Session,
    settings: Settings,
    seconds: float,
    name: str = TELEGRAM,
    clock: Callable[[], float] = time.time,
) -> None:
    """The platform answered 429 retry_after: every worker holds until then, then no burst."""
    now = clock()
    bucket = _locked(db_session, name, rate_of(settings), now)
    bucket.paused_until = max(bucket.paused_until, now + seconds)
    # Slots reserved before the 429 lie before the end of the pause (the horizon is shorter
    # than any retry_after Telegram sends), so the count restarts from empty: no burst after.
    bucket.tokens = 0.0
    _store(db_session, bucket)
