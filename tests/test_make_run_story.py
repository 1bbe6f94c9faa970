"""The first-run story of `make run`: the whole server as `langnghe serve` builds it, a citizen
reports a tip in the web chat at "/", and the first admin sees it arrive in /officer."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from bot.settings import BotSettings
from feedback_api.bootstrap import prepare
from feedback_api.db import make_engine
from feedback_api.settings import Settings
from langnghe.server import build_app

HTMX = {"HX-Request": "true"}


def test_a_web_chat_tip_arrives_in_the_officer_inbox(tmp_path):
    settings = Settings(environment="development", data_dir=tmp_path, _env_file=None)
    engine = make_engine(settings.resolved_database_url)
    admin = prepare(engine)  # migrate, demo units, first admin (password printed once)
    engine.dispose()
    assert admin is not None and len(admin.password) >= 12
    app = build_app(settings, BotSettings(data_dir=tmp_path, _env_file=None))
    with TestClient(app) as citizen:
        home = citizen.get("/")
        assert home.status_code == 200 and "113" in home.text
        for data in ("m:tip", "tip:cat:drugs"):
            assert citizen.post("/chat/press", data={"data": data}, headers=HTMX).status_code == 200
        citizen.post(
            "/chat/send", data={"text": "Có người bán ma túy ở quán nước đầu ngõ 7"}, headers=HTMX
        )
        for data in ("tip:skip", "tip:skip", "tip:anon:anonymous", "tip:send"):
            reply = citizen.post("/chat/press", data={"data": data}, headers=HTMX)
        code = re.search(r"LN-[0-9A-Z]{4}-[0-9A-Z]{4}", reply.text).group(0)
    with TestClient(app) as officer:
        form = officer.get("/officer/login")
        token = re.search(r'name="login_csrf" value="([^"]+)"', form.text).group(1)
        login = officer.post(
            "/officer/login",
            data={"username": admin.username, "password": admin.password, "login_csrf": token},
        )
        assert login.status_code == 200 and login.url.path == "/officer"
        assert code in login.text  # the tip is in the admin's inbox
