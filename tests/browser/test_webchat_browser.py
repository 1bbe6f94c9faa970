"""A citizen uses the built-in web chat on a phone-sized screen, in a real chromium.

The web chat is mounted on the feedback API's own app, as the one-process server runs it, so
the page works under the real security headers (script-src 'self': no inline script).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
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
    _expect_text(page, "Việc này xảy ra ở xã/phường nào?")
    _press(page, "Không rõ / không muốn nói")
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
    _expect_text(page, "Việc này xảy ra ở xã/phường nào?")
    page.locator("#messages button.js-location").last.click()
    _expect_text(page, "📍 Vị trí: 21.02850, 105.85420")
    _expect_text(page, "chưa xác định được xã/phường tại vị trí này")  # no boundaries here
    _press(page, "Xã An Bình")  # named in the description, so proposed first

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


def _shown_once(page, text: str) -> None:
    """The citizen's message is in the chat exactly once and nothing waits to be sent."""
    from playwright.sync_api import expect

    expect(page.locator("#messages .msg.in .bubble", has_text=text)).to_have_count(1)
    expect(page.locator("#outbox .msg")).to_have_count(0)
    expect(page.locator("#notice")).to_be_hidden()
    ids = _messages(page).locator(".msg").evaluate_all("els => els.map(e => e.id)")
    assert len(ids) == len(set(ids))


def _stored_in(chat_site, page, text: str) -> int:
    from sqlalchemy import select

    from bot.channels.webchat import chat_id_for
    from bot.storage import webchat_messages

    cookie = next(c for c in page.context.cookies() if c["name"] == "ln_chat")
    with chat_site.bot_db.connect() as connection:
        rows = connection.execute(
            select(webchat_messages).where(
                webchat_messages.c.session_id == chat_id_for(cookie["value"]),
                webchat_messages.c.direction == "in",
            )
        ).all()
    return sum(1 for row in rows if row.message.get("text") == text)


def test_an_answer_lost_on_the_way_back_is_resent_by_itself_and_shown_once(site, phone):
    """The server stored the question, but the phone never got the answer (the network
    dropped it): the page sends the same message again by itself, the server recognises it,
    and the question and its answer appear once each."""
    chat_site, url = site
    page, problems = phone
    page.goto(f"{url}/")
    _expect_text(page, "Xin chào! Đây là Lắng Nghe")
    dropped = []

    def lose_the_first_answer(route):
        if not dropped:
            response = route.fetch()  # the server receives, stores and answers...
            dropped.append(response.status)
            route.abort("connectionreset")  # ...and the answer is lost on the way back
        else:
            route.continue_()

    page.route("**/chat/send", lose_the_first_answer)
    question = "lam cccd lan dau o dau"
    _say(page, question)
    _expect_text(page, "Làm thẻ căn cước lần đầu")
    assert dropped == [200]
    _shown_once(page, question)
    assert page.locator(".msg.out .title", has_text="Làm thẻ căn cước lần đầu").count() == 1
    assert _stored_in(chat_site, page, question) == 1  # stored and answered once
    from playwright.sync_api import expect

    expect(page.locator("#notice")).to_be_hidden()  # no error left once it arrived
    assert page.locator("#outbox .msg").count() == 0 and page.locator("#text").input_value() == ""
    assert [p for p in problems if "ERR_CONNECTION_RESET" not in p] == []


def test_a_message_written_offline_waits_and_goes_when_the_network_returns(site, phone):
    chat_site, url = site
    page, problems = phone
    page.goto(f"{url}/")
    _expect_text(page, "Xin chào! Đây là Lắng Nghe")
    page.context.set_offline(True)
    question = "thủ tục đăng ký tạm trú"
    _say(page, question)
    from playwright.sync_api import expect

    waiting = page.locator("#outbox .msg", has_text=question)
    expect(waiting).to_contain_text("sẽ tự gửi lại", timeout=WAIT)  # kept, not lost
    expect(page.locator("#notice")).to_contain_text("Mất kết nối")
    assert page.locator("#messages .msg.in", has_text=question).count() == 0
    page.wait_for_timeout(1500)  # a retry or two fail while offline
    page.context.set_offline(False)  # back online: sent by itself, nobody presses anything
    _expect_text(page, "tạm trú")
    expect(page.locator("#messages .msg.in .bubble", has_text=question)).to_have_count(
        1, timeout=WAIT
    )
    _shown_once(page, question)
    assert _stored_in(chat_site, page, question) == 1
    expect(page.locator("#notice")).to_be_hidden()  # the error goes once the message arrived
    assert page.locator("#outbox .msg").count() == 0
    assert [p for p in problems if "ERR_INTERNET_DISCONNECTED" not in p] == []


