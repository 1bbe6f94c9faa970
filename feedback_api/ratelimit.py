"""Per-key token buckets for status lookups, logins and the like, bounded in memory.

Each key (a verified client address, a server-issued session, a citizen named by the bot) gets
a bucket of `limit` tokens refilled evenly over `window_seconds`. Buckets live in an ordered
dict kept in last-use order, so a check costs O(1): idle buckets (full again, hence the same as
no bucket) are forgotten from the front, and past `max_keys` the least recently used key goes.
An attacker who rotates keys therefore costs us at most `max_keys` entries, never a scan.

`RateLimiter` holds its buckets in memory: one process only. The server uses `SharedLimiter`,
which keeps them as rows of the rate bucket table (feedback_api.broadcasts.ratebucket, the
mechanism the bot's send rate uses), so the limit holds across every server process; keys are
stored hashed (a client address is personal data) and idle rows are swept now and then.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable


class RateLimiter:
    def __init__(
        self,
        limit: int,
        window_seconds: float = 60.0,
        *,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ):
        if limit < 1 or window_seconds <= 0 or max_keys < 1:
            raise ValueError("limit, window and max_keys must be positive")
        self.limit = limit
        self.window = window_seconds
        self.max_keys = max_keys
        self._rate = limit / window_seconds
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key → (tokens, t)
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._buckets)

    def allow(self, key: str) -> bool:
        """Take one token for `key`; False when its bucket is empty."""
        now = self._clock()
        with self._lock:
            self._forget_idle(now)
            tokens, stamp = self._buckets.pop(key, (float(self.limit), now))
            tokens = min(float(self.limit), tokens + max(0.0, now - stamp) * self._rate)
            allowed = tokens >= 1.0
            if allowed:
                tokens -= 1.0
            self._buckets[key] = (tokens, now)  # re-inserted last: most recently used
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
            return allowed

    def forget(self, key: str) -> None:
        with self._lock:
            self._buckets.pop(key, None)

    def _forget_idle(self, now: float) -> None:
        """Drop buckets untouched for a whole window (refilled: equal to no bucket at all)."""
        while self._buckets:
            _tokens, stamp = next(iter(self._buckets.values()))
            if now - stamp < self.window:
                return
            self._buckets.popitem(last=False)


class SharedLimiter:
    """`limit` per `window_seconds` for each key, across every process (one short write
    transaction per check, on the caller's session)."""

    SWEEP_CHANCE = 1 / 200  # how often a check also deletes idle rows of this limiter

    def __init__(
        self,
        prefix: str,
        limit: int,
        window_seconds: float = 60.0,
        *,
        clock: Callable[[], float] = time.time,
    ):
        if limit < 1 or window_seconds <= 0 or not 1 <= len(prefix) <= 4:
            raise ValueError("limit and window must be positive, the prefix 1-4 characters")
        self.prefix, self.limit, self.window = f"{prefix}:", limit, window_seconds
        self._clock = clock

    def allow(self, key: str, *, db_session) -> bool:
        """Take one token for `key`; False when its bucket is empty. Commits."""
        from feedback_api.broadcasts import ratebucket

        digest = hashlib.blake2b(key.encode(), digest_size=12).hexdigest()
        allowed = ratebucket.admit(
            db_session=db_session,
            name=self.prefix + digest,
            limit=self.limit,
            window=self.window,
            clock=self._clock,
        )
        if random.random() < self.SWEEP_CHANCE:
            ratebucket.forget_idle(
                db_session=db_session, prefix=self.prefix, window=self.window, clock=self._clock
            )
        db_session.commit()
        return allowed
