"""The broadcast worker: delivers campaign messages to subscribers at the bot's overall rate,
sharing the work and the rate with any number of other worker processes.

Loop: claim a batch of deliveries (a lease), resolve each citizen reference to a chat through
the contact registry, then *step*: one round trip that reports finished sends and asks to start
the next ones. The server starts a delivery only when the shared token bucket grants a token
and the worker has fewer than `max_in_flight` sends open; it marks them `sending` (committed)
before the worker sends anything. So:

- nothing is sent twice in normal operation: a delivery is sent only after the server moved it
  to `sending` for this lease, and it never leaves `sending` except with its outcome;
- a crash loses nothing: unstarted deliveries go back to the queue when the lease expires;
- the crash window is at most `max_in_flight` (10) deliveries in `sending`: sendMessage has no
  idempotency key, so whether those reached the citizen is unknowable. They are marked
  "unknown", reported, and never re-sent (a missed message beats a duplicate propaganda
  message). A read timeout or dropped connection mid-request is treated the same way.

Pacing comes from the server's bucket (`wait`) and from the platform's 429 `retry_after`; the
worker only waits for the earliest of: a token, a send finishing. Replies to individual
citizens (the outbox sender) debit the same bucket first, so they keep priority.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import httpx

from bot.broadcast_render import AmbiguousDelivery, BroadcastChannel
from bot.channels.base import DeliveryError
from bot.contacts import Contact, ContactRegistry
from bot.ratelimit import PER_CHAT_INTERVAL, ChatSpacing
from feedback_api.broadcasts.schemas import Claim, Content, DeliveryOutcome, LeasedDelivery
from feedback_api.client import FeedbackApiError, FeedbackClient

log = logging.getLogger(__name__)

MAX_IN_FLIGHT = 10  # the crash window: sends whose outcome a crash would leave "unknown"
# How far (in spacings) a late send may let the next one catch up. Measured against the fake
# enforcing 30/s on a loaded 2-core machine: 0.2–0.5 recovered the time lost to late wake-ups
# but arrival jitter then pushed 31 sends into some one-second window (a 429 costs a whole
# second of sending for every worker). With 0, every wake-up's lateness was lost for good: the
# event loop rounds its timers up to the next millisecond (epoll), about 1 ms per send, 0.937
# of the limit on an idle machine. 0.06 (2 ms at 30/s) absorbs that rounding; as a GCRA
# tolerance below one spacing it leaves the bound on any one-second window unchanged.
PACER_TOLERANCE = 0.06
IMAGE_CACHE = 8


@dataclass
class _Job:
    delivery: LeasedDelivery
    contact: Contact


class BroadcastWorker:
    def __init__(
        self,
        client: FeedbackClient,
        contacts: ContactRegistry,
        channels: Mapping[str, BroadcastChannel],
        *,
        batch: int = 200,
        lease_seconds: int = 60,
        max_in_flight: int = MAX_IN_FLIGHT,
        per_chat_interval: float = PER_CHAT_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ):
        self._client = client
        self._contacts = contacts
        self._channels = channels
        self._batch = batch
        self._lease_seconds = lease_seconds
        self._max_in_flight = max_in_flight
        self._clock = clock
        self._wall = wall  # send slots are wall-clock moments shared by every process
        self._sleep = sleep
        self._hold_until = 0.0  # a 429 seen here: nothing leaves this process before then
        # Slots are evenly spaced, but a busy event loop wakes late sends together. A local
        # GCRA pacer (a theoretical arrival time, `_tat`, see PACER_TOLERANCE) keeps this
        # worker's sends at least (1 - tolerance)/rate apart, so no one-second window at the
        # platform gets more than rate × (1 s + tolerance/rate) + 1 sends.
        self._pacer = asyncio.Lock()
        self._tat = 0.0
        self._spacing_s = 0.0
        self._prefetched: asyncio.Task | None = None
        self._spacing = ChatSpacing(per_chat_interval, clock)
        self._images: OrderedDict[int, bytes] = OrderedDict()

    async def run_forever(self, stop: asyncio.Event, idle_seconds: float = 1.0) -> None:
        try:
            while not stop.is_set():
                try:
                    handled = await self.run_once(stop, prefetch=True)
                except (httpx.HTTPError, FeedbackApiError) as error:
                    log.warning("broadcast API unreachable, retry in %ss: %s", idle_seconds, error)
                    handled = 0
                except Exception:  # log and keep going: leases expire, nothing is lost
                    log.exception("broadcast batch failed, retrying in %ss", idle_seconds)
                    handled = 0
                if handled == 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), idle_seconds)
        finally:
            if self._prefetched is not None:  # its rows go back to the queue when it expires
                with contextlib.suppress(Exception):
                    await self._prefetched
                self._prefetched = None

    async def _claim(self) -> tuple[Claim, dict[str, Contact]]:
        claim = await self._client.broadcast_claim(
            limit=self._batch, lease_seconds=self._lease_seconds
        )
        refs = sorted({d.citizen_ref for d in claim.deliveries})
        contacts = await self._contacts.aresolve_many(refs) if refs else {}
        return claim, contacts

    async def _next_claim(self) -> tuple[Claim, dict[str, Contact]]:
        prefetched, self._prefetched = self._prefetched, None
        if prefetched is not None:
            try:
                return await prefetched
            except (httpx.HTTPError, FeedbackApiError) as error:
                log.warning("prefetched claim failed, claiming again: %s", error)
        return await self._claim()

    async def run_once(self, stop: asyncio.Event | None = None, *, prefetch: bool = False) -> int:
        """Claim one batch and see it through; returns how many deliveries it held.

        With `prefetch` (the long-running loop), the next batch is claimed while the last sends
        of this one are in flight, so the pipe stays full across batches instead of idling
        through a claim (housekeeping included) at every batch boundary. Its lease simply
        expires if the worker stops before using it."""
        claim, contacts = await self._next_claim()
        if not claim.deliveries or claim.lease_token is None:
            return 0
        queue: deque[_Job] = deque()
        outcomes: list[DeliveryOutcome] = []
        for delivery in claim.deliveries:
            contact = contacts.get(delivery.citizen_ref)
            if contact is None or contact.channel not in self._channels:
                reason = "no chat for this citizen" if contact is None else "channel not served"
                outcomes.append(DeliveryOutcome(id=delivery.id, outcome="failed", error=reason))
            elif contact.blocked:
                outcomes.append(DeliveryOutcome(id=delivery.id, outcome="blocked"))
            else:
                queue.append(_Job(delivery, contact))
        await self._work(claim.lease_token, claim.contents, queue, outcomes, stop, prefetch)
        return len(claim.deliveries)

    def _next_ids(self, queue: deque[_Job], room: int) -> tuple[list[int], float]:
        """Up to `room` deliveries whose chat may receive now; else how long until one may."""
        ready, soonest = [], float("inf")
        for job in queue:
            if len(ready) >= room:
                break
            delay = self._spacing.delay((job.contact.channel, job.contact.external_id))
            if delay <= 0:
                ready.append(job.delivery.id)
            else:
                soonest = min(soonest, delay)
        return ready, (0.0 if ready else soonest)

    async def _work(
        self,
        token: str,
        contents: Mapping[int, Content],
        queue: deque[_Job],
        outcomes: list[DeliveryOutcome],
        stop: asyncio.Event | None,
        prefetch: bool = False,
    ) -> None:
        jobs = {job.delivery.id: job for job in queue}
        busy: set[asyncio.Task] = set()
        renew_at = self._clock() + self._lease_seconds / 3
        try:
            while queue or busy or outcomes:
                busy = {task for task in busy if not task.done()}
                stopping = stop is not None and stop.is_set()
                if stopping and queue:
                    queue.clear()  # unstarted: the lease expires and another worker takes them
                if (
                    prefetch
                    and not stopping
                    and self._prefetched is None
                    and len(queue) <= self._batch // 2
                ):
                    self._prefetched = asyncio.create_task(self._claim())
                room = self._max_in_flight - len(busy)
                renew = self._clock() >= renew_at
                batching = self._spacing_s < 0.01  # above 100/s, round trips are the limit
                half = max(1, self._max_in_flight // 2)
                if batching and busy and queue and room < half and not renew:
                    # Step again once half the window is free: one round trip per ~5 sends.
                    # (Below 100/s every free place is refilled at once, to keep slots reserved
                    # ahead of the next round trip.)
                    done, _ = await asyncio.wait(busy, return_when=asyncio.FIRST_COMPLETED)
                    busy -= done
                    continue
                want, spacing_wait = self._next_ids(queue, room) if room > 0 else ([], 0.0)
                wait = 0.0
                if want or outcomes or renew:
                    reported, outcomes[:] = list(outcomes), []
                    result = await self._client.broadcast_step(
                        lease_token=token,
                        outcomes=reported,
                        start=want,
                        renew_seconds=self._lease_seconds if renew else None,
                        lease_seconds=self._lease_seconds,
                    )
                    if renew:
                        renew_at = self._clock() + self._lease_seconds / 3
                    gone = set(result.started) | set(result.dropped)
                    if gone:
                        for job in [j for j in queue if j.delivery.id in gone]:
                            queue.remove(job)
                    self._spacing_s = result.spacing
                    slots = result.send_at or [0.0] * len(result.started)
                    for delivery_id, send_at in zip(result.started, slots, strict=True):
                        job = jobs[delivery_id]
                        self._spacing.sent((job.contact.channel, job.contact.external_id))
                        content = contents[job.delivery.broadcast_id]
                        task = self._attempt(job, content, outcomes, send_at)
                        busy.add(asyncio.create_task(task))
                    if len(gone) < len(want):  # no token yet (or no room): wait for one
                        wait = max(result.wait, 0.001)
                elif queue and room > 0:
                    wait = spacing_wait if spacing_wait != float("inf") else 0.05
                if not queue and not busy:
                    continue  # flush the last outcomes, then stop
                full = len(busy) >= self._max_in_flight
                if busy and (full or not queue or wait > 0):
                    timeout = None if (full or not queue) else wait
                    done, _ = await asyncio.wait(
                        busy, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
                    )
                    busy -= done
                elif wait > 0:
                    await self._sleep(wait)
        finally:
            for task in busy:  # cancelled: those stay `sending` and end "unknown"
                task.cancel()

    async def _image(self, broadcast_id: int) -> bytes:
        if broadcast_id not in self._images:
            self._images[broadcast_id] = await self._client.broadcast_image(broadcast_id)
            while len(self._images) > IMAGE_CACHE:
                self._images.popitem(last=False)
        return self._images[broadcast_id]

    async def _attempt(
        self, job: _Job, content: Content, outcomes: list[DeliveryOutcome], send_at: float
    ) -> None:
        """Wait for the send slot, send once and note the outcome; never raises (one bad chat
        must not stop a batch)."""
        delivery = job.delivery
        channel = self._channels[job.contact.channel]
        async with self._pacer:  # FIFO, and slots come in order: sends leave in slot order
            tolerance = self._spacing_s * PACER_TOLERANCE
            while (
                delay := max(send_at, self._tat - tolerance, self._hold_until) - self._wall()
            ) > 0:
                await self._sleep(delay)
            self._tat = max(self._tat, self._wall()) + self._spacing_s
        try:
            await channel.deliver(
                job.contact.external_id, content, test=delivery.test, image=self._image
            )
        except AmbiguousDelivery as error:
            outcome = DeliveryOutcome(id=delivery.id, outcome="unknown", error=str(error)[:300])
        except DeliveryError as error:
            if error.skipped:  # the platform's rules forbid it (Zalo's window): never retried
                outcome = DeliveryOutcome(id=delivery.id, outcome="skipped", error=str(error)[:300])
            elif error.blocked:
                await self._contacts.aset_blocked(delivery.citizen_ref)
                outcome = DeliveryOutcome(id=delivery.id, outcome="blocked", error=str(error)[:300])
            elif error.retry_after is not None and not getattr(channel, "shares_rate_bucket", True):
                outcome = DeliveryOutcome(  # this channel's own wait: only this delivery waits
                    id=delivery.id,
                    outcome="retry",
                    error=str(error)[:300],
                    retry_after=min(error.retry_after, 86_400),
                )
            elif error.retry_after is not None:
                self._spacing.hold(
                    (job.contact.channel, job.contact.external_id), error.retry_after
                )
                self._hold_until = max(self._hold_until, self._wall() + error.retry_after)
                outcome = DeliveryOutcome(
                    id=delivery.id,
                    outcome="rate_limited",
                    error=str(error)[:300],
                    retry_after=min(error.retry_after, 86_400),
                )
            else:
                outcome = DeliveryOutcome(id=delivery.id, outcome="retry", error=str(error)[:300])
        except Exception as error:  # an adapter bug: treat as ambiguous, never re-send
            log.exception("unexpected error delivering broadcast delivery %s", delivery.id)
            outcome = DeliveryOutcome(
                id=delivery.id, outcome="unknown", error=f"{type(error).__name__}: {error}"[:300]
            )
        else:
            outcome = DeliveryOutcome(id=delivery.id, outcome="sent")
        outcomes.append(outcome)
