"""The built-in web chat over HTTP: a citizen's session, the conversation, its protections.

The engine, the feedback API (SQLite, in process) and the bot's tables are all real; requests
go through FastAPI's TestClient, which runs the app in one event loop for the whole test.
"""

from __future__ import annotations

import datetime as dt
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
    """A browser with the page's script: keeps the page's cursor as webchat.js does."""

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
        pattern = r'<button name="data" value="([^"]+)"[^>]*>([^<]*)</button>'
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
    # The cookie lives as long as an idle chat may stay on the device (24 hours by default).
    assert "samesite=lax" in cookie.lower() and "Max-Age=86400" in cookie
    assert "Secure" not in cookie
    assert page.headers["cache-control"] == "no-store"
    assert "cdn" not in page.text.lower() and "htmx" not in page.text
    assert "<h1>Lắng Nghe</h1>" in page.text
    # CSS and script inline (no round trip before the page shows and works); the script is
    # the only inline one allowed, by its hash.
    assert "<style>" in page.text and "<script>" in page.text and "<script src" not in page.text
    assert "script-src 'self' 'sha256-" in page.headers["content-security-policy"]
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
    assert 'id="after" name="after"' in response.text  # the page's cursor moves on
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
    assert response.status_code == 303
    # the browser lands on the citizen's own message: the answer below is read from its start
    anchor = response.headers["location"].removeprefix("/#")
    page = client.get("/").text
    assert f'id="{anchor}"' in page and anchor.startswith("m-")
    assert "xin chào" in page.split(f'id="{anchor}"', 1)[1].split("</article>", 1)[0]
    assert "Xin chào bạn! Mình có thể giúp gì cho bạn?" in page
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
    visitor.presses("Không rõ / không muốn nói")
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


def test_static_files_are_versioned_cached_for_a_year_and_nothing_else_is_served(client):
    page = client.get("/").text
    icon = re.search(r'href="(/chat/static/[0-9a-f]{10}/favicon\.svg)"', page).group(1)
    served = client.get(icon)
    assert served.status_code == 200 and served.headers["content-type"] == "image/svg+xml"
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    # An outdated version's URL still works (a page from before a release) but is not kept.
    old = client.get("/chat/static/0000000000/favicon.svg")
    assert old.status_code == 200 and old.headers["cache-control"] == "no-cache"
    assert client.get("/chat/static/v/..%2Fwebchat.py").status_code == 404
    assert client.get("/chat/static/v/page.html").status_code == 404
    assert client.get("/chat/static/v/htmx-2.0.11.min.js").status_code == 404  # no htmx here


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
    visitor.presses("Không rõ / không muốn nói")
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
    visitor.presses("Không rõ / không muốn nói")
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


def _stored(site, chat_id: str) -> list[dict]:
    with site.bot_db.connect() as connection:
        rows = connection.execute(
            select(webchat_messages)
            .where(webchat_messages.c.session_id == chat_id)
            .order_by(webchat_messages.c.id)
        ).all()
    return [{"direction": row.direction, **row.message} for row in rows]


def test_the_same_message_id_sent_twice_is_stored_and_answered_once(client, site):
    """The phone's answer was lost on the way back; the page sends the message again with the
    same id: the server stores one message, answers it once and gives the same answer again."""
    visitor = Visitor(client)
    cursor = visitor.cursor
    question = {
        "text": "lam cccd lan dau o dau",
        "client_id": "c0ffee00-1111-4222-8333-444455556666",
    }
    first = client.post("/chat/send", data={"after": str(cursor), **question}, headers=HX)
    retry = client.post("/chat/send", data={"after": str(cursor), **question}, headers=HX)
    assert first.status_code == retry.status_code == 200
    stored = _stored(site, visitor.chat_id)
    asked = [m for m in stored if m["direction"] == "in" and m.get("text") == question["text"]]
    assert len(asked) == 1 and asked[0]["client"] == question["client_id"]
    after_question = stored[stored.index(asked[0]) + 1 :]
    titles = [m.get("title") for m in after_question if m["direction"] == "out"]
    assert titles.count("Làm thẻ căn cước lần đầu") == 1
    shown = re.compile(r'<article class="msg (in|out)" id="(m-\d+)"')
    assert shown.findall(first.text) == shown.findall(retry.text)  # same messages, same ids
    assert f'data-client="{question["client_id"]}"' in retry.text
    # A new id is a new message, even with the same words (the citizen asks again).
    again = {**question, "client_id": "c0ffee00-9999-4222-8333-444455556666"}
    client.post("/chat/send", data={"after": str(cursor), **again}, headers=HX)
    asked = [m for m in _stored(site, visitor.chat_id) if m.get("text") == question["text"]]
    assert len(asked) == 2


def test_a_plain_form_sent_twice_is_one_message(client, site):
    """Without JavaScript the page's form carries an id made by the server: a double tap or a
    resubmitted form is one message."""
    page = client.get("/")
    token = client.cookies[COOKIE]
    client_id = re.search(r'name="client_id" value="([^"]+)"', page.text).group(1)
    form = {"text": "xin chào", "csrf_token": csrf_for(token), "client_id": client_id}
    for _ in range(2):
        sent = client.post("/chat/send", data=form, follow_redirects=False)
        assert sent.status_code == 303
    hellos = [m for m in _stored(site, chat_id_for(token)) if m.get("text") == "xin chào"]
    assert len(hellos) == 1


