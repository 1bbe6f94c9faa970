"""The legal documents register: citations must resolve, and the legal officer learns which
entries rest on a replaced document or have not been reviewed for a year."""

import datetime as dt

from faq.knowledge import load
from faq.legal import Citation, Document, Documents, read_documents, review

DOCUMENTS, DOCUMENT_FAULTS = read_documents()
TODAY = dt.date(2026, 12, 2)


def test_the_shipped_register_has_no_fault_and_covers_every_citation():
    assert DOCUMENT_FAULTS == []
    cited = {citation.doc for entry in load() for citation in entry.legal_basis}
    assert cited <= DOCUMENTS.by_number.keys()


def test_decree_144_is_replaced_by_282_from_15_december_2025():
    assert DOCUMENTS.get("144/2021/NĐ-CP").superseded_by == "282/2025/NĐ-CP"
    assert DOCUMENTS.get("282/2025/NĐ-CP").in_force_from == dt.date(2025, 12, 15)
    assert DOCUMENTS.superseded_on("144/2021/NĐ-CP", dt.date(2025, 12, 14)) is None
    assert DOCUMENTS.superseded_on("144/2021/NĐ-CP", dt.date(2025, 12, 15)) == "282/2025/NĐ-CP"


def test_no_shipped_entry_cites_a_superseded_document_or_is_overdue_today():
    assert review(load(), DOCUMENTS, TODAY) == []


def test_citation_is_rendered_with_the_number_and_article():
    rendered = DOCUMENTS.render(Citation("68/2020/QH14", "Điều 31"))
    assert rendered == "Luật Cư trú 2020 (số 68/2020/QH14), Điều 31"
    assert DOCUMENTS.render(Citation("282/2025/NĐ-CP")) == "Nghị định 282/2025/NĐ-CP"


def test_register_faults_name_the_document(tmp_path):
    path = tmp_path / "docs.yaml"
    path.write_text(
        "documents:\n"
        "  - {number: 1/2020/QH14, title: A, cite: Luật A, in_force_from: 2020-01-01,"
        " superseded_by: 9/2030/QH99}\n"
        "  - {number: 1/2020/QH14, title: A, cite: Luật A, in_force_from: '2020-13-01'}\n"
        "  - {number: 2/2020/QH14}\n",
        encoding="utf-8",
    )
    _, faults = read_documents(path)
    text = "\n".join(faults)
    assert "1/2020/QH14 is superseded by 9/2030/QH99, which is not listed" in text
    assert "listed more than once" in text
    assert "not a date" in text
    assert "document 3: needs number, title and cite" in text
    path.write_text(
        "documents:\n  - {number: 1/2020/QH14, in_force_from: 2020-13-01}\n", encoding="utf-8"
    )
    _, faults = read_documents(path)
    assert "cannot read the legal documents" in faults[0]


def test_review_is_due_after_twelve_months_not_on_the_day(tmp_path):
    [entry] = [e for e in load() if e.id == "khan-cap"]
    register = Documents([])
    reviewed = entry.last_reviewed
    assert review([entry], register, reviewed + dt.timedelta(days=365)) == []
    [finding] = review([entry], register, reviewed + dt.timedelta(days=366))
    assert finding.overdue_days == 1 and finding.superseded == ()


def test_superseded_citation_is_found_once_the_successor_is_in_force():
    old = Document(
        "1/2020/NĐ-CP", "Cũ", "Nghị định 1/2020/NĐ-CP", dt.date(2020, 1, 1), "2/2026/NĐ-CP"
    )
    new = Document("2/2026/NĐ-CP", "Mới", "Nghị định 2/2026/NĐ-CP", dt.date(2026, 6, 1))
    register = Documents([old, new])
    [entry] = [e for e in load() if e.id == "khan-cap"]
    entry = type(entry)(**{**entry.__dict__, "legal_basis": (Citation("1/2020/NĐ-CP"),)})
    assert review([entry], register, dt.date(2026, 5, 31)) == []
    [finding] = review([entry], register, dt.date(2026, 6, 1))
    assert finding.superseded == (("1/2020/NĐ-CP", "2/2026/NĐ-CP"),)
    assert finding.reasons() == ["cites 1/2020/NĐ-CP, superseded by 2/2026/NĐ-CP"]
