"""The citizen's later words reach the officer beside the original: corrections of edited
messages and "Bổ sung thông tin" by tracking code, only ever from the submission's own citizen;
and what their messages carried (hidden links, forward origins, a venue) is shown as fields."""

from __future__ import annotations

from tests.feedback_api.conftest import login

CITIZEN = "cref_api_000001"
DETAILS = {
    "links": [{"text": "đây", "url": "http://qua-tri-an.example/nhan"}],
    "forwarded_from": [{"kind": "channel", "sender": "Nhận quà tri ân (@quatrian)"}],
    "venue": {"title": "Quán cà phê Hoa Sữa", "address": "12 Ngõ 7, An Bình"},
    "message_ids": ["41"],
}


def _tip(client, bot_headers):
    body = {
        "kind": "tip",
        "citizen_ref": CITIZEN,
        "unit_code": "XA",
        "category": "fraud",
        "text": "Kẻ gian yêu cầu chuyển tiền vào tài khoản 0123456789",
        "details": DETAILS,
    }
    response = client.post("/api/v1/intake/submissions", json=body, headers=bot_headers)
    assert response.status_code == 201
    return response.json()["tracking_code"]


def _add(client, bot_headers, **body):
    body = {"citizen_ref": CITIZEN, "kind": "addition", "text": "Thêm thông tin"} | body
    return client.post("/api/v1/intake/additions", json=body, headers=bot_headers)


def test_officers_see_details_corrections_and_additions_beside_the_original(
    client, world, bot_headers
):
    code = _tip(client, bot_headers)
    corrected = _add(
        client, bot_headers, kind="correction", message_id="41", text="Tài khoản 0123456780"
    )
    added = _add(client, bot_headers, tracking_code=code.lower().replace("-", " "))
    assert corrected.status_code == added.status_code == 201
    assert corrected.json() == {"tracking_code": code, "kind": "correction"}

    headers = login(client, "officer.a")
    listing = client.get("/api/v1/submissions", headers=headers).json()["data"]
    [tip] = [s for s in listing if s["tracking_code"] == code]
    page = client.get(f"/officer/submissions/{tip['id']}", headers=headers).text
    assert "0123456789" in page  # the original stays
    assert "Người dân sửa lại" in page and "0123456780" in page
    assert "Bổ sung thông tin" in page and "Thêm thông tin" in page
    assert "http://qua-tri-an.example/nhan" in page and "Nhận quà tri ân (@quatrian)" in page
    assert "Quán cà phê Hoa Sữa" in page


def test_only_the_submissions_own_citizen_can_add_to_it(client, world, bot_headers):
    code = _tip(client, bot_headers)
    stranger = {"citizen_ref": "cref_someone_else"}
    assert _add(client, bot_headers, tracking_code=code, **stranger).status_code == 404
    assert _add(client, bot_headers, message_id="41", **stranger).status_code == 404
    assert _add(client, bot_headers, message_id="999").status_code == 404
    assert _add(client, bot_headers).status_code == 422  # neither a code nor a message
    assert client.post("/api/v1/intake/additions", json={}).status_code in (401, 403)
