"""The REST API as the bot and officers' scripts use it, including hostile input."""

import asyncio
import io

import pytest
from PIL import Image
from sqlmodel import select

from feedback_api.client import FeedbackClient, NotFoundError, RateLimitedError
from feedback_api.inprocess import InProcessCalls
from feedback_api.knowledge.models import AnswerServed
from feedback_api.knowledge.schemas import AnswerServedCreate
from tests.feedback_api.conftest import PASSWORD, SERVICE_TOKEN, login


def _tip(client, bot_headers, **extra):
    body = {
        "kind": "tip",
        "citizen_ref": "cref_api_000001",
        "unit_code": "XA",
        "category": "theft",
        "text": "Trộm xe máy ở chợ An Bình",
    } | extra
    return client.post("/api/v1/intake/submissions", json=body, headers=bot_headers)


def test_bot_submits_a_tip_and_the_citizen_looks_it_up(client, world, bot_headers):
    response = _tip(client, bot_headers)
    assert response.status_code == 201
    code = response.json()["tracking_code"]
    status = client.get(f"/api/v1/status/{code}")
    assert status.status_code == 200
    assert status.json() == status.json() | {"status": "new", "public_reply": None}


def test_intake_without_the_service_token_is_refused(client, world):
    response = _tip(client, {"Authorization": "Bearer wrong"})
    assert response.status_code == 401
    assert _tip(client, {}).status_code == 401


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"text": "x" * 20_000}, 422),
        ({"text": ""}, 422),
        ({"kind": "complaint"}, 422),
        ({"category": "<script>"}, 422),
        ({"citizen_ref": "../../etc/passwd"}, 422),
    ],
)
def test_bad_intake_is_a_clear_4xx_and_stores_nothing(client, world, bot_headers, body, status):
    response = _tip(client, bot_headers, **body)
    assert response.status_code == status
    assert response.json()["detail"]
    headers = login(client, "admin")
    assert client.get("/api/v1/submissions", headers=headers).json()["count"] == 0


def test_invalid_utf8_and_malformed_json_are_refused(client, world, bot_headers):
    for raw in (b'{"kind": "tip", "text": "\xff\xfe"}', b"{not json", b"\x00" * 10):
        response = client.post(
            "/api/v1/intake/submissions",
            content=raw,
            headers=bot_headers | {"Content-Type": "application/json"},
        )
        assert response.status_code in (400, 422)
        assert response.json()["detail"]


def test_huge_bodies_are_refused_before_reading(client, world, bot_headers, settings):
    response = client.post(
        "/api/v1/intake/submissions",
        content=b"x"
        * (max(settings.max_upload_bytes, settings.max_media_upload_bytes) + 300 * 1024),
        headers=bot_headers | {"Content-Type": "application/json"},
    )
    assert response.status_code == 413


