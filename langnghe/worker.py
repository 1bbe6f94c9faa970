"""`langnghe worker`: the delivery process (campaign worker + outbox sender) on its own.

It reaches the feedback API like the server's bot side does: in-process (its own app over the
same database) by default, or over HTTP when LANGNGHE_FEEDBACK_API_URL is set. SIGTERM/SIGINT
stop it cleanly; SIGKILL is safe too (leases expire; see bot/broadcast_worker.py).
"""

from __future__ import annotations

import asyncio
import logging
import signal

from bot.runtime import BotRuntime
from bot.settings import BotSettings
from feedback_api.db import engine_for
from feedback_api.main import create_app
from feedback_api.migrate import upgrade
from feedback_api.settings import Settings
from langnghe.server import feedback_client


def run(settings: Settings, *, lease_seconds: int | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    bot_settings = BotSettings()
    if lease_seconds is not None:
        bot_settings.broadcast_lease_seconds = lease_seconds
    engine = engine_for(settings)
    upgrade(engine)
    app = create_app(settings, engine=engine)
    runtime = BotRuntime.build(bot_settings, feedback_client(app, settings, bot_settings))

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await runtime.start_delivery_only()
        logging.getLogger(__name__).info("worker started")
        await stop.wait()
        await runtime.stop()

    asyncio.run(main())
