"""The Telegram channel (python-telegram-bot 22): webhook served by our own ASGI app, polling
for development, rendering, file downloads, and delivery for the outbound sender.

Webhook requests are authenticated by the X-Telegram-Bot-Api-Secret-Token header (compared in
constant time), recorded durably, answered 200 at once, and handled in the background; the
record makes each update run exactly once and lets failed ones be retried.

PTB is used for what it is good at — the Bot API over HTTP (`Bot`) and parsing updates
(`Update.de_json`) — and the parsed update goes straight to the engine: no Application, no
handler dispatch, no results passed around in dicts.

Only private chats are served: updates from groups, supergroups and channels, button presses on
messages in them, and messages written by bots are recorded and ignored. `my_chat_member` tells
us when a citizen blocks or unblocks the bot; any message from a blocked chat unblocks it too.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import secrets
import warnings
from contextlib import suppress

from fastapi import APIRouter, Request, Response
from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.channels.base import DeliveryError
from bot.channels.telegram_format import MAX_MESSAGE_CHARS, send_arguments, to_event
from bot.channels.telegram_updates import CLAIMED, UPDATE_KINDS, UpdateLog, UpdateRecord, chat_of
from bot.contacts import ContactRegistry
from bot.ratelimit import SharedSlots
from bot.telegram_http import ReplyBot
from handlers.engine import Engine
from handlers.events import FileRef, OutboundMessage
from handlers.texts import t

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET_HEADER_RAW = SECRET_HEADER.lower().encode()
WEBHOOK_PATH = "/telegram/webhook"
FINISH_DELAY = 0.25  # seconds a "done" mark waits to share one write with others
MAX_WEBHOOK_BODY = 1024 * 1024  # an update is a few KB; Telegram's own cap is far below this
MAX_REPLY_WAIT = 30.0
MAX_INT = 2**63  # Telegram's integers fit in 64 bits; anything larger is not from Telegram
ALLOWED_UPDATES = list(UPDATE_KINDS)
DONE, SETTLED, SKIPPED = "done", "settled", "skipped"  # how an update's turn ended


def retry_after_seconds(error: RetryAfter) -> float:
    """Read RetryAfter's wait as seconds, whichever type this PTB version returns."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def _in_range(value: object, depth: int = 0) -> bool:
    """Every integer in the update fits in 64 bits (and the nesting is sane)."""
    if depth > 32:
        return False
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return -MAX_INT <= value < MAX_INT
    if isinstance(value, dict):
        return all(_in_range(v, depth + 1) for v in value.values())
    if isinstance(value, list):
        return all(_in_range(v, depth + 1) for v in value)
    return True


def coalesce(replies: list[OutboundMessage]) -> list[OutboundMessage]:
    """Fewer Telegram messages for the same words: a reply without buttons is joined to the
    next one (the welcome and the menu; an answer and "was this helpful?"), when the next has
    no title of its own and both fit in one message. One notification for the citizen, one
    Bot API call less for us."""
    merged: list[OutboundMessage] = []
    for reply in replies:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and not previous.buttons
            and not previous.request_location
            and not reply.title
            and len(previous.plain_text()) + 2 + len(reply.text) <= MAX_MESSAGE_CHARS - 64
        ):
            merged[-1] = OutboundMessage(
                previous.text + "\n\n" + reply.text,
                reply.buttons,
                reply.request_location,
                previous.title,
            )
        else:
            merged.append(reply)
    return merged


