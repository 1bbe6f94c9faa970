"""Hostile and odd input gets a polite Vietnamese reply and loses nothing already entered."""

from __future__ import annotations

import datetime as dt

from handlers.texts import t
from tests.handlers.conftest import jpeg


def test_a_10000_character_message_is_politely_refused(world):
    citizen = world.citizen()
    citizen.says("cccd " * 2000)
    assert "quá dài" in citizen.last_text


def test_a_too_long_tip_description_keeps_the_tip_in_progress(world):
    citizen = world.citizen()
    citizen.presses_data("m:tip")
    citizen.presses("Ma túy")
    citizen.says("a" * 10_000)
    assert "quá dài" in citizen.last_text
    citizen.says("Có người bán ma túy ở quán nước đầu ngõ 7")
    assert citizen.last[-1].text == t("where.tip")


def test_emoji_only_and_control_characters(world):
    citizen = world.citizen()
    for text in ("🙏🙏🙏", "\x00\x01\x02", "\u200b", "   "):
        citizen.says(text)
        assert citizen.last_text
        assert "bận" not in citizen.last_text


def test_unknown_and_stale_callback_data(world):
    citizen = world.citizen()
    for data in ("tip:send", "zzz", "ask:faq:../../etc/passwd", "sub:u:' OR 1=1", "x" * 64):
        citizen.presses_data(data)
        assert "hết hạn" in citizen.last_text or "Bạn cần gì" in citizen.last_text


def test_a_photo_over_the_size_limit_is_refused_politely(world):
    citizen = world.citizen()
    citizen.presses_data("m:tip")
    citizen.presses("Trộm cắp")
    citizen.says("Kẻ gian bẻ khóa lấy xe đạp ở trường học thôn Nam")
    citizen.presses(t("where.unknown"))
    citizen.sends_photo(jpeg(), size=50 * 1024 * 1024)
    assert "quá lớn" in citizen.last_text
    citizen.sends_photo(jpeg())
    assert "Đã nhận ảnh 1/5" in citizen.last_text


def test_a_photo_where_text_is_expected_is_kept_and_the_words_asked_for(world):
    citizen = world.citizen()
    citizen.presses_data("m:tip")
    citizen.presses("Trộm cắp")
    citizen.sends_photo(jpeg())
    assert t("tip.file_kept_describe") in citizen.last_text
    assert "mô tả sự việc" in citizen.last_text


def test_the_api_being_down_loses_nothing(world):
    citizen = world.citizen()
    citizen.presses_data("m:opinion")
    citizen.presses("Khác")
    citizen.says("Đề nghị tăng cường tuần tra ban đêm ở thôn Tây")
    citizen.presses(t("where.unknown"))
    citizen.presses("Bỏ qua")
    original = world.client.create_submission

    async def down(data):
        raise ConnectionError("feedback API unreachable")

    world.client.create_submission = down
    citizen.presses("Gửi góp ý")
    assert "hệ thống đang bận" in citizen.last_text
    world.client.create_submission = original
    citizen.presses("Gửi góp ý")  # the same review is still there
    assert "Góp ý đã được tiếp nhận" in citizen.last_text
    # Its receipt says when to expect an answer: an opinion's deadline, 30 days by default.
    due = dt.datetime.now(dt.timezone(dt.timedelta(hours=7))) + dt.timedelta(days=30)
    dates = {f"{due - dt.timedelta(minutes=m):%d/%m/%Y}" for m in (0, 1)}  # near midnight
    assert any(t("receipt.due", date=d) in citizen.last_text for d in dates)


def test_unicode_digits_are_not_taken_for_choices(world):
    citizen = world.citizen()
    citizen.starts()
    for text in ("²", "٣", "①", "１"):
        citizen.says(text)
        assert citizen.last_text and "bận" not in citizen.last_text