def test_clearing_a_shared_phone_leaves_nothing_of_the_tip_and_the_code_still_works(
    site, phone, browser
):
    _, url = site
    page, problems = phone
    page.goto(f"{url}/")
    _press(page, "Tố giác / Báo tin")
    _press(page, "Ma túy")
    _expect_text(page, "Bạn hãy mô tả sự việc")
    story = "Nhóm người lạ bán ma túy sau quán nước đầu ngõ 7 vào buổi tối"
    _say(page, story)
    _press(page, "Không rõ / không muốn nói")
    _press(page, "Bỏ qua")
    _press(page, "Ẩn danh")
    _press(page, "Gửi tin")
    _expect_text(page, "Công an đã tiếp nhận tin báo của bạn")
    receipt = page.locator(".msg.out", has_text="Mã theo dõi").last
    code = CODE.search(receipt.inner_text()).group(0)
    assert "chậm nhất vào ngày" in receipt.inner_text()  # when to expect an answer
    assert "ghi lại mã theo dõi" in receipt.inner_text()
    old_cookie = next(c["value"] for c in page.context.cookies() if c["name"] == "ln_chat")

    # After the anonymous tip the chat offers the clearing, right under the receipt.
    receipt.get_by_role("button", name="Xóa cuộc trò chuyện trên máy này").click()
    # A tap too many must not lose the code: the phone asks again and shows the code once more.
    from playwright.sync_api import expect

    from tests.browser.axe import violations

    expect(page.get_by_role("heading", name="Xóa cuộc trò chuyện trên máy này?")).to_be_visible()
    assert code in page.locator("main").inner_text()
    assert violations(page) == []
    page.get_by_role("button", name="Xóa ngay").click()
    _expect_text(page, "Xin chào! Đây là Lắng Nghe")  # a new conversation
    cleared = page.locator(".cleared")
    expect(cleared).to_contain_text("Đã xóa cuộc trò chuyện trên máy này")
    assert cleared.bounding_box()["y"] < 844  # said where the citizen looks, not scrolled away
    for left in (code, story, "ma túy"):
        assert left not in page.content()
    storage = page.evaluate(
        "() => JSON.stringify([Object.assign({}, localStorage), Object.assign({}, sessionStorage)])"
    )
    assert code not in storage and story not in storage
    cookies = page.context.cookies()
    assert old_cookie not in {c["value"] for c in cookies}
    assert all(code not in c["value"] for c in cookies)
    for _ in range(2):  # Back (past the question page too) brings none of it back either
        with contextlib.suppress(Exception):  # a page that was the answer to a form: no page
            page.go_back(wait_until="load")
        shown = _settled_content(page)
        assert code not in shown and story not in shown

    # From another phone (a fresh browser), the tracking code still finds the tip.
    other = browser.new_context(**PHONE)
    elsewhere = other.new_page()
    elsewhere.goto(f"{url}/")
    _press(elsewhere, "Tra cứu kết quả")
    _expect_text(elsewhere, "Bạn nhập mã theo dõi")
    _say(elsewhere, code)
    _expect_text(elsewhere, "Mới tiếp nhận")
    other.close()
    assert problems == []


def _settled_content(page) -> str:
    """The page's HTML once it has stopped navigating (a reload may follow a Back)."""
    for _ in range(50):
        try:
            page.wait_for_load_state("load")
            return page.content()
        except Exception:  # "the page is navigating": ask again in a moment
            page.wait_for_timeout(100)
    return page.content()


