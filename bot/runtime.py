"""The bot side's composition root: builds every collaborator from settings, once, and runs the
background loops (outbound sender, Telegram retries) for the lifetime of the server."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

import httpx
from fastapi import FastAPI

from bot.broadcast_runtime import BroadcastDelivery
from bot.channels.telegram import TelegramChannel
from bot.channels.telegram_updates import UpdateLog
from bot.channels.webchat import WebChat
from bot.channels.zalo import ZaloChannel
from bot.channels.zalo_setup import build_zalo, seed_zalo_tokens
from bot.channels.zalo_tokens import NoTokens
from bot.contacts import ContactRegistry
from bot.pending import PendingSubmissions
from bot.ratelimit import SharedSlots
from bot.sender import Sender
from bot.settings import BotSettings
from bot.state import SqlStateStore
from bot.storage import make_bot_engine
from faq.assistant import Faq
from feedback_api.client import FeedbackClient
from handlers.engine import Engine
from handlers.flows.common import Deps, Limits
from handlers.knowledge import LiveFaq

log = logging.getLogger(__name__)


def _put_webhook_in_front(app: FastAPI, channel: TelegramChannel) -> None:
    """The Telegram webhook is served before every middleware of the officer site (FastAPI's
    own error, telemetry and body-limit layers included): an update is one small POST that
    needs none of them, at hundreds a second. Starlette builds its middleware stack on the
    first request through `build_middleware_stack`; wrapping that keeps the app a FastAPI
    app (tests, lifespan, routes) and adds nothing for any other path."""
    build = app.build_middleware_stack
    app.build_middleware_stack = lambda: channel.asgi_middleware(build())


@dataclass
class BotRuntime:
    settings: BotSettings
    client: FeedbackClient
    engine: Engine
    contacts: ContactRegistry
    webchat: WebChat
    telegram: TelegramChannel | None
    sender: Sender
    broadcasts: BroadcastDelivery
    pending: PendingSubmissions
    faq: LiveFaq
    zalo: ZaloChannel | None = None
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task] = field(default_factory=list)

    @classmethod
    def build(
        cls,
        settings: BotSettings,
        client: FeedbackClient,
        *,
        faq: Faq | None = None,
        zalo_transport: httpx.AsyncBaseTransport | None = None,
    ) -> BotRuntime:
        db = make_bot_engine(settings.resolved_bot_database_url)
        contacts = ContactRegistry(db)
        files: dict = {}
        channels: dict = {}  # filled below; the queue and the sender share it
        # The flows hand over here what the API cannot take now.
        pending = PendingSubmissions(
            db,
            api=client,
            contacts=contacts,
            channels=channels,
            files=files,
            max_backoff=settings.pending_submission_max_backoff_seconds,
        )
        # The shipped YAML answers until the live base (officers' approved edits) is loaded.
        live = LiveFaq(
            faq or Faq.from_directory(),
            client,
            check_seconds=settings.knowledge_check_seconds,
            wait_seconds=settings.knowledge_wait_seconds,
        )
        release: dict = {}
        deps = Deps(
            faq=live,
            api=client,
            citizen_refs=contacts.citizen_ref,
            files=files,
            release=release,
            limits=Limits(
                max_photo_bytes=settings.max_photo_bytes,
                max_media_bytes=settings.max_media_bytes,
            ),
            queue=pending,
            refresh_faq=live.refresh_if_due,
        )
        engine = Engine(deps, SqlStateStore(db))
        webchat = WebChat(
            engine=engine,
            db=db,
            upload_dir=settings.data_dir / "webchat-uploads",
            secure_cookies=settings.cookie_secure,
            secret=settings.secret_key,
            contacts=contacts,
            idle_hours=settings.webchat_idle_hours,
        )
        files["web"] = webchat.fetch
        release["web"] = webchat.release
        channels["web"] = webchat
        # The bot's overall send rate (Telegram's 30 msg/s, Zalo's), shared by every process
        # through the database: the sender, the replies to updates and campaigns draw on it.
        rate = (
            SharedSlots(
                lambda channel, count: client.send_slots(channel=channel, count=count),
                pause_all=lambda channel, seconds: client.pause_sending(
                    channel=channel, seconds=seconds
                ),
            )
            if settings.shared_send_rate
            else None
        )
        telegram = None
        if settings.telegram_token.get_secret_value():
            telegram = TelegramChannel(
                token=settings.telegram_token.get_secret_value(),
                engine=engine,
                updates=UpdateLog(db, retention_days=settings.telegram_update_retention_days),
                contacts=contacts,
                webhook_secret=settings.telegram_webhook_secret.get_secret_value(),
                base_url=settings.telegram_api_url or None,
                base_file_url=settings.telegram_file_url or None,
                max_file_bytes=max(settings.max_photo_bytes, settings.max_media_bytes),
                rate=rate,
            )
            files["telegram"] = telegram.fetch
            channels["telegram"] = telegram
        zalo = None
        if settings.zalo_enabled:
            zalo = build_zalo(
                settings, engine, db, client, contacts, transport=zalo_transport, rate=rate
            )
            files["zalo"] = zalo.fetch
            channels["zalo"] = zalo
        sender = Sender(
            client,
            contacts,
            channels,
            global_per_second=settings.sender_per_second,
            blocked_hold_seconds=settings.sender_blocked_hold_seconds,
            shared=rate,
        )
        broadcasts = BroadcastDelivery.build(settings, client, contacts, webchat, zalo)
        return cls(
            settings,
            client,
            engine,
            contacts,
            webchat,
            telegram,
            sender,
            broadcasts,
            pending,
            live,
            zalo,
        )

    def mount(self, app: FastAPI) -> None:
        app.include_router(self.webchat.router)
        if self.telegram is not None:
            app.include_router(self.telegram.router)
            _put_webhook_in_front(app, self.telegram)
        if self.zalo is not None:
            app.include_router(self.zalo.router)

    async def start(self, *, poll_telegram: bool = False) -> None:
        self._stop.clear()
        await self.faq.refresh()  # the first citizen already gets the live knowledge base
        if self.telegram is not None:
            await self.telegram.start(
                webhook_url=None if poll_telegram else self.settings.webhook_url
            )
            self._tasks.append(asyncio.create_task(self._retry_telegram()))
            if poll_telegram:
                self._tasks.append(asyncio.create_task(self.telegram.poll(self._stop)))
        if self.zalo is not None:
            self._tasks.append(asyncio.create_task(self._keep_zalo()))
        self._tasks.append(
            asyncio.create_task(
                self.pending.run_forever(
                    self._stop, every=self.settings.pending_submission_retry_seconds
                )
            )
        )
        self._tasks.append(
            asyncio.create_task(
                self.sender.run_forever(self._stop, idle_seconds=self.settings.sender_idle_seconds)
            )
        )
        if self.settings.broadcast_worker_in_server:
            await self.broadcasts.start(self._stop, self._tasks)

    async def start_delivery_only(self) -> None:
        """`langnghe worker`: the outbox sender and the broadcast worker, no webhook/polling."""
        self._stop.clear()
        if self.telegram is not None:
            await self.telegram.start(webhook_url=None)
        self._tasks.append(
            asyncio.create_task(
                self.sender.run_forever(self._stop, idle_seconds=self.settings.sender_idle_seconds)
            )
        )
        await self.broadcasts.start(self._stop, self._tasks)

    async def stop(self) -> None:
        self._stop.set()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        if self.telegram is not None:
            await self.telegram.wait_idle()
            await self.telegram.stop()
        await self.broadcasts.close()
        if self.zalo is not None:
            await self.zalo.stop()
        await self.client.aclose()

    async def _retry_telegram(self) -> None:
        """Updates whose handling failed are retried from their record, not left to Telegram."""
        while not self._stop.is_set():
            try:
                await self.telegram.retry_pending()
                await self.telegram.updates.prune()
            except Exception:  # keep retrying; each failure is recorded
                log.exception("telegram retry pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.settings.telegram_retry_seconds)

    async def _keep_zalo(self) -> None:
        """Zalo: first tokens from the environment, then a pass every few seconds that refreshes
        the token ahead of expiry, retries failed events from their record and prunes old ones."""
        await seed_zalo_tokens(self.settings, self.zalo)
        while not self._stop.is_set():
            try:
                await self.zalo.retry_pending()
                await self.zalo.events.run(self.zalo.events.prune)
                await self.zalo.tokens.ensure_fresh()
            except NoTokens as error:  # recorded (and shown to officers) by the keeper
                log.debug("Zalo tokens not usable yet: %s", error)
            except Exception:  # keep going; each failure is recorded
                log.exception("Zalo upkeep pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.settings.zalo_retry_seconds)
