"""A short question that only names a family gets a menu, unless one member clearly fits."""

import pytest

from faq.families import load_families


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
