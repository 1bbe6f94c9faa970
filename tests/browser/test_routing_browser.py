"""A citizen picks a ward in the web chat (phone-sized chromium) and that ward's officer, and
only they and those above them, see the tip in /officer, with the new-items count in the
navigation. One process serves both, as `make run` does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from faq.assistant import Faq
from feedback_api.officers import service as officers
from feedback_api.officers.schemas import OfficerCreate
from feedback_api.units import service as units
from tests.bot.webchat_fixtures import ChatSite, migrated_api_db
from tests.browser.conftest import LiveServer
from tests.browser.test_webchat_browser import PHONE, WAIT, _expect_text, _press, _run, _say

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
PASSWORD = "mat-khau-trinh-duyet-routing-1"
CODE = re.compile(r"LN-[0-9A-Z]{4}-[0-9A-Z]{4}")
OFFICERS = {"can.bo.binhminh": "PB", "can.bo.anbinh": "XA", "can.bo.tinh": "T"}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    data = tmp_path_factory.mktemp("routing-browser")
    site = ChatSite(
        data, migrated_api_db(data / "template.db"), Faq.from_directory(), combined=True
    )
    with site.api_db() as db:
        for username, code in OFFICERS.items():
            officers.create(
                db_session=db,
                actor=None,
                data=OfficerCreate(
                    username=username,
                    full_name=f"Cán bộ {code}",
                    role="officer",
                    unit_id=units.get_by_code(db_session=db, code=code).id,
                    password=PASSWORD,
                ),
            )
    with LiveServer(site.app) as server:
        yield site, server.url
    _run(site.api.aclose)
    site.close()


def _inbox_of(browser, url: str, username: str, shot: str | None = None):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{url}/officer/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{url}/officer")
    text = page.content()
    if shot:
        page.screenshot(path=str(SHOTS / shot))
    counts = page.locator('[data-nav="new"]')
    new = counts.inner_text() if counts.count() else ""
    context.close()
    return text, new


def test_a_citizen_picks_a_ward_and_only_its_officers_see_the_tip(site, browser):
    _, url = site
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{url}/")
    _press(page, "Tố giác / Báo tin")
    _press(page, "Trộm cắp")
    _expect_text(page, "Bạn hãy mô tả sự việc")
    _say(page, "Kẻ gian bẻ khóa lấy trộm xe máy trước cổng chợ vào ban đêm")
    _expect_text(page, "Việc này xảy ra ở xã/phường nào?")
    _say(page, "p binh minh")  # typed, without diacritics
    _expect_text(page, "Lần sau mình gợi ý ngay Phường Bình Minh")
    page.wait_for_timeout(300)
    page.screenshot(path=str(SHOTS / "routing-webchat.png"))
    _press(page, "Không cần")
    _expect_text(page, "Bạn có ảnh hoặc tài liệu liên quan không?")
    _press(page, "Bỏ qua")
    _press(page, "Ẩn danh")
    _expect_text(page, "Phường Bình Minh")  # the review names the ward
    _press(page, "Gửi tin")
    _expect_text(page, "Công an đã tiếp nhận tin báo của bạn")
    accepted = page.locator(".msg.out .bubble", has_text="Mã theo dõi").last.inner_text()
    code = CODE.search(accepted).group(0)
    _say(page, code)
    expect(page.locator("#messages")).to_contain_text(
        "Đơn vị xử lý: Công an phường Bình Minh", timeout=WAIT
    )
    assert problems == []
    context.close()

    ward, ward_new = _inbox_of(browser, url, "can.bo.binhminh", "routing-officer-inbox.png")
    neighbour, neighbour_new = _inbox_of(browser, url, "can.bo.anbinh")
    province, _ = _inbox_of(browser, url, "can.bo.tinh")
    assert code in ward and ward_new == "1 mới"
    assert code in province
    assert code not in neighbour and neighbour_new == ""
