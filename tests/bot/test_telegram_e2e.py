"""End to end on Telegram: the real python-telegram-bot client, our server on loopback, and a
fake Bot API server of our own (tests/fakes) standing in for Telegram."""

from __future__ import annotations

import time

import httpx
import pytest
from sqlmodel import select

from feedback_api.officers.models import Officer
from feedback_api.officers.service import actor_for
from feedback_api.submissions import service as submissions
from feedback_api.submissions.models import Attachment, Submission
from feedback_api.subscriptions.models import Subscription
from feedback_api.units import service as units
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

UNKNOWN = t("where.unknown")


def tap_reply_keyboard(telegram, label: str, chat: int = CHAT) -> None:
    """Tap a reply-keyboard button: Telegram sends its label as a plain text message."""
    tap(telegram, label, chat)


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
        wait_text(telegram, "xảy ra ở xã/phường nào")
        telegram.deliver_webhook(telegram.location_update(CHAT, 21.03, 105.85), secret=SECRET)
        wait_text(telegram, "thuộc Phường Trung Tâm")  # the demo province's boundaries
        press_label(telegram, "✅ Đúng")
        press_label(telegram, "Không cần")
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
            assert units.get(db_session=db, unit_id=tip.unit_id).code == "DEMO-TRUNGTAM"
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
        tap_reply_keyboard(telegram, UNKNOWN)
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
        tap_reply_keyboard(telegram, UNKNOWN)
        press_label(telegram, "Bỏ qua")
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


def _officer(server, username: str, unit_code: str):
    from feedback_api.officers import service as officers
    from feedback_api.officers.schemas import OfficerCreate

    with server.db() as db:
        created = officers.create(
            db_session=db,
            actor=None,
            data=OfficerCreate(
                username=username,
                full_name=username,
                role="officer",
                unit_id=units.get_by_code(db_session=db, code=unit_code).id,
                password="mat-khau-thu-nghiem-0123",
            ),
        )
        return actor_for(db_session=db, officer=created)


def _sees(server, actor, tip) -> bool:
    from feedback_api.permissions import NotFound

    with server.db() as db:
        try:
            submissions.get_in_reach(db_session=db, actor=actor, submission_id=tip.id)
        except NotFound:
            return False
        return True


def test_a_ward_named_in_the_tip_is_proposed_and_tapped_on_the_reply_keyboard(config, telegram):
    with Server(config, telegram) as server:
        hoa_binh = _officer(server, "can.bo.hoabinh", "DEMO-HOABINH")
        trung_tam = _officer(server, "can.bo.trungtam", "DEMO-TRUNGTAM")
        say(telegram, "/start tip")
        press_label(telegram, "Trộm cắp")
        say(telegram, "Trộm xe máy liên tục ở bãi xe chợ p. Hoà Bình vào ban đêm")
        tap_reply_keyboard(telegram, "Phường Hòa Bình")  # proposed first, from the text
        press_label(telegram, "Không cần")
        press_label(telegram, "Bỏ qua")
        press_label(telegram, "🕶️ Ẩn danh")
        press_label(telegram, "✅ Gửi tin")
        wait_text(telegram, "Mã theo dõi")
        with server.db() as db:
            [tip] = db.exec(select(Submission)).all()
            assert units.get(db_session=db, unit_id=tip.unit_id).code == "DEMO-HOABINH"
        assert _sees(server, hoa_binh, tip) and not _sees(server, trung_tam, tip)


def test_a_typed_commune_without_diacritics_is_remembered_for_next_time_on_telegram(
    config, telegram
):
    with Server(config, telegram) as server:
        tan_lap = _officer(server, "can.bo.tanlap", "DEMO-TANLAP")
        an_binh = _officer(server, "can.bo.anbinh", "DEMO-ANBINH")
        say(telegram, "/start opinion")
        press_label(telegram, "Giao thông")
        say(telegram, "Đề nghị lắp gương cầu lồi ở khúc cua gần cầu")
        wait_text(telegram, "xảy ra ở xã/phường nào")
        say(telegram, "xa tan lap")
        press_label(telegram, "👍 Ghi nhớ")
        press_label(telegram, "Bỏ qua")
        press_label(telegram, "✅ Gửi góp ý")
        wait_text(telegram, "Góp ý đã được tiếp nhận")
        # next time the remembered commune is on the reply keyboard
        say(telegram, "/start tip")
        press_label(telegram, "Ma túy")
        say(telegram, "Có người bán ma túy ở quán nước cạnh trường học mỗi tối")
        tap_reply_keyboard(telegram, t("where.last_time", place="Xã Tân Lập"))
        wait_text(telegram, "ảnh hoặc tài liệu")  # chosen at once: consent is not asked again
        press_label(telegram, "Bỏ qua")
        press_label(telegram, "🕶️ Ẩn danh")
        press_label(telegram, "✅ Gửi tin")
        wait_text(telegram, "tiếp nhận tin báo")
        with server.db() as db:
            opinion, tip = db.exec(select(Submission).order_by(Submission.id)).all()
            assert {units.get(db_session=db, unit_id=s.unit_id).code for s in (opinion, tip)} == {
                "DEMO-TANLAP"
            }
        assert _sees(server, tan_lap, tip) and not _sees(server, an_binh, tip)


