"""The built-in web chat over HTTP: a citizen's session, the conversation, its protections.

The engine, the feedback API (SQLite, in process) and the bot's tables are all real; requests
go through FastAPI's TestClient, which runs the app in one event loop for the whole test.
"""

from __future__ import annotations

import html
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import select

from bot.channels.webchat import COOKIE, WebChat, chat_id_for, csrf_for
from bot.sender import Sender
from bot.storage import webchat_messages
from faq.assistant import Faq
from feedback_api.outbox import service as outbox
from feedback_api.submissions.models import Attachment, Submission
from handlers.events import Button, FileRef, OutboundMessage
from handlers.texts import t
from tests.bot.webchat_fixtures import ChatSite, jpeg, migrated_api_db, page_cursor

HX = {"HX-Request": "true"}


@pytest.fixture(scope="module")
def faq() -> Faq:
    return Faq.from_directory()


@pytest.fixture(scope="module")
def api_template(tmp_path_factory):
    return migrated_api_db(tmp_path_factory.mktemp("webchat-api") / "template.db")


@pytest.fixture
def site(tmp_path, api_template, faq):
    site = ChatSite(tmp_path, api_template, faq)
    yield site
    site.close()


@pytest.fixture
def client(site):
    with TestClient(site.app) as client:
        yield client
        client.portal.call(site.api.aclose)


class Visitor:
    """A browser with htmx: keeps the page's cursor as the out-of-band swaps would."""

    def __init__(self, client: TestClient):
        self.client = client
        self.page = client.get("/")
        assert self.page.status_code == 200
        self.cursor = page_cursor(self.page.text)
        self.last = self.page

    @property
    def chat_id(self) -> str:
        return chat_id_for(self.client.cookies[COOKIE])

    def post(self, path: str, **kwargs):
        data = {"after": str(self.cursor), **kwargs.pop("data", {})}
        self.last = self.client.post(path, data=data, headers=HX, **kwargs)
        if self.last.status_code == 200:
            self.cursor = page_cursor(self.last.text)
        return self.last

    def says(self, text: str):
        return self.post("/chat/send", data={"text": text})

    def presses(self, label: str):
        """Press the latest button whose label contains `label`, as the page shows it."""
        pattern = r'name="data" value="([^"]+)">\s*<button[^>]*>([^<]*)</button>'
        for data, shown in reversed(re.findall(pattern, self.last.text)):
            if label in html.unescape(shown):
                return self.post("/chat/press", data={"data": html.unescape(data)})
        raise AssertionError(f"no button {label!r} in the last response")

    def text(self) -> str:
        return html.unescape(self.last.text)


def test_a_new_visitor_gets_the_welcome_the_menu_and_a_private_session_cookie(client, site):
    visitor = Visitor(client)
    page = visitor.page
    assert 'lang="vi"' in page.text and "Lắng Nghe" in page.text
    for number in ("113", "114", "115"):  # the emergency numbers, in the header and the welcome
        assert f'href="tel:{number}"' in page.text
    assert "Xin chào! Đây là Lắng Nghe" in page.text
    assert 'value="m:tip"' in page.text and "🛡️ Tố giác / Báo tin</button>" in page.text
    cookie = page.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower() and "Max-Age=7776000" in cookie
    assert "Secure" not in cookie
    assert page.headers["cache-control"] == "no-store"
    assert "cdn" not in page.text.lower() and "/chat/static/htmx-2.0.11.min.js" in page.text
    # Coming back shows the same conversation; the welcome is not sent twice.
    again = client.get("/")
    assert again.text.count("Xin chào! Đây là Lắng Nghe") == 1
    # The database knows the session only by a hash of the cookie.
    token = client.cookies[COOKIE]
    with site.bot_db.connect() as connection:
        sessions = {row.session_id for row in connection.execute(select(webchat_messages))}
    assert sessions == {chat_id_for(token)} and token not in sessions


