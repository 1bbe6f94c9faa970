"""The server process: feedback API + officer view, with the citizen channels mounted beside.

This is the one composition root that imports both feedback_api and bot. The bot reaches the
API only through its client — here over an in-process ASGI transport, or over HTTP when
LANGNGHE_FEEDBACK_API_URL points at a separate API server.
"""

from __future__ import annotations

from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from bot.runtime import BotRuntime
from bot.settings import BotSettings
from feedback_api.client import FeedbackClient
from feedback_api.inprocess import InProcessCalls
from feedback_api.main import create_app
from feedback_api.ops.heap import freeze_startup_heap
from feedback_api.settings import Settings


def feedback_client(app: FastAPI, settings: Settings, bot_settings: BotSettings) -> FeedbackClient:
    if bot_settings.feedback_api_url:
        return FeedbackClient.remote(
            bot_settings.feedback_api_url, bot_settings.service_token.get_secret_value()
        )
    # Same process: the per-message calls (send slots, status lookups) skip HTTP; the rate and
    # the lookup limit are still the database's, shared with every other process.
    direct = InProcessCalls.of(app)
    return FeedbackClient.in_process(app, settings.service_token, direct=direct)


def build_app(
    settings: Settings,
    bot_settings: BotSettings | None = None,
    *,
    poll_telegram: bool | None = None,
    zalo_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """The whole server. Telegram runs when a token is set: by webhook when a public URL is
    configured, else by polling (development). Zalo's webhook is served when the OA's
    credentials are set (`zalo_transport`: tests reach a fake Zalo through it)."""
    bot_settings = bot_settings or BotSettings()
    # One process, one policy: the web chat signs its sessions with the server's secret (unless
    # the bot has its own) and sets the Secure flag exactly when the officer cookies do.
    bot_settings = bot_settings.model_copy(
        update={
            "cookie_secure": settings.cookie_secure,
            "secret_key": bot_settings.secret_key or settings.secret_key,
        }
    )
    app = create_app(settings)
    runtime = BotRuntime.build(
        bot_settings, feedback_client(app, settings, bot_settings), zalo_transport=zalo_transport
    )
    runtime.mount(app)
    app.state.bot = runtime
    if runtime.zalo is not None:  # the admin page may run the OA's OAuth consent
        app.state.zalo_exchanger = runtime.zalo.api
    polling = poll_telegram if poll_telegram is not None else not bot_settings.public_url

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        await runtime.start(poll_telegram=polling)
        try:
            yield
        finally:
            await runtime.stop()

    app.router.lifespan_context = lifespan
    return app


def app_from_environment() -> FastAPI:
    """The whole server from LANGNGHE_* variables: the factory each `langnghe serve --workers N`
    process (a uvicorn worker) calls for itself."""
    app = build_app(Settings())
    freeze_startup_heap()
    return app
