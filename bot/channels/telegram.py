"""The Telegram channel (python-telegram-bot 22): webhook served by our own ASGI app, polling
for development, rendering, file downloads, and delivery for the outbound sender.

Webhook requests are authenticated by the X-Telegram-Bot-Api-Secret-Token header (compared in
constant time), recorded durably, answered 200 at once, and fed to the PTB Application in the
background; the record makes each update run exactly once and lets failed ones be retried.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import secrets
import warnings
from contextlib import suppress

from fastapi import APIRouter, Request, Response
from telegram import Bot, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler
from telegram.warnings import PTBDeprecationWarning

from bot.channels.base import DeliveryError
from bot.channels.telegram_format import send_arguments, to_event
from bot.channels.telegram_updates import UpdateLog, chat_of
from handlers.engine import Engine
from handlers.events import Button, FileRef, OutboundMessage

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_REPLY_WAIT = 30.0


def retry_after_seconds(error: RetryAfter) -> float:
    """Read RetryAfter's wait as seconds, whichever type this PTB version returns."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def _message_to_json(message: OutboundMessage) -> dict:
    return {
        "text": message.text,
        "request_location": message.request_location,
        "buttons": [[[b.label, b.data] for b in row] for row in message.buttons],
        "title": message.title,
    }


def _message_from_json(raw: dict) -> OutboundMessage:
    return OutboundMessage(
        raw["text"],
        tuple(tuple(Button(label, data) for label, data in row) for row in raw["buttons"]),
        raw.get("request_location", False),
        raw.get("title", ""),
    )


