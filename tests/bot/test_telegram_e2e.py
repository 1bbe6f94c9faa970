"""End to end on Telegram: the real python-telegram-bot client, our server on loopback, and a
fake Bot API server of our own (tests/fakes) standing in for Telegram."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image
from sqlmodel import Session, select

from bot.settings import BotSettings
from feedback_api.bootstrap import prepare
from feedback_api.db import make_engine
from feedback_api.officers.models import Officer
from feedback_api.officers.service import actor_for
from feedback_api.settings import Settings
from feedback_api.submissions import service as submissions
from feedback_api.submissions.models import Attachment, Submission
from feedback_api.subscriptions.models import Subscription
from handlers.texts import t
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

    def __init__(self, config, telegram):
        settings, bot_settings, self.engine = config
        self.telegram = telegram
        port = free_port()  # known up front: the webhook URL is registered at start-up
        bot_settings = bot_settings.model_copy(update={"public_url": f"http://127.0.0.1:{port}"})
        self.live = LiveServer(build_app(settings, bot_settings, poll_telegram=False), port=port)

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
    response = telegram.deliver_webhook(telegram.callback_update(chat, data), secret=SECRET)
    assert response.status_code == 200


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


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (24, 24), (200, 10, 10)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_citizen_reports_a_tip_with_a_photo_on_telegram(config, telegram):
    with Server(config, telegram) as server:
        assert telegram.webhook_url.endswith("/telegram/webhook")
        say(telegram, "/start")
        wait_text(telegram, "Xin chào")
        press_label(telegram, "🛡️ Tố giác / Báo tin")
        wait_text(telegram, "lĩnh vực nào")
        press(telegram, "tip:cat:drugs")
        wait_text(telegram, "mô tả sự việc")
        say(telegram, "Nhóm thanh niên mua bán ma túy ở quán nước đầu ngõ 7 mỗi tối")
        wait_text(telegram, "xảy ra ở đâu")
        telegram.deliver_webhook(telegram.location_update(CHAT, 21.03, 105.85), secret=SECRET)
        wait_text(telegram, "ảnh hoặc tài liệu")
        telegram.deliver_webhook(telegram.photo_update(CHAT, jpeg_bytes()), secret=SECRET)
        wait_text(telegram, "Đã nhận ảnh 1/5")
        press(telegram, "tip:done")
        wait_text(telegram, "gửi tin theo cách nào")
        press(telegram, "tip:anon:anonymous")
        wait_text(telegram, "kiểm tra lại")
        press(telegram, "tip:send")
        accepted = wait_text(telegram, "Mã theo dõi")
        with server.db() as db:
            [tip] = db.exec(select(Submission)).all()
            assert tip.tracking_code in accepted and tip.latitude == 21.03
            assert len(db.exec(select(Attachment)).all()) == 1
            assert str(CHAT) not in tip.citizen_ref  # only the opaque reference is stored
        # the pressed keyboards were removed so they cannot be pressed twice
        assert telegram.calls("editMessageReplyMarkup", CHAT)
        assert telegram.calls("answerCallbackQuery")
        # every update ran exactly once: all recorded as done, nothing left to retry, and no
        # reply was sent twice
        time.sleep(0.8)  # longer than the retry interval
        updates = server.live.server.config.app.state.bot.telegram.updates
        assert updates.retryable() == []
        texts = [c.text for c in telegram.calls("sendMessage", CHAT) if c.ok]
        assert len(texts) == len(set(texts))


def test_citizen_asks_follows_up_and_subscribes(config, telegram):
    with Server(config, telegram) as server:
        say(telegram, "lam cccd lan dau can gi")
        wait_text(telegram, "căn cước")
        [short] = [c for c in telegram.calls("sendMessage", CHAT) if c.params.get("parse_mode")]
        assert short.params["text"].startswith("<b>Làm thẻ căn cước lần đầu</b>")
        press_label(telegram, t("ask.more"))
        wait_text(telegram, "Căn cứ pháp lý")
        say(telegram, "LN-0000-0000")
        wait_text(telegram, "Không tìm thấy")
        say(telegram, "/start sub")
        wait_text(telegram, "nhận tin của Công an xã/phường nào")
        press_label(telegram, "Công an xã An Bình")
        wait_text(telegram, "chủ đề nào")
        press(telegram, "sub:t:fraud")
        press_label(telegram, "✅ Cảnh báo lừa đảo")  # toggled on; pressing it turns it off
        press(telegram, "sub:t:security")
        press(telegram, "sub:done")
        wait_text(telegram, "Đã đăng ký")
        say(telegram, "/stop")
        wait_text(telegram, "Đã hủy đăng ký")
        with server.db() as db:
            subscription = db.exec(select(Subscription)).one()
            assert subscription.topics == "security" and subscription.active is False


def test_opinion_on_telegram(config, telegram):
    with Server(config, telegram) as server:
        say(telegram, "/start opinion")
        wait_text(telegram, "Diễn đàn")
        press(telegram, "op:topic:traffic")
        say(telegram, "Đề nghị lắp gương cầu lồi ở khúc cua thôn Bắc")
        wait_text(telegram, "để lại tên")
        press(telegram, "op:skip")
        press(telegram, "op:send")
        wait_text(telegram, "Góp ý đã được tiếp nhận")
        with server.db() as db:
            assert db.exec(select(Submission)).one().kind == "opinion"


def test_a_restart_in_the_middle_of_a_tip_report_resumes_at_the_same_step(config, telegram):
    with Server(config, telegram):
        say(telegram, "/start tip")
        wait_text(telegram, "lĩnh vực nào")
        press(telegram, "tip:cat:theft")
        wait_text(telegram, "mô tả sự việc")
    with Server(config, telegram) as server:  # a new process, same databases
        say(telegram, "Kẻ gian trộm xe máy ở bãi xe chợ An Bình nhiều lần trong tháng")
        wait_text(telegram, "xảy ra ở đâu")
        press(telegram, "tip:skip")
        press(telegram, "tip:skip")
        press(telegram, "tip:anon:anonymous")
        press(telegram, "tip:send")
        wait_text(telegram, "Mã theo dõi")
        with server.db() as db:
            assert db.exec(select(Submission)).one().category == "theft"


def test_the_same_update_delivered_twice_is_processed_once(config, telegram):
    with Server(config, telegram):
        update = telegram.text_update(CHAT, "/start")
        assert telegram.deliver_webhook(update, secret=SECRET).status_code == 200
        assert telegram.deliver_webhook(update, secret=SECRET).status_code == 200
        wait_text(telegram, "Xin chào")
        time.sleep(0.5)
        assert sum("Xin chào" in m for m in telegram.messages_to(CHAT)) == 1


def test_a_wrong_secret_token_is_rejected(config, telegram):
    with Server(config, telegram):
        update = telegram.text_update(CHAT, "/start")
        assert telegram.deliver_webhook(update, secret="wrong").status_code == 403
        assert telegram.deliver_webhook(update, secret="").status_code == 403
        time.sleep(0.3)
        assert telegram.messages_to(CHAT) == []


def test_an_update_whose_handling_failed_is_retried_from_the_record(config, telegram):
    with Server(config, telegram):
        telegram.fail_next(
            "sendMessage", status=500, times=1, chat_id=CHAT, description="Internal Server Error"
        )
        say(telegram, "/start")
        wait_text(telegram, "Xin chào")  # delivered by the retry loop, not by Telegram


def _officer_replies(server, text: str) -> str:
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


def _report_quick_tip(telegram):
    say(telegram, "/start tip")
    press(telegram, "tip:cat:fraud")
    say(telegram, "Có người gọi giả danh công an bắt chuyển tiền vào tài khoản lạ")
    press(telegram, "tip:skip")
    press(telegram, "tip:skip")
    press(telegram, "tip:anon:anonymous")
    press(telegram, "tip:send")
    wait_text(telegram, "Mã theo dõi")


def test_an_officer_reply_is_delivered_back_to_the_citizen(config, telegram):
    with Server(config, telegram) as server:
        _report_quick_tip(telegram)
        code = _officer_replies(server, "Công an xã đã xác minh, cảm ơn bạn.")
        reply = wait_text(telegram, "Công an xã đã xác minh")
        assert code in reply


def test_429_retry_after_is_honoured(config, telegram):
    with Server(config, telegram) as server:
        _report_quick_tip(telegram)
        time.sleep(0.5)  # let the tip flow's last messages go out first
        telegram.fail_next("sendMessage", status=429, retry_after=2, times=1, chat_id=CHAT)
        _officer_replies(server, "Phản hồi sau giới hạn tốc độ.")
        wait_text(telegram, "Phản hồi sau giới hạn tốc độ.")
        calls = telegram.calls("sendMessage", CHAT)
        limited = next(c for c in calls if c.status == 429)
        resent = next(c for c in calls if c.ok and c.text == limited.text and c.at > limited.at)
        assert resent.at - limited.at >= 2.0  # nothing was sent again before retry_after


def test_403_blocked_marks_the_citizen_unsubscribed(config, telegram):
    with Server(config, telegram) as server:
        say(telegram, "/start sub")
        wait_text(telegram, "nhận tin của Công an xã/phường nào")
        press_label(telegram, "Công an xã An Bình")
        press(telegram, "sub:t:security")
        press(telegram, "sub:done")
        wait_text(telegram, "Đã đăng ký")
        _report_quick_tip(telegram)
        telegram.fail_next("sendMessage", status=403, times=5, chat_id=CHAT)
        _officer_replies(server, "Tin nhắn tới người đã chặn bot.")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with server.db() as db:
                if not db.exec(select(Subscription)).one().active:
                    break
            time.sleep(0.2)
        with server.db() as db:
            subscription = db.exec(select(Subscription)).one()
            assert not subscription.active and subscription.ended_reason == "blocked"
        contacts = server.live.server.config.app.state.bot.contacts
        assert contacts.resolve(subscription.citizen_ref).blocked


def test_polling_mode_for_development(config, telegram):
    settings, bot_settings, _engine = config
    with LiveServer(build_app(settings, bot_settings, poll_telegram=True)):
        telegram.push_update(telegram.text_update(CHAT, "/start"))
        wait_text(telegram, "Xin chào")
        telegram.push_update(telegram.text_update(CHAT, "cach dang ky tam tru cho sinh vien"))
        wait_text(telegram, "tạm trú")
        assert telegram.calls("deleteWebhook")


def test_a_forum_from_deep_link_to_the_answer_on_telegram(config, telegram):
    """Deep link → opinion → theme → answer → the citizen receives it, through the outbox."""
    import datetime as dt

    from feedback_api.forums import service as forums
    from feedback_api.forums.schemas import ForumCreate
    from feedback_api.units.service import get_by_code

    with Server(config, telegram) as server:
        with server.db() as db:
            admin = actor_for(db_session=db, officer=db.exec(select(Officer)).first())
            now = dt.datetime.now(dt.UTC)
            forum = forums.create(
                db_session=db,
                actor=admin,
                data=ForumCreate(
                    title="Diễn đàn lắng nghe xã An Bình",
                    unit_id=get_by_code(db_session=db, code="DEMO-ANBINH").id,
                    venue="Nhà văn hóa thôn Đông",
                    starts_at=now + dt.timedelta(days=2),
                    opens_at=now - dt.timedelta(hours=1),
                    closes_at=now + dt.timedelta(days=7),
                    topics=["An ninh trật tự", "Giao thông"],
                ),
            )
        say(telegram, f"/start f_{forum.code}")
        wait_text(telegram, "Diễn đàn lắng nghe xã An Bình")
        press_label(telegram, "Giao thông")
        wait_text(telegram, t("opinion.text"))
        say(telegram, "Đề nghị lắp đèn tín hiệu ở ngã ba chợ")
        wait_text(telegram, "để lại tên")
        press(telegram, "op:skip")
        wait_text(telegram, "Ý kiến gửi diễn đàn")
        press(telegram, "op:send")
        wait_text(telegram, "Góp ý đã được tiếp nhận")
        with server.db() as db:
            opinion = db.exec(select(Submission)).one()
            assert opinion.unit_id == get_by_code(db_session=db, code="DEMO-ANBINH").id
            assert opinion.topic == "Giao thông"
            assert forums.group_opinions(db_session=db, actor=admin, forum_id=forum.id) == 1
            theme = forums.list_themes(db_session=db, forum_id=forum.id)[0]
            forums.respond_theme(
                db_session=db,
                actor=admin,
                theme_id=theme.id,
                response="accept",
                text="Công an xã đã đề nghị lắp đèn tín hiệu trong quý I/2027.",
            )
            forums.publish(db_session=db, actor=admin, settings=config[0], forum_id=forum.id)
        answer = wait_text(telegram, "đèn tín hiệu trong quý I/2027")
        assert opinion.tracking_code in answer and "tiếp thu" in answer
        wait_text(telegram, "đã công bố kết quả")
