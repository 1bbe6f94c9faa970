"""A citizen uses the built-in web chat on a phone-sized screen, in a real chromium.

The web chat is mounted on the feedback API's own app, as the one-process server runs it, so
the page works under the real security headers (script-src 'self': no inline script).
"""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from faq.assistant import Faq
from tests.bot.webchat_fixtures import ChatSite, migrated_api_db
from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

# Written under var/ (ignored by git); copy it to docs/ by hand to refresh the README picture.
SCREENSHOT = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "webchat.png"
ANSWER_SHOT = SCREENSHOT.with_name("webchat-answer.png")
SUMMARY_SHOT = SCREENSHOT.with_name("webchat-summary.png")
CODE = re.compile(r"LN-[0-9A-Z]{4}-[0-9A-Z]{4}")
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "vi-VN",
}
WAIT = 15_000


def _run(function, *args):
    """Run a coroutine function to the end outside this thread (Playwright's loop runs here)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(function(*args))).result()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    data = tmp_path_factory.mktemp("webchat-browser")
    site = ChatSite(
        data, migrated_api_db(data / "template.db"), Faq.from_directory(), combined=True
    )
    with LiveServer(site.app) as server:
        yield site, server.url
    _run(site.api.aclose)
    site.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    yield page, problems
    context.close()


def _messages(page):
    return page.locator("#messages")


def _expect_text(page, text: str) -> None:
    from playwright.sync_api import expect

    expect(_messages(page)).to_contain_text(text, timeout=WAIT)


def _press(page, label: str) -> None:
    """Press the newest button with this label (older messages keep theirs, like Telegram)."""
    page.locator("#messages button.choice", has_text=label).last.click()


def _say(page, text: str, *, enter: bool = False) -> None:
    page.locator("#text").fill(text)
    if enter:
        page.locator("#text").press("Enter")
    else:
        page.get_by_role("button", name="Gửi", exact=True).click()


def test_a_citizen_asks_reports_a_tip_and_follows_it_up(site, phone):
    _, url = site
    page, problems = phone
    page.goto(f"{url}/")
    _expect_text(page, "Xin chào! Đây là Lắng Nghe")
    header = page.locator("header").inner_text()
    assert "113" in header and "114" in header and "115" in header

    _say(page, "lam cccd lan dau o dau")
    _expect_text(page, "Làm thẻ căn cước lần đầu")
    assert page.locator("#text").input_value() == ""  # the box is cleared after sending

    _press(page, "Tố giác / Báo tin")
    _expect_text(page, "Tin của bạn liên quan đến lĩnh vực nào?")
    _press(page, "Ma túy")
    _expect_text(page, "Bạn hãy mô tả sự việc")
    _say(page, "Có nhóm thanh niên tụ tập sử dụng ma túy ở nhà hoang cuối thôn Đông", enter=True)
    _expect_text(page, "Sự việc xảy ra ở đâu?")
    _press(page, "Bỏ qua")
    _expect_text(page, "Bạn có ảnh hoặc tài liệu liên quan không?")
    _press(page, "Bỏ qua")
    _expect_text(page, "Bạn muốn gửi tin theo cách nào?")
    _press(page, "Ẩn danh")
    _expect_text(page, "Bạn kiểm tra lại trước khi gửi")
    _press(page, "Gửi tin")
    _expect_text(page, "Công an đã tiếp nhận tin báo của bạn")
    accepted = page.locator(".msg.out .bubble", has_text="Mã theo dõi").last.inner_text()
    code = CODE.search(accepted).group(0)

    _press(page, "Tra cứu kết quả")
    _expect_text(page, "Bạn nhập mã theo dõi")
    _say(page, code)
    _expect_text(page, "Mới tiếp nhận")
    # A reload shows the same conversation, from the session cookie.
    page.reload()
    _expect_text(page, code)
    assert page.locator(".msg.in .bubble", has_text="lam cccd lan dau o dau").count() == 1
    page.wait_for_timeout(300)  # let the scroll to the newest message settle
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    assert problems == []  # no script error, no Content-Security-Policy violation


def test_an_officer_reply_arrives_by_polling_and_location_can_be_shared(site, phone, browser):
    chat_site, url = site
    page, problems = phone
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 21.0285, "longitude": 105.8542})
    page.goto(f"{url}/")
    _expect_text(page, "Xin chào! Đây là Lắng Nghe")

    _press(page, "Tố giác / Báo tin")
    _press(page, "Trộm cắp")
    _expect_text(page, "Bạn hãy mô tả sự việc")
    _say(page, "Kẻ gian bẻ khóa xe máy trước chợ An Bình vào ban đêm")
    _expect_text(page, "Sự việc xảy ra ở đâu?")
    page.locator("#messages button.js-location").last.click()
    _expect_text(page, "📍 Vị trí: 21.02850, 105.85420")
    _expect_text(page, "Bạn có ảnh hoặc tài liệu liên quan không?")

    cookie = next(c for c in page.context.cookies() if c["name"] == "ln_chat")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    from bot.channels.webchat import chat_id_for
    from handlers.events import OutboundMessage

    reply = OutboundMessage("Cán bộ Công an xã An Bình đã xem tin của bạn.")
    _run(chat_site.chat.send, chat_id_for(cookie["value"]), reply)
    _expect_text(page, "Cán bộ Công an xã An Bình đã xem tin của bạn.")  # within one poll
    assert _messages(page).locator(".msg").count() == len(
        set(_messages(page).locator(".msg").evaluate_all("els => els.map(e => e.id)"))
    )  # no message shown twice
    assert problems == []


def test_a_long_answer_is_shown_from_its_bold_title_not_scrolled_to_its_end(site, phone):
    _, url = site
    page, problems = phone
    page.goto(f"{url}/")
    _expect_text(page, "Xin chào! Đây là Lắng Nghe")
    _say(page, "Tối qua tôi để quên điện thoại trên taxi, trong máy có app ngân hàng, làm gì?")
    _expect_text(page, "Câu trả lời có giúp ích cho bạn không?")
    title = page.locator(".msg.out .bubble .title", has_text="Mất điện thoại").last
    assert title.evaluate("e => getComputedStyle(e).fontWeight") in ("700", "bold")
    page.wait_for_timeout(300)
    page.screenshot(path=str(SUMMARY_SHOT))

    _press(page, "Xem thêm")
    _expect_text(page, "Căn cứ pháp lý")
    page.wait_for_timeout(300)  # let the scroll settle
    details = page.locator(".msg.out", has_text="Căn cứ pháp lý").last
    box = details.bounding_box()
    header = page.locator("header.top").bounding_box()
    # The start of the details is on screen, just under the sticky header...
    assert header["height"] <= box["y"] <= header["height"] + 40, (box, header)
    # ...because it is longer than the screen: scrolling to the end would have hidden it.
    assert box["height"] > 844 - header["height"]
    page.screenshot(path=str(ANSWER_SHOT))
    assert problems == []
