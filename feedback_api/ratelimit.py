"""Per-key token buckets for status lookups, logins and the like, bounded in memory.

Each key (a verified client address, a server-issued session, a citizen named by the bot) gets
a bucket of `limit` tokens refilled evenly over `window_seconds`. Buckets live in an ordered
dict kept in last-use order, so a check costs O(1): idle buckets (full again, hence the same as
no bucket) are forgotten from the front, and past `max_keys` the least recently used key goes.
An attacker who rotates keys therefore costs us at most `max_keys` entries, never a scan.

Enough for one server process; behind several processes each enforces its own buckets, which
still bounds guessing to (processes × limit) per window and key.
"""

from __future__ import annotations

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