def test_clearing_the_chat_on_this_device_ends_the_session_and_deletes_its_history(client, site):
    visitor = Visitor(client)
    visitor.says("thủ tục xin giấy phép nuôi chim yến trong nhà phố")
    visitor.presses("Gửi cho cán bộ")
    visitor.presses("Không rõ")
    code = re.search(r"Mã theo dõi: (LN-[0-9A-Z]{4}-[0-9A-Z]{4})", visitor.text()).group(1)
    old_chat = visitor.chat_id
    token = client.cookies[COOKIE]
    # The first tap asks again and repeats the code: once cleared, this phone will not show it.
    asked = client.post("/chat/clear", data={"csrf_token": csrf_for(token)})
    assert asked.status_code == 200 and asked.headers["cache-control"] == "no-store"
    assert (
        "Xóa cuộc trò chuyện trên máy này?" in asked.text
        and f"<strong>{code}</strong>" in asked.text
    )
    assert 'name="confirm" value="1"' in asked.text and 'href="/#cuoi"' in asked.text
    assert _stored(site, old_chat) != []  # nothing is deleted yet
    cleared = client.post(
        "/chat/clear",
        data={"csrf_token": csrf_for(token), "confirm": "1"},
        follow_redirects=False,
    )
    assert cleared.status_code == 303 and cleared.headers["location"] == "/?xoa=1"
    assert 'ln_chat=""' in cleared.headers["set-cookie"]  # the browser drops the cookie
    assert _stored(site, old_chat) == []
    client.cookies.clear()
    fresh = client.get("/?xoa=1")
    assert "Đã xóa cuộc trò chuyện trên máy này" in fresh.text
    assert code not in fresh.text and "chim yến" not in fresh.text
    assert chat_id_for(client.cookies[COOKIE]) != old_chat
    # The /xoa command does the same from the text box (with or without its diacritic).
    visitor = Visitor(client)
    visitor.says("bằng lái xe")
    second_chat = visitor.chat_id
    typed = visitor.post("/chat/send", data={"text": "/xóa"}, follow_redirects=False)
    assert typed.status_code == 303 and typed.headers["location"] == "/?xoa=1"
    assert _stored(site, second_chat) == []


def test_a_chat_idle_longer_than_the_setting_is_forgotten_at_the_next_visit(client, site):
    visitor = Visitor(client)
    visitor.says("lam cccd lan dau o dau")
    old_chat = visitor.chat_id
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=25)
    with site.bot_db.begin() as connection:
        connection.execute(
            webchat_messages.update()
            .where(webchat_messages.c.session_id == old_chat)
            .values(created_at=long_ago)
        )
    page = client.get("/")
    assert "lam cccd" not in page.text and "Xin chào! Đây là Lắng Nghe" in page.text
    assert chat_id_for(client.cookies[COOKIE]) != old_chat and _stored(site, old_chat) == []
    # Sessions nobody comes back to are forgotten on the server too; live ones are kept.
    with site.bot_db.begin() as connection:
        connection.execute(
            webchat_messages.insert().values(
                session_id="f" * 64, direction="in", message={"text": "x"}, created_at=long_ago
            )
        )
    assert site.chat.forget_idle() == 1
    assert _stored(site, "f" * 64) == [] and _stored(site, chat_id_for(client.cookies[COOKIE]))


def test_a_question_receipt_has_the_code_to_copy_and_says_when_the_answer_is_due(client, site):
    visitor = Visitor(client)
    visitor.says("thủ tục xin giấy phép nuôi chim yến trong nhà phố")
    visitor.presses("Gửi cho cán bộ")
    visitor.presses("Không rõ")
    receipt = visitor.text()
    code = re.search(r"Mã theo dõi: (LN-[0-9A-Z]{4}-[0-9A-Z]{4})", receipt).group(1)
    with site.api_db() as db:
        question = db.exec(select(Submission).where(Submission.tracking_code == code)).one()
    due = question.due_at.replace(tzinfo=question.due_at.tzinfo or dt.UTC)
    vietnam = dt.timezone(dt.timedelta(hours=7))
    # The deadline the feedback API set (5 working days for a question), as a Vietnam date.
    assert f"chậm nhất vào ngày {due.astimezone(vietnam):%d/%m/%Y}" in receipt
    assert "Bạn hãy ghi lại mã theo dõi" in receipt
    assert f'data-copy="{code}"' in receipt  # one tap copies it
    assert "Xóa cuộc trò chuyện trên máy này" in receipt  # a shared phone is offered to clear


