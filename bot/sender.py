"""The sender: delivers feedback_api's outbox (officers' replies, status notices) to citizens.

Each message says what to tell the citizen as an intent (a key of handlers/texts.py) with its
parameters; the sender renders the words at send time (`render`).

It leases a batch, resolves each opaque citizen reference to a chat through the contact
registry (feedback_api never knows chat ids), delivers within each platform's limits and acks
every message with its outcome. A channel with rules of its own (Zalo: the consultation window,
quotas) is asked `admit` first; a message its rules forbid is acked "failed" with the reason
("skipped: outside_window …"), so it is counted and never sent in breach. Progress lives in
the outbox, not in this process: a crash only lets the leases expire, and the messages are
handed out again.

One scheduler per batch decides what may go now: the bot's overall rate and one message per
second per chat. Sends to different chats run concurrently (at most one in flight per chat,
so each chat keeps its order); the scheduler alone waits, for the earliest moment something
becomes sendable, never at a fixed pace.

Several processes: with `shared` (what the server and `langnghe worker` use), the overall rate
comes from send slots reserved in the database's rate bucket — the one campaigns use — so
Telegram's and Zalo's limits hold for all processes together; the outbox hands one citizen's
messages to one sender at a time and not within a second of the last one sent, so the per-chat
spacing holds across processes too. Without it (unit tests), a local token bucket paces this
process alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import httpx

from bot.channels.base import DeliveryError, OutboundChannel
from bot.contacts import Contact, ContactRegistry
from bot.ratelimit import PER_CHAT_INTERVAL, ChatSpacing, SharedSlots, TokenBucket
from feedback_api.client import FeedbackApiError, FeedbackClient
from feedback_api.outbox.schemas import LeasedMessage
from handlers.events import OutboundMessage
from handlers.texts import t

log = logging.getLogger(__name__)

ACK_MARGIN = 5.0  # seconds kept at the end of a lease to ack before it expires
MAX_RETRY_AFTER = 86_400.0  # the outbox API's bound on retry_after

Chat = tuple[str, str]  # (channel, external_id)


def render(message: LeasedMessage) -> str:
    """The words the citizen reads: the outbox carries an intent (a catalogue key) and its
    parameters, rendered here, at send time, through the one text catalogue."""
    if not message.intent:
        return message.text
    return t(message.intent, **message.params)


@dataclass
class _Job:
    message: LeasedMessage
    contact: Contact
    retried: bool = False  # one inline resend after a short 429, then back to the outbox


class Sender:
    def __init__(
        self,
        client: FeedbackClient,
        contacts: ContactRegistry,
        channels: Mapping[str, OutboundChannel],
        *,
        global_per_second: float = 25.0,
        per_chat_interval: float = PER_CHAT_INTERVAL,
        batch: int = 50,
        lease_seconds: int = 60,
        max_inline_wait: float = 20.0,
        blocked_hold_seconds: float = 900.0,
        shared: SharedSlots | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ):
        self._client = client
        self._contacts = contacts
        self._channels = channels
        self._batch = batch
        self._lease_seconds = lease_seconds
        self._max_inline_wait = max_inline_wait
        self._blocked_hold = blocked_hold_seconds
        self._clock = clock
        self._sleep = sleep
        # Both outlive a batch, so back-to-back batches stay within the limits too.
        self._bucket = TokenBucket(global_per_second, clock)
        self._spacing = ChatSpacing(per_chat_interval, clock)
        self._shared = shared

    async def run_forever(self, stop: asyncio.Event, idle_seconds: float = 2.0) -> None:
        """Deliver until `stop` is set. It polls only when idle: a full batch is followed at once
        by the next, and pacing comes from the limits, not from sleeps between sends."""
        while not stop.is_set():
            try:
                handled = await self.run_once()
            except (httpx.HTTPError, FeedbackApiError) as error:
                log.warning("outbox unreachable, retrying in %ss: %s", idle_seconds, error)
                handled = 0
            except Exception:  # a sender that dies quietly is worse than one that logs and waits
                log.exception("sender batch failed, retrying in %ss", idle_seconds)
                handled = 0
            if handled == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), idle_seconds)

    async def run_once(self) -> int:
        """Lease one batch and ack every message in it; returns how many were leased."""
        self._spacing.prune()
        leased = await self._client.lease_outbox(
            limit=self._batch, lease_seconds=self._lease_seconds
        )
        deadline = self._clock() + self._lease_seconds - ACK_MARGIN
        queues: dict[Chat, deque[_Job]] = {}
        for message in leased.data:
            contact = await self._contacts.aresolve(message.citizen_ref)
            if contact is None:
                await self._ack(message, "failed", "unknown citizen reference")
            elif contact.blocked:
                await self._blocked(message)
            elif contact.channel not in self._channels:  # misconfigured: keep it for later
                await self._ack(message, "retry", f"no channel {contact.channel!r} configured")
            else:
                chat = (contact.channel, contact.external_id)
                queues.setdefault(chat, deque()).append(_Job(message, contact))
        if self._shared is not None:
            wanted: dict[str, int] = {}
            for (channel, _chat), jobs in queues.items():
                wanted[channel] = wanted.get(channel, 0) + len(jobs)
            for channel, count in wanted.items():
                await self._shared.fill(channel, count)
        try:
            await self._deliver(queues, deadline)
        finally:
            if self._shared is not None:
                self._shared.clear()  # unused slots are lost: under the rate, never over
        return len(leased.data)

    async def _rate_delay(self, channel: str, queues: dict[Chat, deque[_Job]]) -> float:
        """Seconds until the overall rate lets one more message go out on `channel`."""
        if self._shared is None:
            return self._bucket.delay()
        delay = self._shared.delay(channel)
        if delay is None:  # slots used up (a resend after a 429) or too late: fresh ones
            waiting = sum(len(jobs) for (name, _chat), jobs in queues.items() if name == channel)
            await self._shared.fill(channel, max(1, waiting))
            delay = self._shared.delay(channel) or 0.0
        return delay

    def _rate_take(self, channel: str) -> None:
        if self._shared is None:
            self._bucket.take()
        else:
            self._shared.take(channel)

    async def _rate_pause(self, channel: str, seconds: float) -> None:
        if self._shared is None:
            self._bucket.pause(seconds)
        else:
            await self._shared.pause_everywhere(channel, seconds)

    async def _deliver(self, queues: dict[Chat, deque[_Job]], deadline: float) -> None:
        """Start every send that the limits allow now, then wait for the earliest of: a send
        finishing, or the next moment a chat or the bucket frees up."""
        busy: dict[asyncio.Task[None], Chat] = {}
        try:
            while queues or busy:
                now, wake = self._clock(), math.inf
                for chat in list(queues):
                    if chat in busy.values():
                        continue
                    wait = max(self._spacing.delay(chat), await self._rate_delay(chat[0], queues))
                    if wait > self._max_inline_wait or now + wait > deadline:
                        await self._hand_back(queues.pop(chat), wait)
                    elif wait > 0:
                        wake = min(wake, now + wait)
                    else:
                        self._rate_take(chat[0])
                        self._spacing.sent(chat)
                        job = queues[chat].popleft()
                        if not queues[chat]:
                            del queues[chat]
                        busy[asyncio.create_task(self._attempt(job, queues))] = chat
                if not busy:
                    if wake < math.inf:
                        await self._sleep(wake - now)
                    continue
                waiters: set[asyncio.Future] = set(busy)
                if wake < math.inf:
                    waiters.add(asyncio.ensure_future(self._sleep(wake - now)))
                done, pending = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    busy.pop(task, None)
                for waiter in pending - set(busy):
                    waiter.cancel()
        finally:  # cancelled mid-batch: unacked leases simply expire and are handed out again
            for task in busy:
                task.cancel()

    async def _attempt(self, job: _Job, queues: dict[Chat, deque[_Job]]) -> None:
        """Send one message and ack the outcome. Never raises: one bad message must not stop
        the batch. A short 429 puts the job back at the front of its chat's queue."""
        chat = (job.contact.channel, job.contact.external_id)
        message = job.message
        channel = self._channels[job.contact.channel]
        try:
            outbound = OutboundMessage(text=render(message))
        except (KeyError, IndexError, ValueError) as error:  # a newer server's intent, say
            log.error("cannot render outbox message %s (%s): %r", message.id, message.intent, error)
            await self._ack(message, "retry", f"cannot render {message.intent!r}: {error!r}")
            return
        try:
            # A channel with rules of its own (Zalo's window and quotas) is asked first.
            admit = getattr(channel, "admit", None)
            refusal = None
            if admit is not None:
                refusal = await admit(job.contact.external_id, outbound, purpose=message.purpose)
            if refusal is not None:
                await self._refused(message, refusal)
                return
            await channel.send(job.contact.external_id, outbound)
            # The platform stamps a message when the request reaches it, which can be well
            # after we started it (a busy loop, a slow connection): the next message to this
            # chat waits a full interval from the answer, never from the start.
            self._spacing.sent(chat)
        except DeliveryError as error:
            if error.skipped:  # the platform's rules forbid it: recorded, never retried
                await self._ack(message, "failed", f"skipped: {error.skipped} ({error})")
            elif error.blocked:
                await self._contacts.aset_blocked(message.citizen_ref)
                await self._blocked(message, str(error))
                for later in queues.pop(chat, ()):  # the rest for this chat is undeliverable
                    await self._blocked(later.message)
            elif error.retry_after is not None:
                # Telegram does not say whether a 429 is about this chat or the whole bot,
                # so the chat and the bucket both hold for retry_after.
                self._spacing.hold(chat, error.retry_after)
                await self._rate_pause(chat[0], error.retry_after)
                if job.retried or error.retry_after > self._max_inline_wait:
                    await self._ack(message, "retry", str(error), retry_after=error.retry_after)
                else:
                    log.info("429 for message %s: resending in %ss", message.id, error.retry_after)
                    job.retried = True
                    queues.setdefault(chat, deque()).appendleft(job)
            else:
                log.warning("delivery of message %s failed: %s", message.id, error)
                await self._ack(message, "retry", str(error))
        except Exception as error:  # a bug in an adapter: the outbox backs off, then gives up
            log.exception("unexpected error delivering message %s", message.id)
            await self._ack(message, "retry", f"{type(error).__name__}: {error}")
        else:
            await self._ack(message, "sent")

    async def _blocked(
        self, message: LeasedMessage, error: str = "the citizen blocked the bot"
    ) -> None:
        """Blocked: a broadcast ends there; a reply is held, and reaches the citizen if they
        unblock the bot (or write again) before the outbox's attempts run out."""
        hold = None if message.purpose == "broadcast" else self._blocked_hold
        await self._ack(message, "blocked", error, retry_after=hold)

    async def _refused(self, message: LeasedMessage, refusal) -> None:
        """Not now (`retry_after`: a quota for today) or not at all (outside the window, a
        type a broadcast may not use): the reason is recorded with the outcome."""
        if refusal.retry_after is not None:
            await self._ack(message, "retry", str(refusal), retry_after=refusal.retry_after)
        else:
            await self._ack(message, "failed", str(refusal))

    async def _hand_back(self, jobs: deque[_Job], wait: float) -> None:
        """The chat (or the whole bot) may not send again within this lease: return its
        messages, in order, to the outbox for when the wait is over."""
        for job in jobs:
            await self._ack(job.message, "retry", f"rate limited for {wait:.1f}s", retry_after=wait)

    async def _ack(
        self,
        message: LeasedMessage,
        outcome: str,
        error: str | None = None,
        *,
        retry_after: float | None = None,
    ) -> None:
        """Record an outcome. A failed ack is logged, not raised: the lease expires and the
        message is handed out again (a rare duplicate beats a lost reply)."""
        if retry_after is not None:
            retry_after = min(max(retry_after, 0.0), MAX_RETRY_AFTER)
        try:
            result = await self._client.ack_outbox(
                message.id,
                lease_token=message.lease_token,
                outcome=outcome,
                error=error[:500] if error else None,
                retry_after=retry_after,
            )
        except Exception:
            log.exception("could not ack message %s as %s", message.id, outcome)
            return
        if not result.accepted:
            log.warning("ack of message %s as %s refused: its lease expired", message.id, outcome)
