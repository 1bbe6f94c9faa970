"""A Zalo citizen's world for tests: the whole server (feedback API, officer view, bot) built as
`make run` builds it, with Zalo switched on by its settings and pointed at the fake Zalo OA.

Citizens act only as a Zalo client can: they send text, photos, locations; they press a button
only if the OA's last message to them offers it (its payload comes back as their text).
Webhook posts are signed as Zalo signs them. Background processing is awaited, and the outbox
sender is run on demand, so tests are deterministic.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass

import httpx
import pytest
from PIL import Image
from sqlmodel import Session

from bot.runtime import BotRuntime
from bot.settings import BotSettings
from feedback_api.bootstrap import prepare
from feedback_api.db import make_engine
from feedback_api.settings import Settings
from langnghe.server import build_app
from tests.fakes.zalo_server import FakeZalo

USER = "5512345678901234567"


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (24, 24), (200, 10, 10)).save(buffer, "JPEG")
    return buffer.getvalue()


@dataclass
class ZaloWorld:
    zalo: FakeZalo
    app: object
    engine: object
    http: httpx.AsyncClient
    settings: Settings | None = None

    @property
    def bot(self) -> BotRuntime:
        return self.app.state.bot

    def db(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    async def post(self, payload: dict) -> httpx.Response:
        body, headers = self.zalo.signed(payload)
        response = await self.http.post("/zalo/webhook", content=body, headers=headers)
        await self.bot.zalo.wait_idle()
        return response

    async def say(self, text: str, user: str = USER) -> None:
        response = await self.post(self.zalo.text_event(user, text))
        assert response.status_code == 200

    def offered(self, user: str = USER) -> list[dict]:
        """The buttons of the OA's last message to `user` (a Zalo client shows only those)."""
        sent = self.zalo.sent(user)
        if not sent:
            return []
        attachment = sent[-1].get("attachment") or {}
        return (attachment.get("payload") or {}).get("buttons") or []

    async def press(self, data: str, user: str = USER) -> None:
        """Tap the offered button whose payload carries `data`."""
        payloads = [b["payload"] for b in self.offered(user)]
        assert "#" + data in payloads, f"{data!r} is not offered; offered: {payloads}"
        await self.say("#" + data, user)

    async def press_label(self, label: str, user: str = USER) -> None:
        found = [b for b in self.offered(user) if b["title"] == label]
        assert found, f"no button {label!r}; offered: {[b['title'] for b in self.offered(user)]}"
        await self.say(found[0]["payload"], user)

    def last_text(self, user: str = USER) -> str:
        texts = self.zalo.texts(user)
        return texts[-1] if texts else ""

    def all_text(self, user: str = USER) -> str:
        return "\n".join(self.zalo.texts(user))

    async def deliver_outbox(self, rounds: int = 1) -> None:
        for _ in range(rounds):
            await self.bot.sender.run_once()


def zalo_settings(tmp_path, zalo: FakeZalo, **extra) -> BotSettings:
    values = {
        "data_dir": tmp_path,
        "zalo_app_id": zalo.app_id,
        "zalo_app_secret": zalo.app_secret,
        "zalo_oa_secret_key": zalo.oa_secret_key,
        "zalo_api_url": zalo.base_url,
        "zalo_oauth_url": zalo.oauth_url,
        "zalo_media_hosts": "media.zalo.test",
    }
    return BotSettings(_env_file=None, **(values | extra))


@pytest.fixture
def zalo() -> FakeZalo:
    return FakeZalo()


@pytest.fixture
def zalo_world_factory(tmp_path, zalo):
    """Build a world (optionally with extra bot settings) and run a scenario in it."""

    def run(scenario, *, seed_tokens: bool = True, api_settings: dict | None = None, **extra):
        settings = Settings(
            environment="test", data_dir=tmp_path, _env_file=None, **(api_settings or {})
        )
        engine = make_engine(settings.resolved_database_url)
        prepare(engine)
        bot_settings = zalo_settings(tmp_path, zalo, **extra)
        app = build_app(
            settings, bot_settings, poll_telegram=False, zalo_transport=zalo.transport()
        )

        async def go():
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://langnghe.test"
            ) as http:
                world = ZaloWorld(zalo, app, engine, http, settings)
                if seed_tokens:
                    access, refresh = zalo.issue_tokens()
                    await world.bot.zalo.tokens.seed(
                        access_token=access, refresh_token=refresh, expires_in=zalo.access_ttl
                    )
                try:
                    return await scenario(world)
                finally:
                    await world.bot.zalo.wait_idle()
                    await world.bot.zalo.stop()
                    await world.bot.client.aclose()

        try:
            return asyncio.run(go())
        finally:
            engine.dispose()

    return run
