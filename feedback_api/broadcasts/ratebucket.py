"""The send rate shared by every worker process: one token bucket row in the database, handing
out *send slots* — wall-clock moments at which one message may leave.

A per-process bucket would let two workers send 2 × 30 messages/s; the limit is the bot's, so
the bucket must be too. Each take is one short transaction that locks the bucket row (the first
statement is an UPDATE, which takes the row lock on PostgreSQL and the write lock on SQLite),
refills it from the time elapsed, and reserves the next slots. Slots are evenly spaced (1/rate
apart, capacity about 1/30 s of sending), so no one-second window at the platform sees more than
the limit; reserving up to `HORIZON` seconds ahead lets a worker keep sending while its next
round trip to the database is in flight, so the rate does not depend on that round trip.

It is the one rate mechanism for everything that sends as the bot, in every process: campaign
workers `take` slots within a short horizon; the outbox sender and the replies to citizens who
just wrote `reserve` slots for what they are about to send (`reserve` may run into debt, so
they go first and campaigns wait until the debt is paid). One row per platform (`telegram`,
`zalo`), each with its own rate. A 429 pauses the bucket for everyone for `retry_after`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from feedback_api.broadcasts.models import RateBucket
from feedback_api.settings import Settings

TELEGRAM = "telegram"
ZALO = "zalo"
HORIZON = 0.5  # seconds of future slots one take may reserve
MAX_DEBT_SECONDS = 2.0  # replies may borrow at most this many seconds of campaign sending


def rate_of(settings: Settings, name: str = TELEGRAM) -> float:
    """Sends per second for one platform's bucket, with the safety margin."""
    per_second = settings.zalo_per_second if name == ZALO else settings.broadcast_per_second
    return per_second * settings.broadcast_rate_safety


def capacity_of(rate: float) -> float:
    return max(1.0, rate / 30.0)


@dataclass
class _Bucket:
    """One bucket's row, locked for this transaction; written back by `_store`."""

    name: str
    tokens: float
    stamp: float
    paused_until: float


# Built once (every reply reserves slots, every status look-up is admitted here): one UPDATE
# both locks the row and reads it back, and one writes the new state; no ORM object, whose
# identity map and flush cost more than the two statements themselves.
_table = RateBucket.__table__
_LOCK = (
    update(_table)
    .where(_table.c.name == bindparam("b_name"))
    .values(name=_table.c.name)
    .returning(_table.c.tokens, _table.c.stamp, _table.c.paused_until)
)
_STORE = (
    update(_table)
    .where(_table.c.name == bindparam("b_name"))
    .values(
        tokens=bindparam("b_tokens"),
        stamp=bindparam("b_stamp"),
        paused_until=bindparam("b_paused"),
    )
)


def _lock(db_session: Session, name: str) -> _Bucket | None:
    row = db_session.execute(_LOCK, {"b_name": name}).first()
    return _Bucket(name, row.tokens, row.stamp, row.paused_until) if row else None


def _store(db_session: Session, bucket: _Bucket) -> None:
    db_session.execute(
        _STORE,
        {
            "b_name": bucket.name,
            "b_tokens": bucket.tokens,
            "b_stamp": bucket.stamp,
            "b_paused": bucket.paused_until,
        },
    )


def _locked(
    db_session: Session, name: str, rate: float, now: float, capacity: float | None = None
) -> _Bucket:
    capacity = capacity_of(rate) if capacity is None else capacity
    db_session.flush()  # the caller's pending rows first, as before (the order of the locks)
    bucket = _lock(db_session, name)
    if bucket is None:  # first use: create it; a concurrent creator wins, then we lock theirs
        try:
            with db_session.begin_nested():
                db_session.add(RateBucket(name=name, tokens=capacity, stamp=now))
        except IntegrityError:
            pass
        bucket = _lock(db_session, name)
    if now > bucket.stamp:
        start = max(bucket.stamp, min(now, bucket.paused_until))
        refill = max(0.0, now - start) * rate
        bucket.tokens = min(capacity, bucket.tokens + refill)
        bucket.stamp = now
    return bucket


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
    rate = rate_of(settings, name)
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


def reserve(
    *,
    db_session: Session,
    settings: Settings,
    count: int,
    name: str = TELEGRAM,
    clock: Callable[[], float] = time.time,
) -> list[float]:
    """`count` send slots (epoch seconds), evenly spaced after every slot reserved before, with
    no horizon: a sender about to deliver a batch takes its place in the one queue of the bot's
    sends, in whichever process it runs, and campaigns wait behind it. The caller commits."""
    if count <= 0:
        return []
    rate = rate_of(settings, name)
    now = clock()
    bucket = _locked(db_session, name, rate, now)
    slots = []
    for _ in range(count):
        slots.append(_next_slot(bucket, rate, now))
        bucket.tokens -= 1
    _store(db_session, bucket)
    return slots


def admit(
    *,
    db_session: Session,
    name: str,
    limit: int,
    window: float,
    clock: Callable[[], float] = time.time,
) -> bool:
    """A keyed limit in the same table (`limit` per `window` seconds, bursting to `limit`):
    True and one token taken, or False. For limits that must hold across processes per caller
    (status lookups, logins per address). The caller commits."""
    bucket = _locked(db_session, name, limit / window, clock(), capacity=float(limit))
    allowed = bucket.tokens >= 1.0
    if allowed:
        bucket.tokens -= 1.0
    _store(db_session, bucket)
    return allowed


def forget_idle(
    *, db_session: Session, prefix: str, window: float, clock: Callable[[], float] = time.time
) -> int:
    """Delete keyed buckets (names starting with `prefix`) untouched for a whole window: full
    again, hence the same as no row. The caller commits."""
    return db_session.exec(
        delete(RateBucket).where(
            col(RateBucket.name).startswith(prefix), col(RateBucket.stamp) < clock() - window
        )
    ).rowcount


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
    rate = rate_of(settings, name)
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
    rate = rate_of(settings, name)
    bucket = _locked(db_session, name, rate, now)
    # The last slot already handed out (a debt is slots reserved ahead, by `reserve` without a
    # horizon): new slots must come after it as well as after the pause.
    owed_until = max(now, bucket.paused_until) + max(0.0, -bucket.tokens) / rate
    bucket.paused_until = max(bucket.paused_until, now + seconds)
    # No burst after the pause: the count restarts from empty, less whatever was reserved
    # beyond the pause.
    bucket.tokens = -max(0.0, owed_until - bucket.paused_until) * rate
    _store(db_session, bucket)
