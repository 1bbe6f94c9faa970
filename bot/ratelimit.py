"""Pacing for outbound messages: one global token bucket, and per-chat spacing.

Telegram allows a bot about 30 messages a second overall and one a second to a private chat;
python-telegram-bot's AIORateLimiter enforces neither the per-chat limit nor our own margin, so
the sender does. Both take an injected clock, so tests run in fake time without sleeping.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Iterable

log = logging.getLogger(__name__)

# Delays below a microsecond are rounding noise (0.04 s × 25/s is not exactly 1.0 in floating
# point); treating them as waits would spin on sleeps too small to move a clock forward.
EPSILON = 1e-6
LATE = 0.05  # seconds past its slot after which a shared send slot is not used
TURN_BATCH = 8  # slots reserved at a time for replies to updates (the spares wait for the next)
MAX_REFILLS = 10  # batches one reply waits for before it goes unpaced (others took them all)


def _delay(seconds: float) -> float:
    return seconds if seconds > EPSILON else 0.0


class TokenBucket:
    """`rate` sends per second, bursting to `capacity` (1 by default: evenly spaced sends).

    It only answers "how long until the next send may go" (`delay`) and records a send (`take`);
    the caller does the waiting, so nothing here sleeps.
    """

    def __init__(self, rate: float, clock: Callable[[], float], capacity: float = 1.0):
        if rate <= 0 or capacity < 1:
            raise ValueError("rate must be positive and capacity at least 1")
        self.rate = rate
        self.capacity = capacity
        self._clock = clock
        self._tokens = capacity
        self._stamp = clock()

    def _refill(self, now: float) -> None:
        if now > self._stamp:
            self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now

    def delay(self) -> float:
        """Seconds until a token is available (0 when one is available now)."""
        now = self._clock()
        self._refill(now)
        paused = max(0.0, self._stamp - now)  # while paused, refilling starts at `_stamp`
        return _delay(paused + max(0.0, 1 - self._tokens) / self.rate)

    def take(self) -> None:
        self._refill(self._clock())
        self._tokens -= 1

    def pause(self, seconds: float) -> None:
        """The platform said "too many requests": nothing goes out for `seconds`, then no burst."""
        self._refill(self._clock())
        self._tokens = min(self._tokens, 1.0)
        self._stamp = max(self._stamp, self._clock() + seconds)


# Telegram allows about one message a second to one chat, measured on its side: the margin covers
# the moments between our clock and its (seen: a second reply stamped 0.997 s after the first).
PER_CHAT_INTERVAL = 1.1


class ChatSpacing:
    """At most one send per `interval` seconds to each chat, and platform-imposed holds."""

    def __init__(self, interval: float, clock: Callable[[], float]):
        self.interval = interval
        self._clock = clock
        self._next: dict[Hashable, float] = {}

    def delay(self, chat: Hashable) -> float:
        return _delay(self._next.get(chat, -math.inf) - self._clock())

    def sent(self, chat: Hashable) -> None:
        self.hold(chat, self.interval)

    def hold(self, chat: Hashable, seconds: float) -> None:
        until = self._clock() + seconds
        self._next[chat] = max(self._next.get(chat, -math.inf), until)

    def prune(self) -> None:
        """Forget chats whose spacing has elapsed, so the map does not grow with every citizen."""
        now = self._clock()
        self._next = {chat: until for chat, until in self._next.items() if until > now}


class KeyedLimiter:
    """`limit` actions per `window` seconds for each key (e.g. a web chat session), in memory
    bounded by `max_keys`: keys are kept in last-use order, idle ones (refilled, so equal to no
    entry) are dropped from the front and the least recently used go past `max_keys`."""

    def __init__(
        self, limit: int, window: float, clock: Callable[[], float], *, max_keys: int = 10_000
    ):
        if limit < 1 or window <= 0 or max_keys < 1:
            raise ValueError("limit, window and max_keys must be positive")
        self.limit, self.window, self.max_keys = limit, window, max_keys
        self._rate = limit / window
        self._clock = clock
        self._buckets: OrderedDict[Hashable, tuple[float, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def allow(self, key: Hashable) -> bool:
        now = self._clock()
        while self._buckets:  # forget idle keys, oldest first: O(1) amortised, never a scan
            _tokens, stamp = next(iter(self._buckets.values()))
            if now - stamp < self.window:
                break
            self._buckets.popitem(last=False)
        tokens, stamp = self._buckets.pop(key, (float(self.limit), now))
        tokens = min(float(self.limit), tokens + max(0.0, now - stamp) * self._rate)
        allowed = tokens >= 1.0
        self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return allowed


class SharedSlots:
    """The bot's overall rate, shared by every process: send slots (wall-clock moments, epoch
    seconds) reserved from feedback_api's rate bucket for the platforms in `channels`.

    A per-process bucket lets N processes send N × the limit; here each process asks the one
    bucket for the slots of the messages it is about to send, and sends each no earlier than
    its slot. A slot not used (the message was handed back) is simply lost: the rate may be
    under-used, never exceeded. Channels not listed (the web chat) are not paced.

    A slot is used only on time: one already more than LATE seconds in the past (this process
    was busy, or a send before it was slow) is dropped and a fresh one reserved, because
    late sends bunch up with punctual ones and a one-second window at the platform would hold
    more than the rate. What lateness remains (≤ LATE, and the network's jitter) is what
    LANGNGHE_BROADCAST_RATE_SAFETY's margin absorbs.
    """

    def __init__(
        self,
        reserve: Callable[[str, int], Awaitable[list[float]]],
        channels: Iterable[str] = ("telegram", "zalo"),
        wall: Callable[[], float] = time.time,
        pause_all: Callable[[str, float], Awaitable[object]] | None = None,
    ):
        self._reserve = reserve
        self._pause_all = pause_all
        self.channels = frozenset(channels)
        self._wall = wall
        self._slots: dict[str, deque[float]] = {}
        self._spares: dict[str, deque[float]] = {}  # reserved by `turns`, not used yet
        self._refilling: dict[str, asyncio.Future[bool]] = {}  # `turns`' round trip

    def paces(self, channel: str) -> bool:
        return channel in self.channels

    async def fill(self, channel: str, count: int) -> None:
        """Hold `count` more slots for `channel` (one round trip to the shared bucket)."""
        if count > 0 and self.paces(channel):
            self._slots.setdefault(channel, deque()).extend(await self._reserve(channel, count))

    def held(self, channel: str) -> int:
        return len(self._slots.get(channel, ()))

    def delay(self, channel: str) -> float | None:
        """Seconds until the next held slot (0: now); None when no slot is held (or all the
        held ones are too late to use)."""
        if not self.paces(channel):
            return 0.0
        slots = self._slots.get(channel)
        now = self._wall()
        while slots and slots[0] < now - LATE:
            slots.popleft()
        if not slots:
            return None
        return _delay(slots[0] - now)

    def take(self, channel: str) -> None:
        if self.paces(channel):
            self._slots[channel].popleft()

    def pause(self, channel: str, seconds: float) -> None:
        """A 429: slots falling within the pause are dropped (new ones are reserved later)."""
        until = self._wall() + seconds
        for held in (self._slots.get(channel), self._spares.get(channel)):
            while held and held[0] < until:
                held.popleft()

    async def pause_everywhere(self, channel: str, seconds: float) -> None:
        """A 429: this process drops the slots within the pause, and the shared bucket pauses
        every other process (best effort: a failure only leaves them to meet their own 429)."""
        self.pause(channel, seconds)
        if self._pause_all is None or not self.paces(channel):
            return
        try:
            await self._pause_all(channel, seconds)
        except Exception as error:
            log.warning("could not pause the shared send rate: %r", error)

    def clear(self) -> None:
        self._slots.clear()
        self._spares.clear()

    async def turns(self, channel: str, count: int) -> AsyncIterator[None]:
        """For a caller sending `count` messages itself, one after the other (the replies to
        one update): yields once per message, at its slot; a slot woken too late is replaced.
        When the shared bucket cannot be reached the messages go unpaced: a reply now beats a
        perfect rate.

        Slots are reserved TURN_BATCH at a time and the spare ones kept for the next replies
        of this process: one round trip to the shared bucket per batch, not per update. A spare
        slot nobody uses in time is dropped: the rate may be under-used, never exceeded."""
        for _index in range(count):
            late, refills = 0, 0
            while late < 3 and refills < MAX_REFILLS:
                moment = self._spare_slot(channel)
                if moment is None:
                    refills += 1
                    if not await self._refill_spares(channel, count):
                        break  # unpaced (no shared bucket) or nothing granted
                    continue  # this batch's slots, unless others took them all first
                if await sleep_until(moment, self._wall):
                    break
                late += 1
            yield

    async def _refill_spares(self, channel: str, count: int) -> bool:
        """One round trip at a time per channel: callers that run out together wait for the
        same batch (a burst of updates would otherwise each reserve one, wasting most of the
        slots and queueing on the bucket's lock). False when nothing could be reserved."""
        refill = self._refilling.get(channel)
        if refill is None:
            refill = asyncio.ensure_future(self._reserve_spares(channel, max(count, TURN_BATCH)))
            self._refilling[channel] = refill
        return await asyncio.shield(refill)

    async def _reserve_spares(self, channel: str, count: int) -> bool:
        try:
            reserved = await self._reserve_or_none(channel, count)
            self._spares.setdefault(channel, deque()).extend(reserved)
            return bool(reserved)
        finally:
            del self._refilling[channel]

    def _spare_slot(self, channel: str) -> float | None:
        """The earliest spare slot still usable (no more than LATE past), taken."""
        spares = self._spares.get(channel)
        now = self._wall()
        while spares and spares[0] < now - LATE:
            spares.popleft()
        return spares.popleft() if spares else None

    async def _reserve_or_none(self, channel: str, count: int) -> list[float]:
        if count <= 0 or not self.paces(channel):
            return []
        try:
            return await self._reserve(channel, count)
        except Exception as error:
            log.warning("shared send rate unreachable, sending unpaced: %r", error)
            return []


async def sleep_until(moment: float, wall: Callable[[], float] = time.time) -> bool:
    """Wait for a wall-clock moment (epoch seconds), if it lies ahead. True when woken on time
    (no more than LATE after it)."""
    wait = moment - wall()
    if wait > EPSILON:
        await asyncio.sleep(wait)
    return wall() - moment <= LATE