class TelegramChannel:
    """Telegram for the engine (replies), the sender (delivery) and the tip flow (files)."""

    name = "telegram"

    def __init__(
        self,
        *,
        token: str,
        engine: Engine,
        updates: UpdateLog,
        contacts: ContactRegistry,
        webhook_secret: str = "",
        base_url: str | None = None,
        base_file_url: str | None = None,
        max_file_bytes: int = 20 * 1024 * 1024,
        rate: SharedSlots | None = None,
    ):
        options = {"base_url": base_url} if base_url else {}
        options |= {"base_file_url": base_file_url} if base_file_url else {}
        # PTB's Bot for HTTP and lifecycle (on aiohttp, bot.telegram_http)
        self.bot = ReplyBot(token, **options)
        self.engine = engine
        self.updates = updates
        self.contacts = contacts
        self.webhook_secret = webhook_secret
        self.max_file_bytes = max_file_bytes
        self.rate = rate  # the bot's overall rate, shared with every other process
        self.unreadable = 0  # updates PTB could not parse (answered when their chat is known)
        self._tasks: set[asyncio.Task] = set()
        # One update at a time per chat, in arrival order (asyncio.Lock is FIFO), so a quick
        # double press cannot overtake the press before it.
        self._chat_locks: dict[str, asyncio.Lock] = {}
        self._lock_users: dict[str, int] = {}
        # Updates queued or running in this process: the retry pass leaves them to their own
        # task, or it would run them outside their chat's lock, ahead of earlier updates.
        self._queued: set[int] = set()
        self._finished: list[int] = []
        self._flush_scheduled = False

    # -- lifecycle -------------------------------------------------------------------------------

    async def start(self, *, webhook_url: str | None = None) -> None:
        await self.bot.initialize()
        if webhook_url:
            await self.bot.set_webhook(
                webhook_url,
                secret_token=self.webhook_secret or None,
                allowed_updates=ALLOWED_UPDATES,
            )

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        with suppress(Exception):
            await self.bot.shutdown()

    # -- webhook ---------------------------------------------------------------------------------

    @property
    def router(self) -> APIRouter:
        router = APIRouter(include_in_schema=False)
        router.add_api_route(WEBHOOK_PATH, self.webhook, methods=["POST"])
        return router

    async def webhook(self, request: Request) -> Response:
        status = await self.answer(request.headers.get(SECRET_HEADER, ""), await request.body())
        return Response(status_code=status)

    async def answer(self, supplied_secret: str, body: bytes) -> int:
        """The webhook's decision for one POST: 403 wrong secret, 400 not a Telegram update,
        200 recorded (answered at once; handled in the background; redeliveries are no-ops)."""
        if not self.webhook_secret or not secrets.compare_digest(
            supplied_secret.encode(), self.webhook_secret.encode()
        ):
            return 403
        try:
            payload = json.loads(body)
            update_id = payload["update_id"]
        except (ValueError, KeyError, TypeError, RecursionError):  # nested past reason: refused
            return 400
        if type(update_id) is not int or not 0 <= update_id < MAX_INT or not _in_range(payload):
            return 400
        await self.receive(payload)
        return 200

    def asgi_middleware(self, app):
        """A pure ASGI front for the webhook path, outermost in the server: a Telegram update
        is one small POST, and it need not pay for the officer site's middleware and routing.
        Everything else goes to `app` untouched."""
        channel = self

        async def middleware(scope, receive, send):
            if scope["type"] != "http" or scope["path"] != WEBHOOK_PATH:
                await app(scope, receive, send)
                return
            status = 405
            if scope["method"] == "POST":
                body, more = b"", True
                while more and len(body) <= MAX_WEBHOOK_BODY:
                    message = await receive()
                    body += message.get("body", b"")
                    more = message.get("more_body", False)
                secret = ""
                for name, value in scope["headers"]:
                    if name == SECRET_HEADER_RAW:
                        secret = value.decode("latin-1")
                status = 413 if more else await channel.answer(secret, body)
            await send({"type": "http.response.start", "status": status,
                        "headers": [(b"content-length", b"0")]})  # fmt: skip
            await send({"type": "http.response.body", "body": b""})

        return middleware

    async def receive(self, payload: dict) -> None:
        """Record an update (stored claimed: one write) and handle it in the background. One
        queued behind an earlier update of its chat is handled by whoever finishes that one,
        in this process or another."""
        if await self.updates.record(payload, claim=True) == CLAIMED:
            update_id = payload["update_id"]
            self._queued.add(update_id)
            self._spawn(self.process(update_id, chat_of(payload), payload=payload))

    def _spawn(self, coroutine) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def wait_idle(self) -> None:
        """Wait for background processing (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # -- processing ------------------------------------------------------------------------------

    async def process(
        self, update_id: int, chat_id: str | None = None, *, payload: dict | None = None
    ) -> bool:
        """Process one recorded update, then the updates of its chat queued behind it; True
        when the first is done. `payload`: the caller has just recorded it already claimed;
        otherwise this process claims it from the record."""
        key = chat_id or f"update:{update_id}"
        lock = self._chat_locks.setdefault(key, asyncio.Lock())
        self._lock_users[key] = self._lock_users.get(key, 0) + 1
        self._queued.add(update_id)
        try:
            async with lock:
                outcome = await self._process(update_id, payload)
                if chat_id is None:
                    if outcome == DONE:
                        self._finish(update_id)
                    return outcome == DONE
                first, following = outcome, None
                while outcome != SKIPPED:  # this one had its turn: the chat's next one, if any
                    following = await self.updates.finish(update_id, chat_id, done=outcome == DONE)
                    if following is None:
                        break
                    update_id = following.update_id
                    self._queued.add(update_id)
                    outcome = await self._process(update_id, None, following)
                    self._queued.discard(update_id)
                return first == DONE
        finally:
            self._queued.discard(update_id)
            self._lock_users[key] -= 1
            if not self._lock_users[key]:  # nobody holds or awaits it: forget the chat's lock
                del self._lock_users[key], self._chat_locks[key]

    async def _process(
        self, update_id: int, payload: dict | None, record: UpdateRecord | None = None
    ) -> str:
        """DONE (replies sent; not marked yet), SETTLED (marked failed or quarantined), or
        SKIPPED (not claimable here: done, claimed elsewhere, or waiting for its turn)."""
        try:
            if payload is None:
                record = record or await self.updates.claim(update_id)
                if record is None:
                    return SKIPPED
                if record.replies is not None:  # answered before: only send what is left
                    await self._deliver_replies(
                        update_id, record.chat_id, record.replies, record.sent
                    )
                    return DONE
                payload = record.payload
            saved: list[list[dict]] = []
            replies, note = await self._handle(update_id, payload, saved)
            raw = saved[-1] if saved else [reply.to_json() for reply in coalesce(replies)]
            if raw and not saved:  # stored before sent: a crash re-sends, never re-runs
                await self.updates.handled(update_id, raw)
            await self._deliver_replies(update_id, chat_of(payload), raw, 0)
            if note.startswith("unreadable"):
                await self.updates.quarantine(update_id, note)
                return SETTLED
            return DONE
        except Exception as exc:  # recorded and retried from the record, or quarantined
            log.warning("telegram update %s failed: %r", update_id, exc)
            with suppress(Exception):
                await self.updates.failed(update_id, repr(exc))
            return SETTLED

    async def _handle(
        self, update_id: int, payload: dict, saved: list[list[dict]]
    ) -> tuple[list[OutboundMessage], str]:
        """The engine's answer to one update; the note says why an update was not answered.
        The replies the engine produces are stored with its state, in one transaction (their
        JSON appended to `saved`)."""
        try:
            update = Update.de_json(payload, self.bot)
        except Exception as exc:  # a shape the pinned PTB does not know: say so, never drop
            self.unreadable += 1
            log.warning("telegram update %s could not be parsed: %r", update_id, exc)
            answer = [OutboundMessage(t("unreadable"))] if chat_of(payload) else []
            return answer, f"unreadable: {exc!r}"[:500]
        if update.my_chat_member is not None:
            await self._on_member_change(update)
            return [], "membership"
        event = to_event(update)
        if event is None:
            return [], "ignored"
        unblock = await self.contacts.seen_within(event.channel, event.chat_id)
        if update.callback_query is not None:
            await self._acknowledge_button(update)

        def save_with(messages: list[OutboundMessage]):
            raw = [reply.to_json() for reply in coalesce(messages)]
            saved.append(raw)

            def also(connection) -> None:
                self.updates.handled_in(connection, update_id, raw)
                if unblock is not None:  # the citizen wrote: reachable again (same transaction)
                    unblock(connection)

            return also

        return await self.engine.handle(event, save_with=save_with), ""

    async def _on_member_change(self, update: Update) -> None:
        """The citizen blocked (kicked) or unblocked the bot in their private chat."""
        change = update.my_chat_member
        if change.chat.type != "private":
            return
        status = change.new_chat_member.status
        if status in ("kicked", "left"):
            await self.contacts.block("telegram", str(change.chat.id))
        elif status == "member":
            await self.contacts.seen("telegram", str(change.chat.id))

    async def retry_pending(self) -> int:
        """One pass over unfinished records. Never raises for one record: each failure is
        recorded on that record (and quarantined after MAX_ATTEMPTS)."""
        done = 0
        for update_id, chat_id in await self.updates.retryable():
            if update_id in self._queued:  # a queued one runs in its own turn
                continue
            try:
                done += await self.process(update_id, chat_id)
            except Exception as exc:
                log.exception("retry of telegram update %s failed", update_id)
                with suppress(Exception):
                    await self.updates.quarantine(update_id, f"retry failed: {exc!r}")
        return done

    async def _acknowledge_button(self, update: Update) -> None:
        """Stop the spinner and remove the pressed keyboard, so it cannot be pressed twice."""
        query = update.callback_query
        with suppress(TelegramError):
            await query.answer()
        if query.message is not None:
            with suppress(TelegramError):
                await self.bot.edit_message_reply_markup(
                    chat_id=query.message.chat.id,
                    message_id=query.message.message_id,
                    reply_markup=None,
                )

    async def _deliver_replies(
        self,
        update_id: int,
        chat_id: str | None,
        replies: list[dict],
        already_sent: int,
    ) -> None:
        """Send the replies not sent yet, each in a send slot of the bot's shared rate."""
        if chat_id is None:
            return
        count = len(replies) - already_sent
        turns = self.rate.turns(self.name, count) if self.rate is not None else None
        for index in range(already_sent, len(replies)):
            if turns is not None:
                await anext(turns)  # this reply's send slot in the bot's shared rate
            await self._send_with_retry(chat_id, OutboundMessage.from_json(replies[index]))
            if index + 1 < len(replies):
                await self.updates.sent(update_id, index + 1)

    def _finish(self, update_id: int) -> None:
        """Mark done in batches: one write for all updates finished within FINISH_DELAY. A
        crash before the write only re-sends those replies (as a crash just after sending
        always could); nothing is lost or handled twice."""
        self._finished.append(update_id)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self._spawn(self._flush_finished())

    async def _flush_finished(self) -> None:
        await asyncio.sleep(FINISH_DELAY)
        self._flush_scheduled = False
        batch, self._finished = self._finished, []
        if batch:
            await self.updates.done_many(batch)

    async def _send_with_retry(self, chat_id: str, message: OutboundMessage) -> None:
        """A reply to the citizen who just wrote: wait out a short 429 rather than drop it."""
        for _attempt in range(3):
            try:
                await self.send(chat_id, message)
                return
            except DeliveryError as error:
                if error.blocked:
                    await self.contacts.block("telegram", chat_id)
                    return  # nobody to answer: the reply is dropped with the update
                if error.retry_after is None or error.retry_after > MAX_REPLY_WAIT:
                    raise
                if self.rate is not None:  # every process holds, not just this one
                    await self.rate.pause_everywhere(self.name, error.retry_after)
                await asyncio.sleep(error.retry_after)
        await self.send(chat_id, message)

    # -- delivery (OutboundChannel) and files ---------------------------------------------------

    async def send(self, chat_id: str, message: OutboundMessage) -> None:
        try:
            for arguments in send_arguments(chat_id, message):
                await self.bot.call("sendMessage", arguments)
        except RetryAfter as error:
            raise DeliveryError("rate limited", retry_after=retry_after_seconds(error)) from error
        except Forbidden as error:
            raise DeliveryError(str(error), blocked=True) from error
        except (BadRequest, NetworkError, TelegramError) as error:
            raise DeliveryError(str(error)) from error

    async def fetch(self, ref: FileRef) -> bytes:
        """Download a file the citizen sent (getFile + download), refusing oversize ones."""
        file = await self.bot.get_file(ref.channel_file_id)
        if file.file_size and file.file_size > self.max_file_bytes:
            raise ValueError("file too large")
        return bytes(await file.download_as_bytearray())

    # -- polling (development) -------------------------------------------------------------------

    async def poll(self, stop: asyncio.Event, *, timeout: int = 20) -> None:
        """Long-poll getUpdates and feed each update through the same durable record."""
        await self.bot.delete_webhook()
        offset = None
        while not stop.is_set():
            try:
                updates = await self.bot.get_updates(
                    offset=offset, timeout=timeout, allowed_updates=ALLOWED_UPDATES
                )
            except RetryAfter as error:
                await asyncio.sleep(retry_after_seconds(error))
                continue
            except NetworkError:
                await asyncio.sleep(2)
                continue
            for update in updates:
                offset = update.update_id + 1
                payload = update.to_dict()
                if await self.updates.record(payload, claim=True) == CLAIMED:
                    await self.process(update.update_id, chat_of(payload), payload=payload)