def test_without_javascript_a_photo_is_attached_through_a_plain_form(site, browser):
    _, url = site
    context = browser.new_context(**PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{url}/")
    _press(page, "Tố giác / Báo tin")
    _press(page, "Trộm cắp")
    _say(page, "Mất trộm xe đạp trước cổng trường tiểu học An Bình sáng nay")
    _press(page, "Xã An Bình")
    _press(page, "Không cần")  # not remembered on this device
    _expect_text(page, "Bạn có ảnh hoặc tài liệu liên quan không?")
    from tests.bot.webchat_fixtures import jpeg

    picker = page.locator("#photo")
    assert picker.is_visible()  # without the script the plain file field shows
    picker.set_input_files({"name": "xe.jpg", "mimeType": "image/jpeg", "buffer": jpeg()})
    page.locator("#photo-form").get_by_role("button", name="Gửi ảnh").click()
    _expect_text(page, "📷 Ảnh")
    _expect_text(page, "Đã nhận ảnh 1/")
    context.close()


def test_the_chat_passes_axe_and_the_keyboard_goes_straight_to_the_text_box(site, phone):
    from tests.browser.axe import violations

    _, url = site
    page, problems = phone
    page.goto(f"{url}/")
    _expect_text(page, "Xin chào! Đây là Lắng Nghe")
    assert page.locator("h1").inner_text() == "Lắng Nghe"
    assert violations(page) == []
    # A short chat with a receipt: answered choices, the copy button, the clear offer.
    _say(page, "thủ tục xin giấy phép nuôi chim yến trong nhà phố")
    _press(page, "Gửi cho cán bộ")
    _press(page, "Không rõ")
    _expect_text(page, "Mã theo dõi")
    assert violations(page) == []
    # Answered choices stay visible but out of the Tab order; no invisible Tab stop.
    answered = page.locator("#messages .msg.out button.choice").first  # the welcome's menu
    assert answered.is_visible() and answered.get_attribute("tabindex") == "-1"
    stops = page.evaluate(
        """() => [...document.querySelectorAll('a[href], button, input, textarea, [tabindex]')]
                   .filter(e => e.tabIndex >= 0 && !e.disabled &&
                   e.type !== 'hidden' && getComputedStyle(e).display !== 'none')
                   .map(e => { const r = e.getBoundingClientRect();
                               return [e.tagName, r.width, r.height]; })"""
    )
    assert all(width >= 8 and height >= 8 for _, width, height in stops), stops
    # Control borders: the text box's border against white is at least 3:1.
    color = page.locator("#text").evaluate("e => getComputedStyle(e).borderTopColor")
    assert _contrast(color, "rgb(255, 255, 255)") >= 3.0, color
    # A focused choice is never hidden under the sticky bars.
    page.locator("#messages .msg.out").last.locator("button").first.focus()
    focused = page.evaluate("() => document.activeElement.getBoundingClientRect().toJSON()")
    header = page.locator("header.top").bounding_box()
    composer = page.locator("footer.composer").bounding_box()
    assert focused["top"] >= header["height"] and focused["bottom"] <= composer["y"], focused
    assert header["height"] + composer["height"] <= 0.2 * 844  # the bars leave 80% to the chat
    assert problems == []


def _contrast(first: str, second: str) -> float:
    def luminance(css: str) -> float:
        channels = [int(x) / 255 for x in re.findall(r"\d+", css)[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_with_javascript_the_photo_button_opens_the_picker_and_sends_at_once(site, phone):
    _, url = site
    page, problems = phone
    page.goto(f"{url}/")
    _press(page, "Tố giác / Báo tin")
    _press(page, "Trộm cắp")
    _say(page, "Kẻ gian lấy trộm bình ắc quy xe tải đỗ ở bãi xe chợ Bình Minh")
    _press(page, "Không rõ / không muốn nói")
    _expect_text(page, "Bạn có ảnh hoặc tài liệu liên quan không?")
    assert not page.locator("#photo").is_visible()  # no invisible field in the Tab order
    from tests.bot.webchat_fixtures import jpeg

    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="📷 Gửi ảnh").click()
    chooser.value.set_files({"name": "xe.jpg", "mimeType": "image/jpeg", "buffer": jpeg()})
    _expect_text(page, "Đã nhận ảnh 1/")
    assert page.locator("#messages .msg.in .bubble", has_text="📷 Ảnh").count() == 1
    assert problems == []


def test_a_chat_left_open_on_a_shared_phone_is_forgotten_after_the_idle_time(site, phone):
    """A citizen asks a question and puts the phone down with the page open. A day later the
    next person picks it up: the page has started a new conversation by itself."""
    from sqlalchemy import update

    from bot.channels.webchat import chat_id_for
    from bot.storage import webchat_messages

    chat_site, url = site
    page, problems = phone
    page.clock.install()
    page.goto(f"{url}/")
    question = "thủ tục đăng ký thường trú cho con mới sinh"
    _say(page, question)
    _expect_text(page, "thường trú")
    cookie = next(c for c in page.context.cookies() if c["name"] == "ln_chat")
    day_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=25)
    with chat_site.bot_db.begin() as connection:  # the server's side of a day passing
        connection.execute(
            update(webchat_messages)
            .where(webchat_messages.c.session_id == chat_id_for(cookie["value"]))
            .values(created_at=day_ago)
        )
    page.clock.fast_forward("25:00:00")  # the page's side: its next check sees the idle time
    page.clock.run_for(11_000)
    from playwright.sync_api import expect

    expect(page.locator("#messages")).not_to_contain_text(question, timeout=WAIT)
    _expect_text(page, "Xin chào! Đây là Lắng Nghe")
    assert question not in page.content()
    assert problems == []


@pytest.mark.parametrize("javascript", [True, False])
def test_on_narrow_phones_the_sticky_bars_stay_small_and_nothing_scrolls_sideways(
    site, browser, javascript
):
    """Cheap phones are 360 px wide, old ones 320: the header keeps to one line (each
    emergency number over its word), the input bar to two, with or without JavaScript."""
    _, url = site
    for width, height in ((360, 740), (320, 568)):
        context = browser.new_context(
            **{**PHONE, "viewport": {"width": width, "height": height}},
            java_script_enabled=javascript,
        )
        page = context.new_page()
        page.goto(f"{url}/")
        header = page.locator("header.top").bounding_box()["height"]
        composer = page.locator("footer.composer").bounding_box()["height"]
        assert header <= 48, (width, header)  # one line
        assert header + composer <= 0.21 * 740 if width == 360 else header + composer <= 150
        assert page.evaluate("() => document.documentElement.scrollWidth") == width
        for number in ("113", "114", "115"):
            assert page.locator(f'a[href="tel:{number}"]').is_visible()
        context.close()
