"""The campaign pages as campaign staff and their leader use them: compose with a live count,
approve as someone else, watch progress, control, link a Telegram chat, send a test."""

from __future__ import annotations

import io

from PIL import Image
from sqlmodel import select

from feedback_api.broadcasts.models import Broadcast, BroadcastDelivery, OfficerChatLink
from feedback_api.subscriptions import service as subscriptions
from feedback_api.subscriptions.schemas import SubscriptionSet
from tests.feedback_api.conftest import PASSWORD
from tests.feedback_api.test_pages import login_token


def sign_in(client, username: str) -> str:
    data = {"username": username, "password": PASSWORD, "login_csrf": login_token(client)}
    response = client.post("/officer/login", data=data, follow_redirects=False)
    assert response.status_code == 303
    return client.get("/officer/broadcasts").context["csrf_token"]


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 20, 20)).save(buffer, "PNG")
    return buffer.getvalue()


def test_campaign_staff_compose_and_a_leader_approves_on_the_pages(client, world, db):
    for n, code in enumerate(("XA", "XA", "PB")):
        subscriptions.subscribe(
            db_session=db,
            data=SubscriptionSet(citizen_ref=f"cref_page_{n}", unit_code=code, topics=["fraud"]),
        )
    csrf = sign_in(client, "campaign.a")
    home = client.get("/officer")
    assert home.template.name == "officer/broadcasts.html"  # campaign staff's home
    form = client.get("/officer/broadcasts/new")
    assert form.template.name == "officer/broadcast_form.html"
    counted = client.post("/officer/broadcasts/count", data={"csrf_token": csrf, "topics": "fraud"})
    assert counted.context["count"] == 2  # only the author's commune
    outside = client.post(
        "/officer/broadcasts/count",
        data={"csrf_token": csrf, "unit_ids": str(world.commune_b.id)},
    )
    assert outside.context["count"] is None
    created = client.post(
        "/officer/broadcasts/new",
        data={
            "csrf_token": csrf,
            "title": "Cảnh báo lừa đảo",
            "text": "Không cung cấp mã OTP cho bất kỳ ai.",
            "link_label_1": "Xem thêm",
            "link_url_1": "https://congan.example.vn/otp",
            "topics": "fraud",
        },
        files={"image": ("anh.png", png(), "image/png")},
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    broadcast = db.exec(select(Broadcast)).one()
    page = client.get(created.headers["location"])
    assert page.template.name == "officer/broadcast_detail.html"
    assert page.context["may_approve"] is False and page.context["may_edit"] is True
    assert client.get(f"/officer/broadcasts/{broadcast.id}/image").status_code == 200
    refused = client.post(
        f"/officer/broadcasts/{broadcast.id}/approve",
        data={"csrf_token": csrf, "revision": "1"},
    )
    assert refused.status_code == 403  # the author cannot approve

    client.post("/officer/logout", data={"csrf_token": csrf})
    leader = sign_in(client, "leader.a")
    assert client.get(f"/officer/broadcasts/{broadcast.id}").context["may_approve"] is True
    approved = client.post(
        f"/officer/broadcasts/{broadcast.id}/approve",
        data={"csrf_token": leader, "revision": "1"},
        follow_redirects=False,
    )
    assert approved.status_code == 303
    db.refresh(broadcast)
    assert broadcast.status == "approved"
    progress = client.get(f"/officer/broadcasts/{broadcast.id}/progress")
    assert progress.template.name == "officer/_broadcast_progress.html"
    assert 'hx-trigger="every 2s"' in progress.text  # live while it can still change
    paused = client.post(f"/officer/broadcasts/{broadcast.id}/pause", data={"csrf_token": leader})
    assert paused.status_code == 200 and paused.context["b"].status == "paused"


def test_invalid_compose_input_is_shown_not_a_500(client, world):
    csrf = sign_in(client, "campaign.a")
    response = client.post(
        "/officer/broadcasts/new",
        data={"csrf_token": csrf, "title": "", "text": "x", "link_url_1": "ftp://x"},
    )
    assert response.status_code == 422
    assert response.context["errors"]


def test_an_officer_links_telegram_and_sends_a_test(client, world, db):
    csrf = sign_in(client, "campaign.a")
    page = client.post("/officer/telegram-link", data={"csrf_token": csrf})
    code = page.context["code"]
    assert len(code) == 6 and f"/lienket {code}" in page.text
    linked = client.post(
        "/api/v1/broadcast-work/links",
        json={"citizen_ref": "cref_officer_chat", "code": code},
        headers={"Authorization": "Bearer test-service-token-0123456789abcdef"},
    )
    assert linked.json() == {"linked": True}
    assert db.get(OfficerChatLink, world.officers["campaign_a"].id).citizen_ref
    created = client.post(
        "/officer/broadcasts/new",
        data={"csrf_token": csrf, "title": "Thử", "text": "Nội dung thử"},
        follow_redirects=False,
    )
    broadcast_id = int(created.headers["location"].rsplit("/", 1)[-1])
    sent = client.post(f"/officer/broadcasts/{broadcast_id}/test", data={"csrf_token": csrf})
    assert sent.status_code == 200 and sent.context["flash"] == "tested"
    test = db.exec(select(BroadcastDelivery)).one()
    assert (test.citizen_ref, test.test_seq) == ("cref_officer_chat", 1)
