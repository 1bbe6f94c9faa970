"""The send rate shared by every worker process: one token bucket row in the database.

A per-process bucket would let two workers send 2 × 30 messages/s; the limit is the bot's, so
the bucket must be too. Each take is one short transaction that locks the bucket row (the
first statement is an UPDATE, which takes the row lock on PostgreSQL and the write lock on
SQLite), refills it from the time elapsed, and hands out whole tokens.

Capacity is about 1/30 s of sending (at least one token): sends leave evenly spaced, so no
one-second window at the platform sees more than the limit. Replies to individual citizens
are not held back by campaigns: the outbox debits the bucket when it leases them (it may go
into debt), and campaigns wait until the debt is paid.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from feedback_api.broadcasts.models import RateBucket
from feedback_api.settings import Settings

TELEGRAM = "telegram"
MAX_DEBT_SECONDS = 2.0  # replies may borrow at most this many seconds of campaign sending


def rate_of(settings: Settings) -> float:
    return settings.broadcast_per_second * settings.broadcast_rate_safety


def capacity_of(rate: float) -> float:
    return max(1.0, rate / 30.0)


def _locked(db_session: Session, name: str, rate: float, now: float) -> RateBucket:
    db_session.exec(update(RateBucket).where(RateBucket.name == name).values(name=name))
    bucket = db_session.get(RateBucket, name, populate_existing=True)
    if bucket is None:  # first use: create it; a concurrent creator wins, then we lock theirs
        try:
            with db_session.begin_nested():
                db_session.add(RateBucket(name=name, tokens=capacity_of(rate), stamp=now))
        except IntegrityError:
            pass
        db_session.exec(update(RateBucket).where(RateBucket.name == name).values(name=name))
        bucket = db_session.get(RateBucket, name, populate_existing=True)
    if now > bucket.stamp:
        start = max(bucket.stamp, min(now, bucket.paused_until))
        refill = max(0.0, now - start) * rate
        bucket.tokens = min(capacity_of(rate), bucket.tokens + refill)
        bucket.stamp = now
    return bucket


def take(
    *,
    db_session: Session,
    settings: Settings,
    wanted: int,
    name: str = TELEGRAM,
    clock: Callable[[], float] = time.time,
) -> tuple[int, float]:
    """Take up to `wanted` tokens. Returns (granted, seconds until the next token). The caller
    commits, so the tokens and the rows they start land together."""
    rate = rate_of(settings)
    now = clock()
    bucket = _locked(db_session, name, rate, now)
    granted = 0
    if now >= bucket.paused_until and wanted > 0:
        granted = min(wanted, max(0, math.floor(bucket.tokens + 1e-9)))
        bucket.tokens -= granted
    if now < bucket.paused_until:
        wait = bucket.paused_until - now + max(0.0, 1 - bucket.tokens) / rate
    else:
        wait = max(0.0, 1 - bucket.tokens) / rate
    db_session.add(bucket)
    return granted, wait


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
    db_session.add(bucket)


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
    bucket.tokens = min(bucket.tokens, 0.0)
    db_session.add(bucket)
