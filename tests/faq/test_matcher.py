"""Citizens get the right topic however they type, and an honest "no match" otherwise."""

import pytest

from faq.knowledge import Entry
from faq.matcher import Matcher
from faq.smalltalk import SmallTalk


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("Làm thẻ căn cước lần đầu cần giấy tờ gì?", "cancuoc-cap-moi"),
        ("lam the can cuoc lan dau can giay to gi", "cancuoc-cap-moi"),
        ("e 14t lam cccd o dau z ad", "cancuoc-cap-moi"),
        ("quên mk vneid phải làm sao", "vneid-mat-khau"),
        ("dang ky tam tru cho sinh vien thue tro", "cutru-tam-tru"),
        ("nồng độ cồn xe máy phạt bao nhiêu", "gt-nong-do-con"),
        ("co nguoi goi tu xung cong an doi chuyen tien", "gia-danh-cong-an"),
        ("viec nhe luong cao sang campuchia", "luadao-viec-nhe"),
    ],
)
def test_citizen_phrasings_find_their_topic(faq, message, expected):
    assert faq.ask(message).id == expected


def test_score_is_in_unit_interval_and_alternatives_are_at_most_three(faq):
    answer = faq.ask("làm căn cước cho con")
    assert 0.0 <= answer.score <= 1.0
    assert len(answer.alternatives) <= 3
    assert all(0.0 <= a.score <= 1.0 for a in answer.alternatives)
    assert answer.id not in {a.id for a in answer.alternatives}


@pytest.mark.parametrize(
    "message",
    ["giá vàng hôm nay", "công thức nấu phở bò", "thời tiết hà nội ngày mai", "asdfgh", "🙏🙏"],
)
def test_out_of_scope_messages_get_no_match(faq, message):
    assert faq.ask(message).id is None


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("chào ad", SmallTalk.GREETING),
        ("xin chào", SmallTalk.GREETING),
        ("alo", SmallTalk.GREETING),
        ("cảm ơn nhiều ạ", SmallTalk.THANKS),
        ("thanks ad", SmallTalk.THANKS),
        ("tạm biệt", SmallTalk.GOODBYE),
    ],
)
def test_greetings_and_thanks_are_not_questions(faq, message, kind):
    answer = faq.ask(message)
    assert answer.id is None
    assert answer.small_talk == kind


def test_a_greeting_with_a_question_is_a_question(faq):
    answer = faq.ask("chào ad, cho em hỏi làm cccd lần đầu ở đâu")
    assert answer.small_talk is None
    assert answer.id == "cancuoc-cap-moi"


def test_empty_and_punctuation_only_messages_do_not_crash(faq):
    for message in ("", "   ", "?!?!", "\x00\x01", "ạ"):
        answer = faq.ask(message)
        assert answer.id is None


def test_very_long_message_is_cut_and_still_answered(faq):
    answer = faq.ask("làm căn cước lần đầu " + "a" * 20_000)
    assert 0.0 <= answer.score <= 1.0


def test_typo_in_a_rare_word_is_corrected_to_the_known_word():
    entry = Entry(
        "x",
        "Tài khoản định danh",
        "…",
        ("đăng ký tài khoản định danh điện tử",) * 8,
        ("vneid",),
        ("l",),
        __import__("datetime").date(2025, 1, 1),
        (),
    )
    other = Entry(
        "y",
        "Hộ chiếu",
        "…",
        ("làm hộ chiếu phổ thông",) * 8,
        ("passport",),
        ("l",),
        __import__("datetime").date(2025, 1, 1),
        (),
    )
    matcher = Matcher([entry, other])
    assert matcher.match("dang ky tai khoan dinh danhh dien tu").id == "x"


def test_matcher_on_an_empty_base_answers_no_match():
    assert Matcher([]).match("làm căn cước").id is None