def test_a_huge_body_streamed_without_a_length_is_refused_in_vietnamese(
    client, world, bot_headers, settings
):
    """A chunked upload declares no Content-Length: it is counted as it streams and refused
    with the same 413 (not the body parser's English 400), and the server keeps serving."""
    limit = max(settings.max_upload_bytes, settings.max_media_upload_bytes) + 300 * 1024

    def stream():
        for _ in range(limit // (1024 * 1024) + 2):
            yield b"x" * (1024 * 1024)

    response = client.post(
        "/api/v1/intake/submissions",
        content=stream(),
        headers=bot_headers | {"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert "quá lớn" in response.json()["detail"]
    assert client.get("/healthz").status_code == 200
    assert "quá lớn" in response.json()["detail"]


def test_html_in_a_tip_is_shown_escaped(client, world, bot_headers):
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    code = _tip(client, bot_headers, text=payload).json()["tracking_code"]
    headers = login(client, "officer.a")
    page = client.get("/officer", headers=headers)
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert" in page.text
    item = client.get("/api/v1/submissions", params={"q": "script"}, headers=headers).json()
    assert item["data"][0]["tracking_code"] == code
    assert item["data"][0]["text"] == payload  # stored as sent, escaped only when rendered


def test_sql_injection_in_search_is_just_text(client, world, bot_headers):
    _tip(client, bot_headers)
    headers = login(client, "officer.a")
    for query in ("' OR 1=1 --", '" OR ""="', "NEAR(x y)", "x:* & !y", "xe) OR (1"):
        response = client.get("/api/v1/submissions", params={"q": query}, headers=headers)
        assert response.status_code == 200, query
        assert response.json()["count"] == 0, query
    for wordless in ("*", "😀", "\\"):  # nothing to search for: the filter is ignored
        response = client.get("/api/v1/submissions", params={"q": wordless}, headers=headers)
        assert response.status_code == 200 and response.json()["count"] == 1


def test_unknown_tracking_codes_are_404_and_lookups_are_rate_limited(client, world):
    for _ in range(10):
        assert client.get("/api/v1/status/LN-0000-0000").status_code == 404
    limited = client.get("/api/v1/status/LN-0000-0000")
    assert limited.status_code == 429
    assert "thử lại" in limited.json()["detail"]


def test_status_lookups_through_the_bot_are_limited_per_citizen(client, world, bot_headers):
    for _ in range(10):
        client.get("/api/v1/status/LN-0000-0000", headers={**bot_headers, "X-Citizen-Ref": "a1"})
    a = client.get("/api/v1/status/LN-0000-0000", headers={**bot_headers, "X-Citizen-Ref": "a1"})
    b = client.get("/api/v1/status/LN-0000-0000", headers={**bot_headers, "X-Citizen-Ref": "b1"})
    assert a.status_code == 429 and b.status_code == 404


def test_status_lookups_in_process_share_the_limit_and_answers_of_the_route(
    client, world, bot_headers
):
    """The bot in the API's process looks codes up without HTTP (InProcessCalls): the same
    answer, the same 404, and the same per-citizen limit as the route, counted together."""
    tip = _tip(client, bot_headers).json()
    code = tip["tracking_code"]
    api = FeedbackClient.in_process(client.app, SERVICE_TOKEN, direct=InProcessCalls.of(client.app))

    async def lookups():
        try:
            found = await api.status(code, citizen_ref="a1")
            with pytest.raises(NotFoundError):
                await api.status("LN-0000-0000", citizen_ref="a1")
            for _ in range(6):  # 2 + 6 in process, then 2 over HTTP: the limit of 10
                await api.status(code, citizen_ref="a1")
            over_http = [
                client.get(f"/api/v1/status/{code}", headers={**bot_headers, "X-Citizen-Ref": "a1"})
                for _ in range(2)
            ]
            assert [r.status_code for r in over_http] == [200, 200]
            with pytest.raises(RateLimitedError, match="thử lại"):
                await api.status(code, citizen_ref="a1")
            return found, over_http[0].json()
        finally:
            await api.aclose()

    found, over_http = asyncio.run(lookups())
    assert found.model_dump(mode="json") == over_http


def test_answers_served_in_process_are_kept_as_over_http(client, world, db, bot_headers):
    """Counted without HTTP in the API's process: the same rows, commune resolved the same."""
    api = FeedbackClient.in_process(client.app, SERVICE_TOKEN, direct=InProcessCalls.of(client.app))

    async def count():
        try:
            await api.record_answer_served(
                AnswerServedCreate(entry_id="cccd-lan-dau", channel="telegram", unit_code="XA")
            )
            await api.record_answer_served(AnswerServedCreate(entry_id="vneid", channel="web"))
            await api.flush_answers_served()
        finally:
            await api.aclose()

    asyncio.run(count())
    rows = db.exec(select(AnswerServed).order_by(AnswerServed.id)).all()
    assert [(r.entry_slug, r.channel, r.unit_id) for r in rows] == [
        ("cccd-lan-dau", "telegram", world.commune_a.id),
        ("vneid", "web", None),
    ]


def test_officer_reply_reaches_the_outbox_and_the_sender_acks_it(client, world, bot_headers):
    tip = _tip(client, bot_headers).json()
    headers = login(client, "officer.a")
    tip_id = client.get("/api/v1/submissions", headers=headers).json()["data"][0]["id"]
    reply = client.post(
        f"/api/v1/submissions/{tip_id}/reply",
        headers=headers,
        json={"text": "Công an xã đã nhận tin, cảm ơn bạn."},
    )
    assert reply.status_code == 200
    leased = client.post("/api/v1/outbox/lease", headers=bot_headers, json={"limit": 10}).json()
    assert leased["count"] == 1
    message = leased["data"][0]
    assert message["citizen_ref"] == "cref_api_000001"
    # The outbox carries intent, not prose: the bot words it from its catalogue at send time.
    assert message["intent"].startswith("notice.reply")
    assert tip["tracking_code"] in message["params"].values()
    assert "Công an xã đã nhận tin, cảm ơn bạn." in message["params"].values()
    again = client.post("/api/v1/outbox/lease", headers=bot_headers, json={"limit": 10}).json()
    assert again["count"] == 0  # leased messages are not handed out twice
    stale = client.post(
        f"/api/v1/outbox/{message['id']}/ack",
        headers=bot_headers,
        json={"lease_token": "not-the-token", "outcome": "sent"},
    ).json()
    assert stale["accepted"] is False
    ack = client.post(
        f"/api/v1/outbox/{message['id']}/ack",
        headers=bot_headers,
        json={"lease_token": message["lease_token"], "outcome": "sent"},
    ).json()
    assert ack == {"id": message["id"], "state": "sent", "accepted": True}
    status = client.get(f"/api/v1/status/{tip['tracking_code']}").json()
    assert status["public_reply"] == "Công an xã đã nhận tin, cảm ơn bạn."


def test_retry_ack_requeues_after_retry_after(client, world, bot_headers, db):
    import datetime as dt

    from feedback_api.outbox import service as outbox

    _tip(client, bot_headers)
    headers = login(client, "officer.a")
    tip_id = client.get("/api/v1/submissions", headers=headers).json()["data"][0]["id"]
    client.post(f"/api/v1/submissions/{tip_id}/reply", headers=headers, json={"text": "ok"})
    message = client.post("/api/v1/outbox/lease", headers=bot_headers, json={}).json()["data"][0]
    client.post(
        f"/api/v1/outbox/{message['id']}/ack",
        headers=bot_headers,
        json={"lease_token": message["lease_token"], "outcome": "retry", "retry_after": 30},
    )
    assert client.post("/api/v1/outbox/lease", headers=bot_headers, json={}).json()["count"] == 0
    later = outbox.utcnow() + dt.timedelta(seconds=31)
    assert [m.id for m in outbox.lease(db_session=db, limit=5, lease_seconds=60, now=later)] == [
        message["id"]
    ]


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), (200, 30, 30))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (21.0, 1.0, 30.0), 3: "E", 4: (105.0, 50.0, 10.0)}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def test_photo_is_stored_and_officers_get_a_copy_without_gps(client, world, bot_headers):
    code = _tip(client, bot_headers).json()["tracking_code"]
    original = _jpeg_with_gps()
    upload = client.post(
        f"/api/v1/intake/submissions/{code}/attachments",
        headers=bot_headers,
        files={"file": ("anh.jpg", original, "image/jpeg")},
    )
    assert upload.status_code == 201, upload.text
    attachment_id = upload.json()["id"]
    headers = login(client, "officer.a")
    copy = client.get(f"/api/v1/attachments/{attachment_id}", headers=headers)
    assert copy.status_code == 200
    assert copy.headers["content-type"] == "image/jpeg"
    assert 0x8825 not in Image.open(io.BytesIO(copy.content)).getexif()
    assert (
        client.get(f"/api/v1/attachments/{attachment_id}/original", headers=headers).status_code
        == 403
    )
    admin = login(client, "admin")
    sealed = client.get(f"/api/v1/attachments/{attachment_id}/original", headers=admin)
    assert sealed.content == original


