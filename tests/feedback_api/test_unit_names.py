"""The commune-name matcher: typed names without diacritics or with typos, mentions in text."""

from __future__ import annotations

import pytest

from feedback_api.units.names import NameEntry, confident, find_mentions, fold, match_typed

UNITS = [
    NameEntry("AB", "Công an xã An Bình", "commune", "Tỉnh Một"),
    NameEntry("HB", "Công an phường Hòa Bình", "ward", "Tỉnh Một"),
    NameEntry("TL", "Công an xã Tân Lập", "commune", "Tỉnh Một"),
    NameEntry("TT", "Công an phường Trung Tâm", "ward", "Tỉnh Một"),
    NameEntry("HB2", "Công an xã Hòa Bình", "commune", "Tỉnh Hai"),
]


def codes(matches):
    return [m.entry.code for m in matches]


def test_folding_is_plain_diacritic_folding():
    assert fold("Phường Hoà Bình") == fold("phuong hòa bình") == "phuong hoa binh"
    assert fold("Đặc khu Hòn Ngọc") == "dac khu hon ngoc"
    assert fold("P.Hòa-Bình!!") == "p hoa binh"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("xa an binh", "AB"), ("Tân Lập", "TL"), ("tan lapp", "TL"), ("phuong trung tam", "TT")],
)
def test_a_typed_name_without_diacritics_or_with_a_typo_is_found_with_confidence(typed, expected):
    matches = match_typed(typed, UNITS)
    assert codes(matches)[0] == expected
    assert confident(matches)


def test_two_communes_sharing_a_name_are_asked_about_not_guessed():
    matches = match_typed("Hòa Bình", UNITS)
    assert set(codes(matches)[:2]) == {"HB", "HB2"}
    assert not confident(matches)
    # the kind word the citizen typed puts the matching kind first, but still asks
    ward_first = match_typed("p hoa binh", UNITS)
    assert codes(ward_first)[0] == "HB" and not confident(ward_first)


def test_nonsense_matches_nothing():
    assert match_typed("xyz", UNITS) == []
    assert match_typed("   ", UNITS) == []


@pytest.mark.parametrize(
    "text",
    [
        "Có người bán ma túy đầu ngõ 7 phường Trung Tâm mỗi tối",
        "ban ma tuy dau ngo 7 p.trung tam moi toi",
        "BÁN MA TÚY Ở P. TRUNG TÂM",
        "o f trung tam co nguoi ban ma tuy",
        "dau ngo 7 phuong trung tamm",
    ],
)
def test_a_ward_named_in_a_tip_is_found_in_varied_spellings(text):
    assert codes(find_mentions(text, UNITS))[0] == "TT"


def test_a_bare_two_word_name_is_a_weaker_mention_than_one_with_its_kind_word():
    bare = find_mentions("ở trung tâm thương mại có trộm", UNITS)
    assert codes(bare) == ["TT"] and bare[0].reason == "mention_bare"
    assert find_mentions("ở phường Trung Tâm", UNITS)[0].score > bare[0].score


def test_no_mention_in_text_that_names_no_commune():
    assert find_mentions("Có người lừa đảo qua điện thoại, giả danh công an", UNITS) == []
    assert find_mentions("nhà ở xa quá không đi được", UNITS) == []


def test_a_flood_of_kind_words_is_scanned_a_bounded_number_of_times(monkeypatch):
    from feedback_api.units import names

    calls = []
    real = names.process.extract
    monkeypatch.setattr(names.process, "extract", lambda *a, **k: calls.append(1) or real(*a, **k))
    find_mentions("x " * 1500 + "phường Trung Tâm", UNITS)
    groups = len({e.core_words for e in UNITS})
    assert len(calls) <= names.MAX_KIND_WORDS * groups
