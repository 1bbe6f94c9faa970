"""Builds the broadcast worker from the bot's settings: a Telegram bot of its own (a connection
pool sized to the in-flight window), the web chat as a plain channel, Zalo through its channel
and rules when it is switched on, and the worker loop."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from telegram import Bot

from bot.broadcast_render import (
    BroadcastChannel,
    PlainBroadcast,
    TelegramBroadcast,
    ZaloBroadcast,
)
from bot.broadcast_worker import MAX_IN_FLIGHT, BroadcastWorker
from bot.contacts import ContactRegistry
from bot.settings import BotSettings
from bot.telegram_http import AiohttpRequest
from feedback_api.client import FeedbackClient

TELEGRAM_API = "https://api.telegram.org/bot"


@dataclass
class BroadcastDelivery:
    settings: BotSettings
    worker: BroadcastWorker
    bot: Bot | None

    @classmethod
    def build(
        cls,
        settings: BotSettings,
        client: FeedbackClient,
        contacts: ContactRegistry,
        webchat,
        zalo=None,
    ) -> BroadcastDelivery:
        channels: dict[str, BroadcastChannel] = {}
        if webchat is not None:
            channels["web"] = PlainBroadcast(webchat)
        if zalo is not None:  # Zalo followers, within Zalo's rules (window, quotas, types)
            channels["zalo"] = ZaloBroadcast(zalo)
        bot = None
        token = settings.telegram_token.get_secret_value()
        if token:
            bot = Bot(
                token,
                base_url=settings.telegram_api_url or TELEGRAM_API,
                request=AiohttpRequest(connection_pool_size=MAX_IN_FLIGHT + 2, pool_timeout=5.0),
            )
            channels["telegram"] = TelegramBroadcast(bot)
        worker = BroadcastWorker(
            client,
            contacts,
            channels,
            batch=settings.broadcast_batch,
            lease_seconds=settings.broadcast_lease_seconds,
        )
        return cls(settings, worker, bot)

    async def start(self, stop: asyncio.Event, tasks: list[asyncio.Task]) -> None:
        if self.bot is not None:
            await self.bot.initialize()
        tasks.append(
            asyncio.create_task(
                self.worker.run_forever(stop, idle_seconds=self.settings.broadcast_idle_seconds)
            )
        )

    async def close(self) -> None:
        if self.bot is not None:
            with contextlib.suppress(Exception):
                await self.bot.shutdown()
