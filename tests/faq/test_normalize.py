"""The normaliser folds every way a citizen may type a word onto the same tokens."""

import unicodedata

import pytest

from faq.normalize import fold, normalize, tokens


def test_diacritics_are_folded_and_d_bar_becomes_d():
    assert fold("Đăng ký tạm trú ở đâu") == "dang ky tam tru o dau"


def test_nfc_and_nfd_input_fold_identically():
    text = "Căn cước công dân"
    nfd = unicodedata.normalize("NFD", text)
    assert nfd != text
    assert normalize(nfd) == normalize(text) == "can cuoc cong dan"


def test_tone_marks_in_old_or_new_position_fold_identically():
    assert normalize("hoà") == normalize("hòa") == "hoa"
    assert normalize("thuỷ") == normalize("thủy") == "thuy"


def test_wrong_tone_marks_still_meet_the_right_word():
    assert normalize("căn cuớc") == normalize("căn cước")
    assert normalize("hõi") == normalize("hỏi")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("cccd", "can cuoc cong dan"),
        ("CMND", "chung minh nhan dan"),
        ("ko", "khong"),
        ("k", "khong"),
        ("hok", "khong"),
        ("dc", "duoc"),
        ("đc", "duoc"),
        ("j", "gi"),
        ("ntn", "nhu the nao"),
        ("bn", "bao nhieu"),
        ("sdt", "so dien thoai"),
        ("sđt", "so dien thoai"),
        ("vs", "voi"),
        ("e", "em"),
        ("a cho em hoi", "anh cho em hoi"),
        ("ad", "admin"),
        ("gplx", "giay phep lai xe"),
        ("csgt", "canh sat giao thong"),
    ],
)
def test_chat_abbreviations_are_spelled_out(typed, expected):
    assert normalize(typed) == expected


def test_abbreviations_inside_a_sentence():
    assert normalize("e muốn làm cccd thì cần j ạ") == (
        "em muon lam can cuoc cong dan thi can gi a"
    )


def test_mk_reads_as_password_next_to_account_words_and_as_me_elsewhere():
    assert normalize("quên mk vneid") == "quen mat khau vneid"
    assert normalize("mk muốn hỏi") == "minh muon hoi"


def test_ca_reads_as_police_before_a_unit_word():
    assert normalize("CA xã ở đâu") == "cong an xa o dau"


def test_numbers_glued_to_units_are_split():
    assert normalize("con 14t làm cccd") == "con 14 tuoi lam can cuoc cong dan"


def test_stretched_letters_are_squashed_but_cccd_survives():
    assert normalize("khônggggg đượcccc") == "khong duoc"
    assert normalize("cccd") == "can cuoc cong dan"


def test_punctuation_and_emoji_are_dropped():
    assert normalize("Làm CCCD ở đâu???!!! 😭🙏") == "lam can cuoc cong dan o dau"
    assert tokens("🙏🙏🙏") == ()


def test_empty_and_whitespace_input():
    assert normalize("") == ""
    assert normalize("   \n\t ") == ""


def test_control_characters_and_odd_unicode_do_not_break_it():
    assert normalize("cccd\x00\x1b[31m ở\u200b đâu") == "can cuoc cong dan 31m o dau"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("nhà", "nha"),  # not the particle "nha" (= nhé)
        ("hẻm 12", "hem 12"),  # an alley, not "không"
        ("bị giật túi", "bi giat tui"),  # a bag, not "tôi"
        ("thẻ bị hỏng", "the bi hong"),  # damaged, not "không"
        ("chờ tý", "cho ty"),  # a moment, not "cảm ơn"
        ("add zalo", "add zalo"),
        ("cuuuuu", "cuu"),  # "cứu" keeps its double u
    ],
)
def test_abbreviations_do_not_swallow_real_words(typed, expected):
    assert normalize(typed) == expected


def test_chat_words_for_wanting_and_hotlines():
    assert normalize("mun hoi hotline") == "muon hoi so dien thoai"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Em muốn renew cái ID card sắp expire", "em muon cap doi cai the can cuoc sap het han"),
        ("quên password acc VNeID", "quen mat khau tai khoan vneid"),
        ("ờ cái vi e i đi em quên mật khẩu", "o cai vneid em quen mat khau"),
        ("số một một năm là số gì", "so 115 la so gi"),
        ("share fake news bị phạt không", "share tin gia bi phat khong"),
    ],
)
def test_english_words_and_dictated_spellings_read_as_vietnamese(text, expected):
    assert normalize(text) == expected