class TelegramChannel:
    """Telegram for the engine (replies), the sender (delivery) and the tip flow (files)."""

    name = "telegram"

    def __init__(
        self,
        *,
        token: str,
        engine: Engine,
        updates: UpdateLog,
        webhook_secret: str = "",
        base_url: str | None = None,
        base_file_url: str | None = None,
        max_file_bytes: int = 20 * 1024 * 1024,
    ):
        builder: ApplicationBuilder = Application.builder().token(token)
        if base_url:
            builder = builder.base_url(base_url)
        if base_file_url:
            builder = builder.base_file_url(base_file_url)
        self.application: Application = builder.updater(None).build()
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.application.add_error_handler(self._on_error)
        self.engine = engine
        self.updates = updates
        self.webhook_secret = webhook_secret
        self.max_file_bytes = max_file_bytes
        self._errors: dict[int, BaseException] = {}
        self._tasks: set[asyncio.Task] = set()
        # One update at a time per chat, in arrival order (asyncio.Lock is FIFO), so a quick
        # double press cannot overtake the press before it.
        self._chat_locks: dict[str, asyncio.Lock] = {}
        self._lock_users: dict[str, int] = {}
        self._delivered: dict[int, bool] = {}
        # Updates queued or running in this process: the retry pass leaves them to their own
        # task, or it would run them outside their chat's lock, ahead of earlier updates.
        self._queued: set[int] = set()

    @property
    def bot(self) -> Bot:
        return self.application.bot

    # -- lifecycle -------------------------------------------------------------------------------

    async def start(self, *, webhook_url: str | None = None) -> None:
        await self.application.initialize()
        await self.application.start()
        if webhook_url:
            await self.bot.set_webhook(
                webhook_url,
                secret_token=self.webhook_secret or None,
                allowed_updates=["message", "callback_query"],
            )

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        with suppress(Exception):
            await self.application.stop()
            await self.application.shutdown()

    # -- webhook ---------------------------------------------------------------------------------

    @property
    def router(self) -> APIRouter:
        router = APIRouter(include_in_schema=False)
        router.add_api_route("/telegram/webhook", self.webhook, methods=["POST"])
        return router

    async def webhook(self, request: Request) -> Response:
        supplied = request.headers.get(SECRET_HEADER, "")
        if not self.webhook_secret or not secrets.compare_digest(
            supplied.encode(), self.webhook_secret.encode()
        ):
            return Response(status_code=403)
        try:
            payload = await request.json()
            update_id = int(payload["update_id"])
        except (ValueError, KeyError, TypeError):
            return Response(status_code=400)
        if self.updates.record(payload):
            self._queued.add(update_id)
            self._spawn(self.process(update_id, chat_of(payload)))
        return Response(status_code=200)  # answered at once; redeliveries are no-ops

    def _spawn(self, coroutine) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def wait_idle(self) -> None:
        """Wait for background processing (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # -- processing ------------------------------------------------------------------------------

    async def process(self, update_id: int, chat_id: str | None = None) -> bool:
        """Process one recorded update if this process can claim it; True when done."""
        key = chat_id or ""
        lock = self._chat_locks.setdefault(key, asyncio.Lock())
        self._lock_users[key] = self._lock_users.get(key, 0) + 1
        self._queued.add(update_id)
        try:
            async with lock:
                return await self._process(update_id)
        finally:
            self._queued.discard(update_id)
            self._lock_users[key] -= 1
            if not self._lock_users[key]:  # nobody holds or awaits it: forget the chat's lock
                del self._lock_users[key], self._chat_locks[key]

    async def _process(self, update_id: int) -> bool:
        record = self.updates.claim(update_id)
        if record is None:
            return False
        try:
            if record.replies is None:
                update = Update.de_json(record.payload, self.bot)
                await self.application.process_update(update)
                error = self._errors.pop(update_id, None)
                if error is not None:
                    raise error
                return self._delivered.pop(update_id, False)
            await self._deliver_replies(update_id, record.payload, record.replies, record.sent)
            return True
        except Exception as exc:  # recorded and retried from the record
            log.warning("telegram update %s failed: %r", update_id, exc)
            self.updates.failed(update_id, repr(exc))
            return False

    async def retry_pending(self) -> int:
        done = 0
        for update_id, chat_id in self.updates.retryable():
            if update_id not in self._queued:  # a queued one runs in its own turn
                done += await self.process(update_id, chat_id)
        return done

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """PTB handler: the engine's answer is stored before it is sent."""
        if update.callback_query is not None:
            await self._acknowledge_button(update)
        event = to_event(update)
        replies = [] if event is None else await self.engine.handle(event)
        raw = [_message_to_json(m) for m in replies]
        self.updates.handled(update.update_id, raw)
        await self._deliver_replies(update.update_id, update.to_dict(), raw, 0)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if isinstance(update, Update) and context.error is not None:
            self._errors[update.update_id] = context.error

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
        self, update_id: int, payload: dict, replies: list[dict], already_sent: int
    ) -> None:
        chat_id = chat_of(payload)
        for index in range(already_sent, len(replies)):
            if chat_id is not None:
                await self._send_with_retry(chat_id, _message_from_json(replies[index]))
            if index + 1 < len(replies):
                self.updates.sent(update_id, index + 1)
        self.updates.done(update_id, sent=len(replies))
        self._delivered[update_id] = True

    async def _send_with_retry(self, chat_id: str, message: OutboundMessage) -> None:
        """A reply to the citizen who just wrote: wait out a short 429 rather than drop it."""
        for _attempt in range(3):
            try:
                await self.send(chat_id, message)
                return
            except DeliveryError as error:
                if error.blocked or error.retry_after is None:
                    raise
                if error.retry_after > MAX_REPLY_WAIT:
                    raise
                await asyncio.sleep(error.retry_after)
        await self.send(chat_id, message)

    # -- delivery (OutboundChannel) and files ---------------------------------------------------

    async def send(self, chat_id: str, message: OutboundMessage) -> None:
        try:
            for arguments in send_arguments(chat_id, message):
                await self.bot.send_message(**arguments)
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
                    offset=offset, timeout=timeout, allowed_updates=["message", "callback_query"]
                )
            except RetryAfter as error:
                await asyncio.sleep(retry_after_seconds(error))
                continue
            except NetworkError:
                await asyncio.sleep(2)
                continue
            for update in updates:
                offset = update.update_id + 1
                if self.updates.record(update.to_dict()):
                    await self.process(update.update_id, chat_of(update.to_dict()))
