"""End to end on Telegram: the real python-telegram-bot client, our server on loopback, and a
fake Bot API server of our own (tests/fakes) standing in for Telegram."""

from __future__ import annotations

import time

from sqlmodel import select

from feedback_api.submissions.models import Attachment, Submission
from feedback_api.subscriptions.models import Subscription
from handlers.texts import t
from langnghe.server import build_app
from tests.bot.telegram_world import (
    CHAT,
    SECRET,
    Server,
    jpeg_bytes,
    officer_replies,
    press,
    press_label,
    report_quick_tip,
    say,
    tap,
    wait_text,
)
from tests.browser.conftest import LiveServer


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
        tap(telegram, "📍 Gửi vị trí", location=(21.03, 105.85))
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
        assert updates.retryable_now() == []
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
        tap(telegram, "Bỏ qua")
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


def test_an_officer_reply_is_delivered_back_to_the_citizen(config, telegram):
    with Server(config, telegram) as server:
        report_quick_tip(telegram)
        code = officer_replies(server, "Công an xã đã xác minh, cảm ơn bạn.")
        reply = wait_text(telegram, "Công an xã đã xác minh")
        assert code in reply


def test_429_retry_after_is_honoured(config, telegram):
    with Server(config, telegram) as server:
        report_quick_tip(telegram)
        time.sleep(0.5)  # let the tip flow's last messages go out first
        telegram.fail_next("sendMessage", status=429, retry_after=2, times=1, chat_id=CHAT)
        officer_replies(server, "Phản hồi sau giới hạn tốc độ.")
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
        report_quick_tip(telegram)
        telegram.fail_next("sendMessage", status=403, times=5, chat_id=CHAT)
        officer_replies(server, "Tin nhắn tới người đã chặn bot.")
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


def test_reply_keyboard_taps_at_the_location_step_are_choices_not_places(config, telegram):
    """The location step shows a reply keyboard; its "Bỏ qua" / "❌ Hủy" arrive as plain text
    and must act as the buttons, never be stored as the place."""
    with Server(config, telegram) as server:
        say(telegram, "/start tip")
        press(telegram, "tip:cat:fraud")
        say(telegram, "Có người gọi giả danh công an bắt chuyển tiền vào tài khoản lạ")
        wait_text(telegram, "xảy ra ở đâu")
        tap(telegram, t("tip.skip"))
        press(telegram, "tip:skip")  # the photo step: the tap moved the flow on
        press(telegram, "tip:anon:anonymous")
        press(telegram, "tip:send")
        wait_text(telegram, "Mã theo dõi")
        say(telegram, "/start tip")
        press(telegram, "tip:cat:theft")
        say(telegram, "Kẻ gian trộm xe máy ở bãi xe chợ An Bình nhiều lần trong tháng")
        wait_text(telegram, "xảy ra ở đâu")
        tap(telegram, t("tip.cancel"))
        wait_text(telegram, t("cancelled"))
        with server.db() as db:
            [tip] = db.exec(select(Submission)).all()
            assert tip.location_text is None and tip.category == "fraud"