def test_cookies_are_secure_when_configured_and_a_forged_cookie_starts_afresh(site, tmp_path):
    chat = WebChat(site.engine, site.bot_db, tmp_path / "up", secure_cookies=True)
    app = FastAPI()
    app.include_router(chat.router)
    with TestClient(app, base_url="https://testserver") as client:
        page = client.get("/", headers={"Cookie": f"{COOKIE}=not-a-token"})
        cookie = page.headers["set-cookie"]
        assert "Secure" in cookie and "Xin chào!" in page.text
        assert re.match(rf"{COOKIE}=[A-Za-z0-9_-]{{43}}\.[A-Za-z0-9_-]{{43}};", cookie)
        client.portal.call(site.api.aclose)


def test_a_question_without_diacritics_gets_the_faq_answer(client):
    visitor = Visitor(client)
    response = visitor.says("lam cccd lan dau o dau")
    assert response.status_code == 200
    assert "lam cccd lan dau o dau" in response.text  # the citizen's own bubble
    assert "căn cước" in visitor.text().lower()
    assert "👍 Có" in visitor.text()
    assert 'hx-swap-oob="true"' in response.text  # the page's cursor moves on
    visitor.presses("👍 Có")
    assert "Cảm ơn bạn đã phản hồi" in visitor.text()


def test_an_answer_shows_its_title_in_bold_and_the_details_on_xem_them(client):
    visitor = Visitor(client)
    fragment = visitor.says("hang xom hat karaoke 1h sang").text
    assert '<strong class="title">Hàng xóm gây ồn, hát karaoke, mở loa lớn</strong>' in fragment
    assert "Căn cứ pháp lý" not in fragment
    details = visitor.presses("Xem thêm").text
    assert '<strong class="title">Hàng xóm gây ồn' in details
    assert "Căn cứ pháp lý" in details and "Nghị định 282/2025/NĐ-CP, Điều 8, Điều 9" in details


def test_pressing_buttons_runs_a_flow_and_the_press_shows_as_the_label(client):
    visitor = Visitor(client)
    visitor.presses("Tra cứu kết quả")
    assert "LN-XXXX-XXXX" in visitor.text()
    assert '<div class="bubble">🔎 Tra cứu kết quả</div>' in visitor.last.text
    visitor.says("LN-0000-0000")
    assert "Không tìm thấy mã LN-0000-0000" in visitor.text()


def test_commands_typed_in_the_box_work(client):
    visitor = Visitor(client)
    visitor.presses("Tố giác")
    visitor.says("/cancel")
    assert "Đã hủy" in visitor.text()


def test_hostile_html_is_shown_escaped_never_run(client):
    visitor = Visitor(client)
    hostile = '<script>alert("xss")</script><img src=x onerror=alert(1)>'
    fragment = visitor.says(hostile).text
    page = client.get("/").text
    for body in (fragment, page):
        assert "<script>alert" not in body and "<img src=x" not in body
        assert "&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;&lt;img src=x" in body


def test_posts_without_htmx_header_or_form_token_are_refused(client):
    Visitor(client)
    before = page_cursor(client.get("/").text)
    assert client.post("/chat/send", data={"text": "xin chào"}).status_code == 403
    forged = {"text": "xin chào", "csrf_token": "0" * 40}
    assert client.post("/chat/send", data=forged).status_code == 403
    assert client.post("/chat/press", data={"data": "m:tip"}).status_code == 403
    assert client.post("/chat/photo", files={"file": ("a.jpg", jpeg())}).status_code == 403
    assert page_cursor(client.get("/").text) == before  # nothing was recorded
    # Without a session cookie nothing is accepted, even from htmx.
    client.cookies.clear()
    assert client.post("/chat/send", data={"text": "a"}, headers=HX).status_code == 403


