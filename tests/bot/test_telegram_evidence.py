"""What a citizen sends as evidence on Telegram is kept: video, round video notes, voice, albums
with their caption, captions as the description, links hidden behind text, where a forwarded
scam message came from, a venue; corrections before and after sending; additions by code."""

from __future__ import annotations

from sqlmodel import select

from feedback_api.submissions.models import Attachment, Submission, SubmissionAddition
from handlers.texts import t
from tests.bot.telegram_world import (
    CHAT,
    Server,
    deliver,
    jpeg_bytes,
    press,
    report_quick_tip,
    say,
    tap,
    wait_text,
)
from tests.fakes.media import ogg_opus

MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00\x00\x00\x08mdat"
SCAM_CHANNEL = {
    "type": "channel",
    "chat": {
        "id": -1009876543210,
        "type": "channel",
        "title": "Nhận quà tri ân",
        "username": "quatrian",
    },
    "message_id": 77,
    "date": 1764633600,  # 2025-12-02 00:00 UTC
}


def test_video_voice_captions_album_links_forwards_and_venues_are_kept(config, telegram):
    with Server(config, telegram) as server:
        say(telegram, "/start tip")
        press(telegram, "tip:cat:fraud")
        wait_text(telegram, "mô tả sự việc")
        # The evidence first, its caption as the description.
        deliver(telegram, telegram.media_update(
            CHAT, "video", MP4, caption="Video cuộc gọi giả danh công an yêu cầu chuyển tiền"
        ))  # fmt: skip
        wait_text(telegram, "xảy ra ở đâu")
        deliver(
            telegram,
            telegram.venue_update(CHAT, 21.03, 105.85, "Quán cà phê Hoa Sữa", "12 Ngõ 7, An Bình"),
        )
        wait_text(telegram, "ảnh hoặc tài liệu")
        deliver(telegram, telegram.media_update(CHAT, "voice", ogg_opus()))
        wait_text(telegram, "Đã nhận ảnh 2/5")
        deliver(telegram, telegram.media_update(CHAT, "video_note", MP4 + b"\x00\x00\x00\x08free"))
        wait_text(telegram, "Đã nhận ảnh 3/5")
        for update in telegram.album_updates(
            CHAT, [jpeg_bytes(), jpeg_bytes((10, 200, 10))], caption="Ảnh chụp tin nhắn lừa đảo"
        ):
            deliver(telegram, update)
        wait_text(telegram, "Đã nhận ảnh 5/5")
        deliver(telegram, telegram.forwarded_update(CHAT, "Bạn trúng thưởng iPhone!", SCAM_CHANNEL))
        wait_text(telegram, t("tip.text_added"))
        deliver(telegram, telegram.text_link_update(
            CHAT, "Họ bảo bấm vào đây để nhận quà", "đây", "http://qua-tri-an.example/nhan"
        ))  # fmt: skip
        press(telegram, "tip:done")
        press(telegram, "tip:anon:anonymous")
        press(telegram, "tip:send")
        wait_text(telegram, "Mã theo dõi")
        with server.db() as db:
            tip = db.exec(select(Submission)).one()
            mimes = sorted(a.mime for a in db.exec(select(Attachment)))
    assert tip.text.startswith("Video cuộc gọi giả danh công an")
    for words in ("Ảnh chụp tin nhắn lừa đảo", "Bạn trúng thưởng iPhone!", "bấm vào đây"):
        assert words in tip.text
    assert tip.location_text == "Quán cà phê Hoa Sữa, 12 Ngõ 7, An Bình"
    assert tip.details["venue"] == {"title": "Quán cà phê Hoa Sữa", "address": "12 Ngõ 7, An Bình"}
    assert tip.details["links"] == [{"text": "đây", "url": "http://qua-tri-an.example/nhan"}]
    [origin] = tip.details["forwarded_from"]
    assert origin["kind"] == "channel" and origin["sender"] == "Nhận quà tri ân (@quatrian)"
    assert origin["date"].startswith("2025-12-02")
    assert mimes == ["audio/ogg", "image/jpeg", "image/jpeg", "video/mp4", "video/mp4"]


def test_edits_before_sending_change_the_draft_and_after_sending_reach_the_officer(
    config, telegram
):
    with Server(config, telegram) as server:
        say(telegram, "/start tip")
        press(telegram, "tip:cat:fraud")
        wait_text(telegram, "mô tả sự việc")
        original = telegram.text_update(
            CHAT, "Kẻ gian yêu cầu chuyển tiền vào tài khoản 0123456789"
        )
        deliver(telegram, original)
        wait_text(telegram, "xảy ra ở đâu")
        corrected = "Kẻ gian yêu cầu chuyển tiền vào tài khoản 0123456780 ngân hàng X"
        deliver(telegram, telegram.edit_update(original, corrected))
        wait_text(telegram, t("tip.edited"))
        tap(telegram, t("tip.skip"))
        press(telegram, "tip:skip")
        press(telegram, "tip:anon:anonymous")
        press(telegram, "tip:send")
        wait_text(telegram, "Mã theo dõi")
        later = "Kẻ gian yêu cầu chuyển tiền vào tài khoản 0123456780 ngân hàng Y, chi nhánh Z"
        deliver(telegram, telegram.edit_update(original, later))
        wait_text(telegram, "Mình đã chuyển phần bạn sửa")
        with server.db() as db:
            tip = db.exec(select(Submission)).one()
            [addition] = db.exec(select(SubmissionAddition)).all()
    assert tip.text == corrected  # the draft took the edit; the sent text stays as sent
    assert (addition.kind, addition.text, addition.submission_id) == ("correction", later, tip.id)


def test_a_citizen_adds_information_to_their_tip_by_its_tracking_code(config, telegram):
    with Server(config, telegram) as server:
        report_quick_tip(telegram)
        with server.db() as db:
            code = db.exec(select(Submission)).one().tracking_code
        say(telegram, "Bổ sung thông tin")
        wait_text(telegram, t("add.ask_code")[:20])
        say(telegram, code)
        wait_text(telegram, t("add.ask_content")[:20])
        say(telegram, "Số điện thoại kẻ gian dùng là 0987 000 111")
        deliver(telegram, telegram.photo_update(CHAT, jpeg_bytes()))
        press(telegram, "add:send")
        wait_text(telegram, "Đã chuyển phần bổ sung")
        # Someone else who learnt the code cannot add to it.
        stranger = 5555
        say(telegram, "Bổ sung thông tin", chat=stranger)
        wait_text(telegram, t("add.ask_code")[:20], chat=stranger)
        say(telegram, code, chat=stranger)
        say(telegram, "Thông tin giả mạo", chat=stranger)
        press(telegram, "add:send", chat=stranger)
        wait_text(telegram, "Không tìm thấy tin nào của bạn", chat=stranger)
        with server.db() as db:
            [addition] = db.exec(select(SubmissionAddition)).all()
            attachments = db.exec(select(Attachment)).all()
    assert addition.kind == "addition" and "0987 000 111" in addition.text
    assert len(attachments) == 1
