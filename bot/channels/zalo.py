"""The Zalo Official Account channel: webhook served by our own ASGI app, the same engine as
every channel, and delivery for the outbound sender within Zalo's rules.

Webhook: each POST /zalo/webhook is authenticated (X-ZEvent-Signature, fresh timestamp;
bot/channels/zalo_events.py), recorded durably under its key (message.msg_id), answered 200 at
once, and processed in the background, one event at a time per citizen. A resent or replayed
event finds its key recorded and is not processed again; a failed one is retried from the
record.

Delivery: text (2,000-character pieces), buttons as OA templates with the numbered fallback,
images uploaded then sent as media templates. Zalo's answers map to the sender's outcomes:
invalid or expired token (-216, -220) → refresh once and retry; unfollowed, blocked, banned or
inactive (-213, -217, -227) → `blocked` (unsubscribed); outside the consultation window (-230,
-232) → `skipped` with the reason, never retried; a message type Zalo refuses (-233, -244) →
a template is resent as numbered text, anything else `skipped` (type_not_allowed); rate limit
(-32) → back off. Anonymous visitors are answered in their conversation through the v2.0
message endpoint (bot/channels/zalo_api.py), in text. Before a queued message goes out, the
sender asks `admit` (bot/channels/zalo_rules.py) whether Zalo's rules allow it now.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

import httpx
from fastapi import APIRouter, Request, Response

from bot.channels.base import DeliveryError
from bot.channels.zalo_api import (
    OUTSIDE_WINDOW,
    RATE_LIMITED,
    TOKEN_INVALID,
    TYPE_REFUSED,
    UNREACHABLE_USER,
    ZaloApi,
    ZaloApiError,
)
from bot.channels.zalo_events import (
    CHANNEL,
    Rejected,
    Verified,
    anonymous,
    recipient,
    to_event,
    verify,
)
from bot.channels.zalo_log import EventRecord, ZaloEventLog
from bot.channels.zalo_render import BUTTON_PREFIX, kind_of, media, render
from bot.channels.zalo_rules import OUTSIDE_WINDOW as OUTSIDE_WINDOW_REASON
from bot.channels.zalo_rules import TYPE_NOT_ALLOWED, Refusal, ZaloRules
from bot.channels.zalo_tokens import NoTokens, TokenKeeper
from bot.contacts import ContactRegistry
from bot.ratelimit import SharedSlots
from handlers.engine import Engine
from handlers.events import EventKind, FileRef, InboundEvent, OutboundMessage

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-ZEvent-Signature"
MAX_BODY_BYTES = 64 * 1024  # an event is a few hundred bytes; files come by URL
RATE_LIMIT_BACKOFF = 60.0  # seconds; Zalo's -32 carries no retry-after
STALE_BUTTON = "x:stale"  # a pressed button that is no longer offered


def _now_ms() -> int:
    return int(time.time() * 1000)


class ZaloChannel:
    """Zalo for the engine (replies), the sender (delivery) and the tip flow (files)."""

    name = CHANNEL

    def __init__(
        self,
        *,
        engine: Engine,
        events: ZaloEventLog,
        api: ZaloApi,
        tokens: TokenKeeper,
        contacts: ContactRegistry,
        rules: ZaloRules,
        app_id: str,
        oa_secret_key: str,
        max_age_seconds: float = 300.0,
        max_file_bytes: int = 10 * 1024 * 1024,
        now_ms: Callable[[], int] = _now_ms,
        rate: SharedSlots | None = None,
    ):
        self.engine = engine
        self.events = events
        self.api = api
        self.tokens = tokens
        self.contacts = contacts
        self.rules = rules
        self._app_id = app_id
        self._secret = oa_secret_key
        self._max_age = max_age_seconds
        self.max_file_bytes = max_file_bytes
        self._now_ms = now_ms
        self.rate = rate  # the OA's overall rate, shared with every other process
        self._tasks: set[asyncio.Task] = set()
        self._chat_locks: dict[str, asyncio.Lock] = {}
        self._lock_users: dict[str, int] = {}
        self._queued: set[str] = set()

    # -- webhook ---------------------------------------------------------------------------------

    @property
    def router(self) -> APIRouter:
        router = APIRouter(include_in_schema=False)
        router.add_api_route("/zalo/webhook", self.webhook, methods=["POST"])
        return router

    async def webhook(self, request: Request) -> Response:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            return Response(status_code=413)
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return Response(status_code=413)
        try:
            verified = verify(
                body,
                request.headers.get(SIGNATURE_HEADER),
                app_id=self._app_id,
                oa_secret_key=self._secret,
                now_ms=self._now_ms(),
                max_age_seconds=self._max_age,
            )
        except Rejected as error:
            log.warning("Zalo webhook rejected: %s", error)
            return Response(status_code=401)
        fresh = await self.events.run(
            self.events.record, verified.key, verified.chat_id, verified.payload
        )
        if fresh:
            self._queued.add(verified.key)
            self._spawn(self.process(verified.key, verified.chat_id))
        return Response(status_code=200)  # answered at once; resends are no-ops

    def _spawn(self, coroutine) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def wait_idle(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        with contextlib.suppress(Exception):
            await self.wait_idle()
        await self.api.aclose()

    # -- processing ------------------------------------------------------------------------------

    async def process(self, key: str, chat_id: str | None) -> bool:
        """Process one recorded event, then the events of its citizen waiting behind it (in
        this process or received by another); True when the first is done."""
        lock_key = chat_id or ""
        lock = self._chat_locks.setdefault(lock_key, asyncio.Lock())
        self._lock_users[lock_key] = self._lock_users.get(lock_key, 0) + 1
        self._queued.add(key)
        try:
            async with lock:
                first = await self._process(key)
                while chat_id is not None:
                    following = await self.events.run(self.events.claim_next, chat_id)
                    if following is None:
                        break
                    await self._process(following.key, following)
                return first
        finally:
            self._queued.discard(key)
            self._lock_users[lock_key] -= 1
            if not self._lock_users[lock_key]:
                del self._lock_users[lock_key], self._chat_locks[lock_key]

    async def _process(self, key: str, record: EventRecord | None = None) -> bool:
        record = record or await self.events.run(self.events.claim, key)
        if record is None:
            return False
        try:
            replies = record.replies
            if replies is None:
                messages = await self.handle(Verified(record.payload, key, record.chat_id))
                replies = [m.to_json() for m in messages]
                await self.events.run(self.events.handled, key, replies)
            await self._deliver_replies(key, record.chat_id, replies, record.sent)
            return True
        except Exception as error:  # recorded and retried from the record
            log.warning("Zalo event %s failed: %r", key, error)
            await self.events.run(self.events.failed, key, repr(error))
            return False

    async def retry_pending(self) -> int:
        done = 0
        for key, chat_id in await self.events.run(self.events.retryable):
            if key not in self._queued:
                done += await self.process(key, chat_id)
        return done

    async def handle(self, verified: Verified) -> list[OutboundMessage]:
        """The engine's answer to one event; contacts and the window are kept up to date."""
        chat_id = verified.chat_id
        name = str(verified.payload.get("event_name", ""))
        if chat_id is None:
            return []
        if name == "unfollow":  # unsubscribed: nothing more is sent until they return
            await self.contacts.block(CHANNEL, chat_id)
            return []
        event = to_event(verified)
        if event is None:
            return []
        await self.contacts.seen(CHANNEL, chat_id)  # reachable again, as on Telegram
        await self.rules.touched(chat_id)
        event = await self._resolve_button(event)
        return await self.engine.handle(event)

    async def _resolve_button(self, event: InboundEvent) -> InboundEvent:
        """A template button comes back as the text "#<data>": a press only if that choice is
        on offer now (a citizen can type anything; a stale button must not act)."""
        if event.kind != EventKind.TEXT or not event.text.startswith(BUTTON_PREFIX):
            return event
        state, _version = await self.engine.store.load(CHANNEL, event.chat_id)
        data = event.text[len(BUTTON_PREFIX) :]
        return InboundEvent(
            event.channel,
            event.chat_id,
            EventKind.BUTTON,
            data=data if data in state.choices else STALE_BUTTON,
            event_id=event.event_id,
        )

    async def _deliver_replies(
        self, key: str, chat_id: str | None, replies: list[dict], already_sent: int
    ) -> None:
        count = len(replies) - already_sent
        turns = self.rate.turns(CHANNEL, count) if self.rate and chat_id is not None else None
        for index in range(already_sent, len(replies)):
            if chat_id is not None:
                if turns is not None:
                    await anext(turns)  # this reply's send slot in the OA's shared rate
                try:
                    await self.send(chat_id, OutboundMessage.from_json(replies[index]))
                except DeliveryError as error:
                    if not (error.blocked or error.skipped):
                        raise  # transient: retried from the record
                    log.info("reply to a Zalo citizen not delivered: %s", error)
                    break  # they unfollowed (or cannot be written to): nothing more to send
            if index + 1 < len(replies):
                await self.events.run(self.events.sent, key, index + 1)
        await self.events.run(self.events.done, key, len(replies))

    # -- delivery (OutboundChannel) --------------------------------------------------------------

    async def admit(
        self, chat_id: str, message: OutboundMessage, *, purpose: str
    ) -> Refusal | None:
        """Zalo's rules, asked by the sender before a queued message goes out."""
        return await self.rules.admit(chat_id, kind_of(message), purpose=purpose)

    async def send(self, chat_id: str, message: OutboundMessage) -> None:
        """Choices as an OA button template where Zalo allows one (not to anonymous visitors,
        whose conversation takes text, images, files and stickers); a template Zalo refuses
        (-233, -244) is sent again as numbered text, which every citizen can answer."""
        for piece in render(message, allow_template=not anonymous(chat_id)):
            try:
                await self._post(chat_id, piece)
            except DeliveryError as error:
                if error.skipped != TYPE_NOT_ALLOWED or "attachment" not in piece:
                    raise
                log.info("Zalo refused a button template (%s): numbered text instead", error)
                numbered = OutboundMessage(piece["text"], message.buttons)
                for fallback in render(numbered, allow_template=False):
                    await self._post(chat_id, fallback)

    async def send_image(self, chat_id: str, content: bytes, *, caption: str = "") -> None:
        """Upload the image, then send it as a media template (with the caption before it)."""
        if caption:
            await self.send(chat_id, OutboundMessage(caption))
        attachment_id = await self._with_token(
            lambda token: self.api.upload_image(token, content, "anh.jpg")
        )
        await self._post(chat_id, media(attachment_id))

    async def _post(self, chat_id: str, message: dict) -> None:
        body = {"recipient": recipient(chat_id), "message": message}
        await self._with_token(lambda token: self.api.send(token, body))

    async def _with_token(self, call):
        """Run one API call; a rejected token is refreshed once and the call retried."""
        try:
            token = await self.tokens.access_token()
            try:
                return await call(token)
            except ZaloApiError as error:
                if error.code not in TOKEN_INVALID:
                    raise
                log.info("Zalo rejected the access token (%s): refreshing once", error.code)
                return await call(await self.tokens.after_rejection(token))
        except ZaloApiError as error:
            raise _delivery_error(error) from error
        except NoTokens as error:
            raise DeliveryError(f"no usable Zalo token: {error}") from error
        except httpx.HTTPError as error:
            raise DeliveryError(f"Zalo unreachable: {error!r}") from error

    async def fetch(self, ref: FileRef) -> bytes:
        """Download a file the citizen sent (from Zalo's media hosts only), refusing big ones."""
        if ref.size and ref.size > self.max_file_bytes:
            raise ValueError("file too large")
        return await self.api.download(ref.channel_file_id, self.max_file_bytes)


def _delivery_error(error: ZaloApiError) -> DeliveryError:
    if error.code in UNREACHABLE_USER:
        return DeliveryError(str(error), blocked=True)
    if error.code in OUTSIDE_WINDOW:
        return DeliveryError(str(error), skipped=OUTSIDE_WINDOW_REASON)
    if error.code in TYPE_REFUSED:
        return DeliveryError(str(error), skipped=TYPE_NOT_ALLOWED)
    if error.code in RATE_LIMITED:
        return DeliveryError(str(error), retry_after=RATE_LIMIT_BACKOFF)
    return DeliveryError(str(error))
