"""A message about danger happening now is flagged, whatever else it asks."""

import pytest

from faq.emergency import is_emergency


@pytest.mark.parametrize(
    "message",
    [
        "cứu với có người đang đánh nhau trước nhà",
        "CUU VOI",
        "co trom dang be khoa xe truoc cua",
        "nha ben canh boc chay lon lam",
        "có đứa bé bị ngã xuống ao",
        "tai nan xe may co nguoi bi thuong nang o nga tu",
        "thằng đó đang cầm dao đòi chém người",
        "con toi bi bat coc",
        "chồng em đang đánh em",
        "có người định nhảy cầu",
        "help",
    ],
)
def test_danger_now_is_flagged(message):
    assert is_emergency(message)


@pytest.mark.parametrize(
    "message",
    [
        "số điện thoại cứu hỏa là gì",
        "hôm qua bị trộm xe máy thì báo ở đâu",
        "làm gì khi có cháy trong chung cư",
        "tra cứu phạt nguội",
        "đốt pháo hoa có bị phạt không",
        "đang chạy xe bị csgt dừng có phải xuất trình cccd không",
        "đăng tin bắt cóc sai sự thật bị xử lý thế nào",
        "cách sơ cứu người bị đuối nước",
        "tôi muốn đăng ký tạm trú",
        "lam sao de tranh bi trom xe",
    ],
)
def test_questions_about_danger_are_not_alarms(message):
    assert not is_emergency(message)


def test_emergency_is_independent_of_the_faq_match(faq):
    answer = faq.ask("cháy nhà rồi cứu với")
    assert answer.emergency