def test_a_returning_visitor_who_scans_a_forum_poster_lands_in_that_forum(client, site):
    """Issue 13: the poster's web-chat link (/?start=f_<code>) opens the forum's opinion flow
    even on a phone that chatted before (it used to show the old conversation, not the forum);
    the page then moves to "/" so a reload does not start the forum again."""
    from feedback_api.forums.models import Forum
    from feedback_api.units.service import get_by_code

    now = dt.datetime.now(dt.UTC)
    with site.api_db() as db:
        db.add(
            Forum(
                code="posterab",
                title="Diễn đàn lắng nghe ý kiến Nhân dân xã An Bình",
                unit_id=get_by_code(db_session=db, code="XA").id,
                venue="Nhà văn hóa thôn Đông",
                starts_at=now + dt.timedelta(days=2),
                opens_at=now - dt.timedelta(hours=1),
                closes_at=now + dt.timedelta(days=7),
                topics="Giao thông",
            )
        )
        db.commit()
    visitor = Visitor(client)
    visitor.says("làm căn cước ở đâu")
    scanned = client.get("/?start=f_posterab", follow_redirects=False)
    assert scanned.status_code == 303 and scanned.headers["location"] == "/"
    page = client.get("/")
    shown = html.unescape(page.text)
    assert "🏛️ Diễn đàn lắng nghe ý kiến Nhân dân xã An Bình" in shown
    assert "Diễn đàn “Diễn đàn" not in shown  # the title is not wrapped in a second "Diễn đàn"
    assert 'value="op:ft:0"' in page.text  # the forum's own topic, "Giao thông"
    assert client.get("/").text.count("Nhà văn hóa thôn Đông") == 1  # a reload: not again
    visitor.last = page
    visitor.presses("Giao thông")
    visitor.says("Đề nghị lắp đèn tín hiệu ở ngã ba chợ")
    visitor.presses(t("tip.skip"))
    visitor.presses(t("opinion.confirm"))
    assert "Góp ý đã được tiếp nhận" in visitor.text()
    with site.api_db() as db:
        opinion = db.exec(select(Submission).where(Submission.kind == "opinion")).one()
        assert opinion.unit_id == get_by_code(db_session=db, code="XA").id


def test_on_the_one_process_server_the_chat_travels_compressed_and_is_never_cached(
    tmp_path, api_template, faq
):
    """Mounted on the feedback API's app (as `langnghe serve` runs it): the page, a poll's
    fragment and a JSON answer over 512 bytes are brotli or gzip as the phone accepts; tiny
    answers go as they are; the page and fragments are never cached."""
    site = ChatSite(tmp_path, api_template, faq, combined=True)
    try:
        with TestClient(site.app) as client:
            brotli = client.get("/", headers={"Accept-Encoding": "br, gzip"})
            assert brotli.headers["content-encoding"] == "br"
            assert brotli.headers["cache-control"] == "no-store"
            assert "Xin chào! Đây là Lắng Nghe" in brotli.text  # decoded by the client
            gzip = client.get("/", headers={"Accept-Encoding": "gzip"})
            assert gzip.headers["content-encoding"] == "gzip"
            assert int(gzip.headers["content-length"]) < len(gzip.content) / 2
            visitor = Visitor(client)
            visitor.says("lam cccd lan dau o dau")
            client.portal.call(
                site.chat.send, visitor.chat_id, OutboundMessage("Cán bộ trả lời: " + "ạ " * 400)
            )
            poll = client.get(
                f"/chat/poll?after={visitor.cursor}", headers={"Accept-Encoding": "gzip"}
            )
            assert poll.headers["content-encoding"] == "gzip"
            assert poll.headers["cache-control"] == "no-store"
            spec = client.get("/openapi.json", headers={"Accept-Encoding": "gzip"})
            assert spec.headers["content-encoding"] == "gzip"  # JSON over 512 bytes
            tiny = client.get("/chat/poll?after=999999", headers={"Accept-Encoding": "gzip"})
            assert tiny.status_code == 204 and "content-encoding" not in tiny.headers
            client.portal.call(site.api.aclose)
    finally:
        site.close()


def test_the_idle_time_is_a_setting_a_unit_can_shorten(site, tmp_path, monkeypatch):
    """A unit whose citizens mostly borrow phones sets LANGNGHE_WEBCHAT_IDLE_HOURS=2: the
    cookie lives two hours, the page says so, and a chat quiet for three hours is gone."""
    from bot.settings import BotSettings

    monkeypatch.setenv("LANGNGHE_WEBCHAT_IDLE_HOURS", "2")
    hours = BotSettings(_env_file=None).webchat_idle_hours
    assert hours == 2 and BotSettings.model_fields["webchat_idle_hours"].default == 24
    chat = WebChat(site.engine, site.bot_db, tmp_path / "up", idle_hours=hours)
    app = FastAPI()
    app.include_router(chat.router)
    with TestClient(app) as client:
        page = client.get("/")
        assert "Max-Age=7200" in page.headers["set-cookie"]
        assert "máy này cũng tự quên nó sau 2 giờ không dùng" in page.text
        visitor = Visitor(client)
        visitor.says("lam cccd lan dau o dau")
        three_hours_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)
        with site.bot_db.begin() as connection:
            connection.execute(
                webchat_messages.update()
                .where(webchat_messages.c.session_id == visitor.chat_id)
                .values(created_at=three_hours_ago)
            )
        assert "lam cccd" not in client.get("/").text
        client.portal.call(site.api.aclose)