def test_without_javascript_a_form_post_with_the_token_redirects_to_the_chat(client):
    page = client.get("/")
    token = client.cookies[COOKIE]
    assert f'name="csrf_token" value="{csrf_for(token)}"' in page.text
    response = client.post(
        "/chat/send",
        data={"text": "xin chào", "csrf_token": csrf_for(token)},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/#cuoi"
    assert "Xin chào bạn! Mình có thể giúp gì cho bạn?" in client.get("/").text
    pressed = {"data": "m:track", "csrf_token": csrf_for(token)}
    assert client.post("/chat/press", data=pressed, follow_redirects=False).status_code == 303
    assert "Bạn nhập mã theo dõi" in client.get("/").text


def test_a_message_sent_to_the_session_appears_in_the_next_poll(client, site):
    visitor = Visitor(client)
    assert client.get(f"/chat/poll?after={visitor.cursor}").status_code == 204
    assert TestClient(site.app).get("/chat/poll?after=0").status_code == 204  # no session
    message = OutboundMessage(
        "Công an xã đã nhận tin <b>của bạn</b>.", ((Button("🏠 Về menu", "m:menu"),),)
    )
    client.portal.call(site.chat.send, visitor.chat_id, message)
    polled = client.get(f"/chat/poll?after={visitor.cursor}")
    assert polled.status_code == 200
    assert "Công an xã đã nhận tin &lt;b&gt;của bạn&lt;/b&gt;." in polled.text
    assert 'value="m:menu"' in polled.text
    assert page_cursor(polled.text) > visitor.cursor
    assert client.get(f"/chat/poll?after={page_cursor(polled.text)}").status_code == 204
    # Another browser does not see it.
    with TestClient(site.app) as other:
        Visitor(other)
        assert "Công an xã đã nhận tin" not in other.get("/").text


def test_an_officer_reply_reaches_a_web_chat_citizen_through_the_sender(client, site):
    visitor = Visitor(client)
    citizen_ref = site.contacts.citizen_ref("web", visitor.chat_id)
    with site.api_db() as db:
        outbox.enqueue(
            db_session=db,
            citizen_ref=citizen_ref,
            text="Trả lời của cán bộ xã.",
            purpose="broadcast",
        )
        db.commit()
    sender = Sender(site.api, site.contacts, {"web": site.chat})
    assert client.portal.call(sender.run_once) == 1
    polled = client.get(f"/chat/poll?after={visitor.cursor}")
    assert "Trả lời của cán bộ xã." in polled.text


def test_an_uploaded_photo_can_be_fetched_back_and_reaches_the_tip(client, site):
    visitor = Visitor(client)
    visitor.presses("Tố giác")
    visitor.presses("Trộm cắp")
    visitor.says("Kẻ gian bẻ khóa xe máy trước chợ An Bình vào ban đêm")
    visitor.presses("Bỏ qua")
    content = jpeg()
    response = visitor.post("/chat/photo", files={"file": ("ảnh.png", content, "image/png")})
    assert response.status_code == 200 and "Đã nhận ảnh 1/5" in visitor.text()
    state, _ = client.portal.call(site.store.load, "web", visitor.chat_id)
    [photo] = state.data["photos"]
    assert photo["mime"] == "image/jpeg" and photo["name"] == "anh.jpg"  # sniffed, not claimed
    assert client.portal.call(site.chat.fetch, FileRef(photo["id"])) == content
    with pytest.raises(LookupError):
        client.portal.call(site.chat.fetch, FileRef("../bot.db"))
    visitor.presses("Xong")
    visitor.presses("Ẩn danh")
    visitor.presses("Gửi tin")
    assert re.search(r"LN-[0-9A-Z]{4}-[0-9A-Z]{4}", visitor.text())
    with site.api_db() as db:
        [tip] = db.exec(select(Submission)).all()
        assert tip.channel == "web" and len(db.exec(select(Attachment)).all()) == 1


def test_a_file_that_is_not_an_image_is_refused_politely(client):
    visitor = Visitor(client)
    response = visitor.post("/chat/photo", files={"file": ("a.jpg", b"MZ\x90\x00 not a photo")})
    assert response.status_code == 415
    assert "Mình chỉ nhận ảnh JPG, PNG, WebP hoặc GIF" in visitor.text()


@pytest.mark.parametrize("size_mb", [11, 20])
def test_an_oversized_upload_is_refused_politely(client, size_mb):
    visitor = Visitor(client)
    big = b"\xff\xd8\xff" + bytes(size_mb * 1024 * 1024)
    response = visitor.post("/chat/photo", files={"file": ("big.jpg", big, "image/jpeg")})
    assert response.status_code == 413
    assert "Ảnh/tệp này quá lớn (tối đa 10 MB)" in visitor.text()
    assert "Ảnh/tệp này quá lớn" in client.get("/").text  # kept in the conversation


def test_static_files_are_vendored_and_nothing_else_is_served(client):
    htmx = client.get("/chat/static/htmx-2.0.11.min.js")
    assert htmx.status_code == 200 and "javascript" in htmx.headers["content-type"]
    assert client.get("/chat/static/webchat.css").status_code == 200
    assert client.get("/chat/static/webchat.js").status_code == 200
    assert client.get("/chat/static/..%2Fwebchat.py").status_code == 404
    assert client.get("/chat/static/page.html").status_code == 404


def test_a_session_token_the_client_invents_is_refused_and_a_new_one_issued(client):
    invented = "A" * 43  # the shape the old server accepted from anyone
    page = client.get("/", headers={"Cookie": f"{COOKIE}={invented}"})
    issued = page.cookies.get(COOKIE)
    assert issued and issued != invented and "." in issued  # nonce.signature
    forged = issued.split(".")[0] + "." + "B" * 43  # right shape, signature not the server's
    client.cookies.clear()
    refused = client.post(
        "/chat/send", data={"text": "xin chào"}, headers={**HX, "Cookie": f"{COOKIE}={forged}"}
    )
    assert refused.status_code == 403


def test_photo_uploads_are_rate_limited_per_chat_session(client):
    visitor = Visitor(client)
    visitor.presses("Tố giác")
    statuses = [
        visitor.post("/chat/photo", files={"file": ("a.jpg", jpeg(), "image/jpeg")}).status_code
        for _ in range(11)
    ]
    assert 429 not in statuses[:10] and statuses[10] == 429
    assert t("tip.photo_rate_limited") in visitor.text()
    other = Visitor(TestClient(client.app))  # another session is not affected
    other.presses("Tố giác")
    assert other.post("/chat/photo", files={"file": ("a.jpg", jpeg())}).status_code != 429


def _uploads(site) -> list:
    return (
        sorted(p.name for p in site.chat.upload_dir.glob("*"))
        if site.chat.upload_dir.exists()
        else []
    )


def test_photos_leave_the_web_chat_when_the_tip_is_sent(client, site):
    visitor = Visitor(client)
    visitor.presses("Tố giác")
    visitor.presses("Trộm cắp")
    visitor.says("Kẻ gian bẻ khóa xe máy trước chợ An Bình vào ban đêm")
    visitor.presses("Bỏ qua")
    visitor.post("/chat/photo", files={"file": ("a.jpg", jpeg(), "image/jpeg")})
    assert len(_uploads(site)) == 1
    visitor.presses("Xong")
    visitor.presses("Ẩn danh")
    visitor.presses("Gửi tin")
    assert _uploads(site) == []  # the sealed original now lives in the feedback API only
    with site.api_db() as db:
        assert len(db.exec(select(Attachment)).all()) == 1


def test_photos_of_a_cancelled_draft_are_deleted(client, site):
    visitor = Visitor(client)
    visitor.presses("Tố giác")
    visitor.presses("Trộm cắp")
    visitor.says("Kẻ gian bẻ khóa xe máy trước chợ An Bình vào ban đêm")
    visitor.presses("Bỏ qua")
    visitor.post("/chat/photo", files={"file": ("a.jpg", jpeg(), "image/jpeg")})
    assert len(_uploads(site)) == 1
    visitor.says("/cancel")
    assert _uploads(site) == []


def test_uploads_of_drafts_that_expired_unseen_are_swept(site):
    import os
    import time

    site.chat.upload_dir.mkdir(parents=True, exist_ok=True)
    old, fresh = (
        site.chat.upload_dir / ("a" * 32 + ".jpg"),
        site.chat.upload_dir / ("b" * 32 + ".jpg"),
    )
    old.write_bytes(jpeg())
    fresh.write_bytes(jpeg())
    long_ago = time.time() - site.chat.upload_lifetime - 1
    os.utime(old, (long_ago, long_ago))
    assert site.chat.sweep() == 1 and _uploads(site) == [fresh.name]
