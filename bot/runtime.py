"""The bot side's composition root: builds every collaborator from settings, once, and runs the
background loops (outbound sender, Telegram retries) for the lifetime of the server."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from fastapi import FastAPI

from bot.channels.telegram import TelegramChannel
from bot.channels.telegram_updates import UpdateLog
from bot.channels.webchat import WebChat
from bot.contacts import ContactRegistry
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


@dataclass
class BotRuntime:
    settings: BotSettings
    client: FeedbackClient
    engine: Engine
    contacts: ContactRegistry
    webchat: WebChat
    telegram: TelegramChannel | None
    sender: Sender
    faq: LiveFaq
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task] = field(default_factory=list)

    @classmethod
    def build(
        cls, settings: BotSettings, client: FeedbackClient, *, faq: Faq | None = None
    ) -> BotRuntime:
        db = make_bot_engine(settings.resolved_bot_database_url)
        contacts = ContactRegistry(db)
        files: dict = {}
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
            limits=Limits(max_photo_bytes=settings.max_photo_bytes),
            refresh_faq=live.refresh_if_due,
        )
        engine = Engine(deps, SqlStateStore(db))
        webchat = WebChat(
            engine=engine,
            db=db,
            upload_dir=settings.data_dir / "webchat-uploads",
            secure_cookies=settings.cookie_secure,
            secret=settings.secret_key,
        )
        files["web"] = webchat.fetch
        release["web"] = webchat.release
        channels: dict = {"web": webchat}
        telegram = None
        if settings.telegram_token:
            telegram = TelegramChannel(
                token=settings.telegram_token,
                engine=engine,
                updates=UpdateLog(db),
                webhook_secret=settings.telegram_webhook_secret,
                base_url=settings.telegram_api_url or None,
                base_file_url=settings.telegram_file_url or None,
                max_file_bytes=settings.max_photo_bytes,
            )
            files["telegram"] = telegram.fetch
            channels["telegram"] = telegram
        sender = Sender(client, contacts, channels, global_per_second=settings.sender_per_second)
        return cls(settings, client, engine, contacts, webchat, telegram, sender, live)

    def mount(self, app: FastAPI) -> None:
        app.include_router(self.webchat.router)
        if self.telegram is not None:
            app.include_router(self.telegram.router)

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
        self._tasks.append(
            asyncio.create_task(
                self.sender.run_forever(self._stop, idle_seconds=self.settings.sender_idle_seconds)
            )
        )

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
        await self.client.aclose()

    async def _retry_telegram(self) -> None:
        """Updates whose handling failed are retried from their record, not left to Telegram."""
        while not self._stop.is_set():
            try:
                await self.telegram.retry_pending()
            except Exception:  # keep retrying; each failure is recorded
                log.exception("telegram retry pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.settings.telegram_retry_seconds)
