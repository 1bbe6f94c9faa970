"""The Telegram test world: our server on loopback with its webhook registered at a fake Bot API
server (tests/fakes), the real python-telegram-bot client in between, and helpers that drive
the fake only as a real client could."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlmodel import Session, create_engine, select

from bot.settings import BotSettings
from feedback_api.bootstrap import prepare
from feedback_api.db import make_engine
from feedback_api.officers.models import Officer
from feedback_api.officers.service import actor_for
from feedback_api.settings import Settings
from feedback_api.submissions import service as submissions
from feedback_api.submissions.models import Submission
from langnghe.server import build_app
from tests.browser.conftest import LiveServer, free_port
from tests.fakes.telegram_server import FakeTelegram

TOKEN = "123456:TEST-TOKEN"
SECRET = "webhook-secret-0123456789"
CHAT = 4242


@pytest.fixture
def telegram():
    with FakeTelegram() as fake:
        yield fake


@pytest.fixture
def config(tmp_path, telegram):
    settings = Settings(environment="test", data_dir=tmp_path, _env_file=None)
    bot_settings = BotSettings(
        data_dir=tmp_path,
        telegram_token=TOKEN,
        telegram_webhook_secret=SECRET,
        telegram_api_url=telegram.base_url,
        telegram_file_url=telegram.base_file_url,
        sender_idle_seconds=0.2,
        telegram_retry_seconds=0.3,
        _env_file=None,
    )
    engine = make_engine(settings.resolved_database_url)
    prepare(engine)
    return settings, bot_settings, engine


class Server:
    """Our server on a loopback port, with its webhook registered at the fake Telegram."""

    def __init__(self, config, telegram, **bot_options):
        settings, bot_settings, self.engine = config
        self.telegram = telegram
        port = free_port()  # known up front: the webhook URL is registered at start-up
        bot_settings = bot_settings.model_copy(
            update={"public_url": f"http://127.0.0.1:{port}"} | bot_options
        )
        self.bot_settings = bot_settings
        self.live = LiveServer(build_app(settings, bot_settings, poll_telegram=False), port=port)

    @property
    def runtime(self):
        """The bot side's composition root inside the running server."""
        return self.live.server.config.app.state.bot

    def bot_tables(self) -> dict[str, list[tuple]]:
        """Every row of every table of the bot's own database."""
        from sqlalchemy import inspect, text

        engine = create_engine(self.bot_settings.resolved_bot_database_url)
        try:
            with engine.connect() as connection:
                return {
                    name: [
                        tuple(row) for row in connection.execute(text(f'SELECT * FROM "{name}"'))
                    ]
                    for name in inspect(engine).get_table_names()
                }
        finally:
            engine.dispose()

    def __enter__(self):
        self.live.__enter__()
        return self

    def __exit__(self, *exc):
        self.live.__exit__(*exc)

    def db(self) -> Session:
        return Session(self.engine, expire_on_commit=False)


def say(telegram, text: str, chat: int = CHAT):
    response = telegram.deliver_webhook(telegram.text_update(chat, text), secret=SECRET)
    assert response.status_code == 200
    return response


def press(telegram, data: str, chat: int = CHAT):
    """Press the inline button carrying `data` once the bot shows it (the strict fake refuses
    a press no client could make)."""
    telegram.wait_for_button(chat, data)
    response = telegram.deliver_webhook(telegram.callback_update(chat, data), secret=SECRET)
    assert response.status_code == 200


def tap(telegram, label: str, chat: int = CHAT, **kwargs):
    """Tap a reply-keyboard button: the client sends its label as text (or a location)."""
    update = telegram.tap_reply_button(chat, label, **kwargs)
    assert telegram.deliver_webhook(update, secret=SECRET).status_code == 200


def wait_text(telegram, fragment: str, chat: int = CHAT, timeout: float = 10.0) -> str:
    telegram.wait_for(
        lambda call: (
            call.method == "sendMessage"
            and call.ok
            and call.chat_id == chat
            and fragment in (call.text or "")
        ),
        timeout=timeout,
    )
    return next(m for m in reversed(telegram.messages_to(chat)) if fragment in m)


def press_label(telegram, label: str, chat: int = CHAT) -> None:
    """Press the inline button labelled `label` once the bot has sent it."""

    def offers(call) -> bool:
        rows = (call.reply_markup or {}).get("inline_keyboard") or []
        return call.chat_id == chat and any(b["text"] == label for row in rows for b in row)

    telegram.wait_for(lambda call: call.method == "sendMessage" and offers(call), timeout=10)
    call = next(c for c in reversed(telegram.calls("sendMessage", chat)) if offers(c))
    rows = call.reply_markup["inline_keyboard"]
    press(
        telegram, next(b["callback_data"] for row in rows for b in row if b["text"] == label), chat
    )


def jpeg_bytes(colour: tuple[int, int, int] = (200, 10, 10)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (24, 24), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def officer_replies(server, text: str) -> str:
    with server.db() as db:
        tip = db.exec(select(Submission)).one()
        admin = db.exec(select(Officer)).first()
        submissions.reply(
            db_session=db,
            actor=actor_for(db_session=db, officer=admin),
            submission_id=tip.id,
            text=text,
        )
        return tip.tracking_code


def report_quick_tip(telegram):
    say(telegram, "/start tip")
    press(telegram, "tip:cat:fraud")
    say(telegram, "Có người gọi giả danh công an bắt chuyển tiền vào tài khoản lạ")
    tap(telegram, "Bỏ qua")
    press(telegram, "tip:skip")
    press(telegram, "tip:anon:anonymous")
    press(telegram, "tip:send")
    wait_text(telegram, "Mã theo dõi")


def deliver(telegram, update: dict) -> int:
    """POST one update to our webhook as Telegram would; the HTTP status."""
    return telegram.deliver_webhook(update, secret=SECRET).status_code


def eventually(check, timeout: float = 10.0, interval: float = 0.1):
    """Wait for `check()` to be truthy (background processing); its value."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)
