"""A short question that only names a family gets a menu, unless one member clearly fits."""

import pytest

from faq.families import load_families
from faq.matcher import Alternative


def test_families_only_list_members_the_base_has(faq):
    for family in load_families({e.id for e in faq.entries}):
        assert all(faq.entry(entry_id) for entry_id, _ in family.members)


@pytest.mark.parametrize(("message", "family"), [("căn cước", "cancuoc"), ("vneid", "vneid")])
def test_a_bare_family_name_gets_the_menu(faq, message, family):
    answer = faq.ask(message)
    assert answer.id is None
    assert answer.menu is not None and answer.menu.family == family
    assert len(answer.menu.choices) >= 3


@pytest.mark.parametrize(
    "message",
    ["làm cccd ở đâu", "lệ phí làm căn cước bao nhiêu", "quên mật khẩu vneid"],
)
def test_a_question_that_names_the_member_is_answered_directly(faq, message):
    answer = faq.ask(message)
    assert answer.menu is None and answer.id is not None


def test_an_emergency_never_gets_a_menu_or_suggestions(faq):
    answer = faq.ask("cứu với có người đang cầm dao đòi chém ngoài cổng căn cước")
    assert answer.emergency
    assert answer.menu is None and answer.alternatives == ()


def test_after_an_emergency_only_a_clear_answer_follows(faq):
    answer = faq.ask("cuu voi co nguoi dang bop co me em")
    assert answer.emergency
    assert answer.id is None and answer.alternatives == ()


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("lam cccd lan dau mien phi k", "cancuoc-le-phi"),
        ("cấp đổi căn cước bao lâu thì nhận được thẻ", "cancuoc-thoi-han"),
        ("con tôi 16 tuổi, bao nhiêu tuổi thì được thi bằng lái xe máy", "gt-tuoi-lai-xe"),
    ],
)
def test_a_family_question_that_asks_the_fee_the_time_or_the_age_gets_that_member(
    faq, message, expected
):
    assert faq.ask(message).id == expected


def test_a_stay_of_months_is_temporary_residence_and_a_few_nights_a_stay(faq):
    """Close topics the issue names: relatives staying after a family event (lưu trú) and
    someone staying months (tạm trú)."""
    months = "đứa em họ ở quê lên ở nhờ nhà tôi khoảng hai tháng để ôn thi, có phải khai báo gì"
    nights = "bố mẹ vợ lên ăn đám cưới rồi ở lại hai đêm, có phải khai báo gì với công an không"
    assert faq.ask(months).id == "cutru-tam-tru"
    assert faq.ask(nights).id == "cutru-luu-tru"


@pytest.mark.parametrize(
    ("message", "ranked", "expected"),
    [
        # "no card yet" is a first card, not the waiting time...
        (
            "em 16t chưa có thẻ căn cước, tự đi làm được không hay cần bố mẹ đi cùng",
            ["cancuoc-cap-moi", "cancuoc-thoi-han"],
            "cancuoc-cap-moi",
        ),
        # ...while "made it and still no card" is
        (
            "làm căn cước hơn một tháng rồi mà vẫn chưa có thẻ, hỏi ở đâu",
            ["cancuoc-cap-moi", "cancuoc-thoi-han"],
            "cancuoc-thoi-han",
        ),
        # a lost card is a reissue, even when "how soon" words pulled to the waiting time
        (
            "bị rơi mất cái thẻ căn cước ở bến xe, cần gấp để nộp hồ sơ, làm lại được không",
            ["cancuoc-thoi-han", "cancuoc-cap-doi"],
            "cancuoc-cap-doi",
        ),
        # ...but a renewal's fee is the fee, and a reissue's waiting time the waiting time
        (
            "đủ 25 tuổi đi đổi căn cước có phải nộp tiền không",
            ["cancuoc-cap-doi", "cancuoc-le-phi"],
            "cancuoc-le-phi",
        ),
        (
            "mất thẻ căn cước, làm lại thì bao lâu có thẻ mới",
            ["cancuoc-thoi-han", "cancuoc-cap-doi"],
            "cancuoc-thoi-han",
        ),
        # riding for years without ever taking the test: no licence, not the age
        (
            "em trai tôi 22 tuổi chạy xe máy mấy năm mà chưa bao giờ thi bằng, giờ bị phạt",
            ["gt-tuoi-lai-xe", "gt-khong-bang-lai"],
            "gt-khong-bang-lai",
        ),
        # "chưa có bằng chứng" is evidence, not a licence
        (
            "bị phạt vì lái xe khi chưa đủ tuổi mà chưa có bằng chứng gì",
            ["gt-tuoi-lai-xe", "gt-khong-bang-lai"],
            "gt-tuoi-lai-xe",
        ),
    ],
)
def test_what_the_message_says_of_the_card_or_licence_picks_the_member(
    faq, message, ranked, expected
):
    """Families.prefer, given the two scorers' order: the member whose question is asked comes
    first when it is close behind."""
    alternatives = [Alternative(entry_id, 0.5 - 0.1 * i) for i, entry_id in enumerate(ranked)]
    assert faq.families.prefer(message, alternatives)[0].id == expected
