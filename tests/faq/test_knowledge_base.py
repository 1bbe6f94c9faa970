"""The knowledge base is complete, valid and correct for the law in force."""

import datetime as dt
import re

import pytest

from faq.knowledge import DEFAULT_DIR, MAX_ANSWER_CHARS, REQUIRED_IDS, check, load
from faq.normalize import fold, normalize

ENTRIES = load()
BY_ID = {entry.id: entry for entry in ENTRIES}


def test_the_shipped_knowledge_base_has_no_fault():
    assert check(DEFAULT_DIR) == []


def test_all_47_required_ids_exist():
    assert len(REQUIRED_IDS) == 47
    assert set(REQUIRED_IDS) <= BY_ID.keys()


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_entry_is_chat_sized_and_says_where_to_go(entry):
    assert len(entry.answer) <= MAX_ANSWER_CHARS
    last_line = fold(entry.answer.strip().splitlines()[-1])
    assert re.search(r"cong an|113|114|115|111|goi|lien he|den|cong dich vu|vneid|hoi", last_line)


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_variants_include_unaccented_and_accented_phrasings(entry):
    assert len(entry.questions) >= 8
    unaccented = [q for q in entry.questions if fold(q) == q.lower()]
    accented = [q for q in entry.questions if fold(q) != q.lower()]
    assert unaccented and accented


def test_answers_never_send_citizens_to_district_level_bodies():
    """No district police since 1 March 2025, no district government since 1 July 2025."""
    for entry in ENTRIES:
        text = fold(entry.answer)
        assert "cong an huyen" not in text, entry.id
        assert "cong an quan" not in text, entry.id
        assert "ubnd huyen" not in text and "uy ban nhan dan huyen" not in text, entry.id


def test_identity_answers_use_the_2023_identity_law_terms():
    assert "26/2023/QH15" in [citation.doc for citation in BY_ID["cancuoc-cap-moi"].legal_basis]
    assert "thẻ căn cước" in BY_ID["cancuoc-cap-moi"].answer.lower()


def test_household_book_is_described_as_no_longer_used():
    text = fold(BY_ID["cutru-xac-nhan"].answer)
    assert "so ho khau" in text


def test_traffic_fines_cite_decree_168():
    for entry_id in ("gt-nong-do-con", "gt-mu-bao-hiem"):
        assert any(c.doc == "168/2024/NĐ-CP" for c in BY_ID[entry_id].legal_basis), entry_id


def test_emergency_numbers_entry_lists_all_four_numbers():
    for number in ("113", "114", "115", "111"):
        assert number in BY_ID["khan-cap"].answer


def test_check_reports_every_fault_with_its_file(tmp_path):
    (tmp_path / "a.yaml").write_text(
        "id: a\ntitle: A\nsummary: s\nanswer: x\nquestions: [cau hoi mot]\nkeywords: [k]\n"
        "legal_basis: [{doc: 68/2020/QH14}]\nlast_reviewed: 2025-01-01\nrelated: [missing-id]\n",
        encoding="utf-8",
    )
    (tmp_path / "b.yaml").write_text(
        "id: b\ntitle: B\nsummary: s\nanswer: " + "x" * 1300 + "\nquestions: [Câu hỏi một]\n"
        "keywords: [k]\nlegal_basis: [{doc: 99/9999/QH99}]\nlast_reviewed: 2025-01-01\n"
        "related: []\n",
        encoding="utf-8",
    )
    (tmp_path / "c.yaml").write_text("id: [unclosed", encoding="utf-8")
    (tmp_path / "d.yaml").write_text("id: d\ntitle: D\n", encoding="utf-8")
    faults = "\n".join(check(tmp_path))
    assert "c.yaml: not valid YAML" in faults
    assert "d.yaml: missing field(s)" in faults
    assert "a: related id 'missing-id' does not exist" in faults
    assert "b: answer has 1300 characters" in faults
    assert "is also a variant of a" in faults
    assert "a: 1 question variants (min 8)" in faults
    assert "cancuoc-cap-moi: required id is missing" in faults
    assert "b: cites '99/9999/QH99', which is not in the legal documents" in faults


def test_no_variant_is_shared_between_two_entries():
    owner = {}
    for entry in ENTRIES:
        for question in entry.questions:
            assert owner.setdefault(normalize(question), entry.id) == entry.id


def _cites(entry_id, doc):
    return [c.article for c in BY_ID[entry_id].legal_basis if c.doc == doc]


def test_legal_review_2026_corrections_stay_in_place():
    """The findings of the legal review (issue 7), one assertion each."""
    absence = fold(BY_ID["cutru-tam-vang"].answer)
    assert "di khoi xa/phuong (don vi hanh chinh cap xa) noi thuong tru tu 12 thang" in absence
    assert "tinh/thanh pho noi thuong tru" not in absence
    assert "Điều 31" in _cites("cutru-tam-vang", "68/2020/QH14")[0]
    fee = fold(BY_ID["cancuoc-le-phi"].answer)
    assert "64/2025/tt-btc" in fee and "dichvucong.gov.vn" in fee  # says where to check
    renewal = fold(BY_ID["cancuoc-cap-doi"].answer)
    assert "truc tuyen hoan toan" in renewal and "phai den truc tiep" in renewal
    lodging = fold(BY_ID["cutru-luu-tru"].answer)
    assert "gia dinh khong thong bao" in lodging and "8–12 trieu" in lodging
    assert "112" in BY_ID["khan-cap"].answer and "112" in BY_ID["khan-cap"].title
    assert _cites("gt-mu-bao-hiem", "36/2024/QH15") == ["Điều 33"]
    assert "moi tre ngoi xe may deu phai doi mu" in fold(BY_ID["gt-mu-bao-hiem"].answer)
    assert "phong quan ly xuat nhap canh cong an tinh" in fold(BY_ID["hochieu"].answer)
    licence = fold(BY_ID["gt-bang-lai"].answer)
    assert "cong an xa/phuong duoc giao tiep nhan" in licence
    assert "khong can voi bang xe may (a1, a, b1)" in licence
    [article] = _cites("gia-danh-cong-an", "100/2015/QH13")
    assert "Điều 339 (Tội giả mạo chức vụ, cấp bậc, vị trí công tác)" in article


def test_no_entry_cites_the_replaced_decree_144():
    for entry in ENTRIES:
        assert "144/2021/NĐ-CP" not in [c.doc for c in entry.legal_basis], entry.id
        assert "144/2021" not in entry.answer, entry.id


def test_every_entry_was_reviewed_and_summarised():
    for entry in ENTRIES:
        assert entry.last_reviewed >= dt.date(2026, 12, 2), entry.id  # the 2026 legal review
        assert 80 <= len(entry.summary) <= 320, entry.id


@pytest.mark.parametrize(
    "entry_id",
    ["gt-khong-bang-lai", "tieng-on-ban-dem", "tre-lac", "tranh-chap-hang-xom", "mat-dien-thoai"],
)
def test_new_entries_have_many_varied_variants(entry_id):
    entry = BY_ID[entry_id]
    assert len(entry.questions) >= 25
    long_stories = [q for q in entry.questions if len(q.split()) >= 20]
    assert len(long_stories) >= 4
    assert entry.related and entry.legal_basis and entry.keywords