def test_disguised_and_oversize_uploads_are_refused(client, world, bot_headers, settings):
    code = _tip(client, bot_headers).json()["tracking_code"]
    url = f"/api/v1/intake/submissions/{code}/attachments"
    html = client.post(
        url,
        headers=bot_headers,
        files={"file": ("anh.jpg", b"<html><script>x</script></html>", "image/jpeg")},
    )
    assert html.status_code == 422 and html.json()["code"] in ("unsupported_type", "type_mismatch")
    pdf_as_png = client.post(
        url,
        headers=bot_headers,
        files={"file": ("anh.png", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n", "image/png")},
    )
    assert pdf_as_png.status_code == 422
    huge = client.post(
        url,
        headers=bot_headers,
        files={
            "file": (
                "big.jpg",
                b"\xff\xd8\xff" + b"0" * (settings.max_upload_bytes + 10),
                "image/jpeg",
            )
        },
    )
    assert huge.status_code == 413
    unknown = client.post(
        "/api/v1/intake/submissions/LN-0000-0000/attachments",
        headers=bot_headers,
        files={"file": ("a.jpg", _jpeg_with_gps())},
    )
    assert unknown.status_code == 404
    headers = login(client, "admin")
    tip_id = client.get("/api/v1/submissions", headers=headers).json()["data"][0]["id"]
    assert client.get(f"/api/v1/submissions/{tip_id}/attachments", headers=headers).json() == []


def test_login_locks_after_repeated_failures(client, world, settings):
    for _ in range(settings.login_max_failures):
        response = client.post(
            "/api/v1/auth/login", json={"username": "officer.a", "password": "sai-mat-khau"}
        )
        assert response.status_code == 401
    locked = client.post("/api/v1/auth/login", json={"username": "officer.a", "password": PASSWORD})
    assert locked.status_code == 401
    assert "tạm khóa" in locked.json()["detail"]


def test_session_cookie_is_http_only_and_strict(client, world):
    response = client.post(
        "/api/v1/auth/login", json={"username": "officer.a", "password": PASSWORD}
    )
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Max-Age=" in cookie


def test_unsafe_requests_without_csrf_token_are_refused(client, world, bot_headers):
    _tip(client, bot_headers)
    headers = login(client, "officer.a")
    tip_id = client.get("/api/v1/submissions", headers=headers).json()["data"][0]["id"]
    forged = client.patch(f"/api/v1/submissions/{tip_id}", json={"status": "resolved"})
    assert forged.status_code == 403
    ok = client.patch(
        f"/api/v1/submissions/{tip_id}", json={"status": "verifying"}, headers=headers
    )
    assert ok.status_code == 200 and ok.json()["status"] == "verifying"


def test_api_token_for_scripts(client, world, bot_headers):
    _tip(client, bot_headers)
    headers = login(client, "officer.a")
    token = client.post(
        "/api/v1/officers/me/tokens", headers=headers, json={"label": "báo cáo"}
    ).json()["token"]
    client.cookies.clear()
    listing = client.get("/api/v1/submissions", headers={"Authorization": f"Bearer {token}"})
    assert listing.status_code == 200 and listing.json()["count"] == 1
    bad = client.get("/api/v1/submissions", headers={"Authorization": "Bearer lnk_nope"})
    assert bad.status_code == 401


def test_openapi_docs_are_served(client):
    assert client.get("/docs").status_code == 200
    schema = client.get("/openapi.json").json()
    assert "/api/v1/intake/submissions" in schema["paths"]


def test_the_api_client_does_not_load_the_orm():
    import subprocess
    import sys

    code = (
        "import sys, feedback_api.client; "
        "print('sqlmodel' in sys.modules, 'sqlalchemy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"


def test_no_page_loads_anything_from_a_cdn(client):
    for path in ("/docs", "/officer/login"):
        body = client.get(path).text
        assert "cdn" not in body.lower() and "https://" not in body, path


def test_an_expired_session_is_refused(db, world):
    import datetime as dt

    from feedback_api.officers import service as officers

    session = officers.start_session(
        db_session=db, officer=world.officers["officer_a"], lifetime=dt.timedelta(seconds=-1)
    )
    assert officers.officer_for_session(db_session=db, token=session.token) is None
    live = officers.start_session(
        db_session=db, officer=world.officers["officer_a"], lifetime=dt.timedelta(hours=1)
    )
    assert officers.officer_for_session(db_session=db, token=live.token) is not None