MORE_UNITS = (
    "code,name,kind,parent_code,lat,lon\n"
    "DEMO-BENCANG,Công an phường Bến Cảng,ward,DEMO,20.95,106.00\n"
    "HAI,Công an tỉnh Hai,province,,,\n"
    "HAI-HOABINH,Công an xã Hòa Bình,commune,HAI,22.50,104.00\n"
)


def _ambiguous(telegram):
    say(telegram, "hoa binh")
    tap_reply_keyboard(telegram, "Phường Hòa Bình (Tỉnh Mẫu (dữ liệu thử))")


def _centre_only(telegram):
    telegram.deliver_webhook(telegram.location_update(CHAT, 20.951, 106.001), secret=SECRET)
    wait_text(telegram, "thuộc Phường Bến Cảng")
    press_label(telegram, "✅ Đúng")


def _unknown(telegram):
    tap_reply_keyboard(telegram, UNKNOWN)


@pytest.mark.parametrize(
    ("path", "unit", "officer_sees"),
    [
        (_ambiguous, "DEMO-HOABINH", True),
        (_centre_only, "DEMO-BENCANG", True),
        (_unknown, "DEMO", False),
    ],
    ids=["ambiguous", "centre_only", "unknown_to_province"],
)
def test_each_other_routing_path_on_telegram(config, telegram, path, unit, officer_sees):
    with Server(config, telegram) as server:
        with server.db() as db:
            units.import_csv(db_session=db, text=MORE_UNITS)
        local = _officer(server, "can.bo.dia.phuong", unit if unit != "DEMO" else "DEMO-ANBINH")
        neighbour = _officer(server, "can.bo.trungtam", "DEMO-TRUNGTAM")
        say(telegram, "/start tip")
        press_label(telegram, "Trộm cắp")
        say(telegram, "Kẻ gian bẻ khóa lấy trộm xe máy trước cổng chợ vào ban đêm")
        wait_text(telegram, "xảy ra ở xã/phường nào")
        path(telegram)
        if path is not _unknown:
            press_label(telegram, "Không cần")
        wait_text(telegram, "ảnh hoặc tài liệu")
        press_label(telegram, "Bỏ qua")
        press_label(telegram, "🕶️ Ẩn danh")
        press_label(telegram, "✅ Gửi tin")
        wait_text(telegram, "Mã theo dõi")
        with server.db() as db:
            [tip] = db.exec(select(Submission)).all()
            assert units.get(db_session=db, unit_id=tip.unit_id).code == unit
        assert _sees(server, local, tip) is officer_sees and not _sees(server, neighbour, tip)


def test_reply_keyboard_taps_at_the_location_step_are_choices_not_places(config, telegram):
    """The where step shows a reply keyboard; its "Không rõ" / "❌ Hủy" arrive as plain text
    and must act as the buttons, never be stored as the place."""
    with Server(config, telegram) as server:
        say(telegram, "/start tip")
        press(telegram, "tip:cat:fraud")
        say(telegram, "Có người gọi giả danh công an bắt chuyển tiền vào tài khoản lạ")
        wait_text(telegram, "xảy ra ở xã/phường nào")
        tap(telegram, UNKNOWN)
        press_label(telegram, "Bỏ qua")  # the photo step: the tap moved the flow on
        press(telegram, "tip:anon:anonymous")
        press(telegram, "tip:send")
        wait_text(telegram, "Mã theo dõi")
        say(telegram, "/start tip")
        press(telegram, "tip:cat:theft")
        say(telegram, "Kẻ gian trộm xe máy ở bãi xe chợ An Bình nhiều lần trong tháng")
        wait_text(telegram, "xảy ra ở xã/phường nào")
        tap(telegram, t("tip.cancel"))
        wait_text(telegram, t("cancelled"))
        with server.db() as db:
            [tip] = db.exec(select(Submission)).all()
            assert tip.location_text is None and tip.category == "fraud"


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
        wait_text(telegram, "Ý kiến gửi tới Diễn đàn lắng nghe")
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
        # The forum's public page: the theme and its answer, nothing about who spoke.
        public = httpx.get(f"{server.live.url}/forums/{forum.code}").text
        assert "đèn tín hiệu trong quý I/2027" in public and "Tiếp thu" in public
        for private in (opinion.tracking_code, opinion.citizen_ref, "ngã ba chợ"):
            assert private not in public
