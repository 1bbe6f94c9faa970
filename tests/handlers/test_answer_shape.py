"""A citizen reads a short answer first (bold title, a summary that answers), and the details
with their legal basis only on "Xem thêm"; a channel without buttons gets the same by number."""

from __future__ import annotations

from handlers.texts import t


def test_answer_leads_with_the_title_and_the_summary_then_offers_the_details(world, faq):
    citizen = world.citizen()
    citizen.says("khong co bang lai xe may bi phat bao nhieu")
    entry = faq.entry("gt-khong-bang-lai")
    short, helpful = citizen.last
    assert short.title == entry.title
    assert short.text == entry.summary
    assert entry.answer not in short.text
    assert helpful.text == t("ask.helpful")
    assert t("ask.more") in citizen.buttons()

    citizen.presses(t("ask.more"))
    details, helpful = citizen.last
    assert details.title == entry.title
    assert details.text.startswith(entry.answer)
    assert t("ask.legal_basis", basis="").strip() in details.text
    assert "Nghị định 168/2024/NĐ-CP, Điều 18, Điều 32" in details.text
    assert t("ask.more") not in citizen.buttons()  # nothing more to show
    assert t("ask.yes") in citizen.buttons()


def test_every_entry_has_a_summary_shorter_than_its_details(faq):
    for entry in faq.entries:
        assert entry.summary, entry.id
        assert len(entry.summary) < len(entry.answer), entry.id


def test_the_legal_basis_is_rendered_from_the_register_not_typed_in_the_answer(faq):
    basis = faq.legal_basis(faq.entry("cutru-tam-vang"))
    assert basis[0] == "Luật Cư trú 2020 (số 68/2020/QH14), Điều 24, Điều 31 (khoản 1)"
    assert "Nghị định 282/2025/NĐ-CP, Điều 10" in basis


def test_without_buttons_xem_them_is_a_numbered_choice(world, faq):
    citizen = world.citizen()
    citizen.says("mat dien thoai co app ngan hang phai lam gi")
    fallback = citizen.last[-1].numbered_fallback()
    assert f"1. {t('ask.more')}" in fallback
    assert citizen.last[0].numbered_fallback().startswith(faq.entry("mat-dien-thoai").title)
    citizen.says("1")
    assert citizen.last[0].text.startswith(faq.entry("mat-dien-thoai").answer)


def test_an_expired_details_button_is_refused_politely(world):
    citizen = world.citizen()
    citizen.presses_data("ask:more:no-such-entry")
    assert t("expired_button") in citizen.last_text
