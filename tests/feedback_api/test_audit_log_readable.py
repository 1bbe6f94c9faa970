"""The audit log as an admin reads it on a first day: Vietnamese event names, tips by tracking
code, officers by name, and each change as "label: before → after" in words. A thumbnail on a
tip's page is part of that page's (audited) view, not a second view of its own."""

from __future__ import annotations

import io
import re
from pathlib import Path

from PIL import Image
from sqlmodel import select

from feedback_api.audit.models import AuditEvent
from feedback_api.audit.render import ACTIONS
from feedback_api.officers.labels import ROLE
from tests.feedback_api.conftest import make_tip
from tests.feedback_api.test_pages import post_form, sign_in

ROOT = Path(__file__).resolve().parents[2] / "feedback_api"


def test_audit_log_reads_in_vietnamese_with_codes_and_names(client, world, db, settings):
    original = make_tip(db, settings, text="Trộm xe máy ở chợ An Bình")
    tip = make_tip(db, settings, text="Trộm xe máy ở chợ An Bình sáng nay")
    officer_a = world.officers["officer_a"]
    csrf = sign_in(client, "officer.a")
    client.get(f"/officer/submissions/{tip.id}")
    post_form(
        client,
        f"/officer/submissions/{tip.id}/update",
        csrf,
        status="verifying",
        priority="high",
        assigned_to_id=officer_a.id,
    )
    post_form(
        client,
        f"/officer/submissions/{tip.id}/duplicate",
        csrf,
        duplicate_of=original.tracking_code,
        confirm="1",
    )
    client.cookies.clear()
    admin_csrf = sign_in(client, "admin")
    post_form(
        client,
        "/officer/admin/officers",
        admin_csrf,
        username="can.bo.moi",
        full_name="Nguyễn Văn Mới",
        role="leader",
        unit_id=world.commune_a.id,
        password="mat-khau-du-dai-roi",
    )

    page = client.get("/officer/admin/audit")
    assert page.template.name == "officer/admin_audit.html"
    by_action = {row.action: row for row in reversed(page.context["rows"])}  # newest of each
    update = by_action["submission.update"]
    assert update.label == "Cập nhật tin"
    assert update.who == "Cán bộ officer_a (officer.a)"
    assert (update.target, update.target_url) == (
        f"Tin {tip.tracking_code}",
        f"/officer/submissions/{tip.id}",
    )
    assert {str(c) for c in update.changes} == {
        "Trạng thái: Mới tiếp nhận → Đang xác minh",
        "Ưu tiên: Bình thường → Cao",
        "Phân công: — → Cán bộ officer_a (officer.a)",
    }
    duplicate = by_action["submission.duplicate"]
    assert f"Trùng với tin: — → {original.tracking_code}" in {str(c) for c in duplicate.changes}
    created = by_action["officer.create"]
    assert created.target.startswith("Cán bộ Nguyễn Văn Mới")
    assert f"Vai trò: {ROLE['leader']}" in {str(c) for c in created.changes}
    assert f"Đơn vị: {world.commune_a.name}" in {str(c) for c in created.changes}
    assert by_action["submission.create"].who == "Hệ thống"

    table = page.text.split("<tbody>")[1]
    visible = re.sub(r'data-action="[^"]*"|href="[^"]*"', "", table)
    for raw in (*ACTIONS, "{'", '{"', "#", "verifying", "assigned_to_id", "None"):
        assert raw not in visible, raw
    assert "Cập nhật tin" in visible and tip.tracking_code in visible

    # The record filter takes a tracking code as officers know it.
    spaced = tip.tracking_code.lower().replace("-", " ")
    filtered = client.get("/officer/admin/audit", params={"entity_id": spaced})
    assert {row.entity_id for row in filtered.context["rows"]} == {tip.id}
    assert (
        client.get("/officer/admin/audit", params={"entity_id": "LN-0000-0000"}).context["rows"]
        == []
    )

    # The tip's own history reads the same way.
    history = client.get(f"/officer/submissions/{tip.id}").context["history"]
    assert "Đánh dấu trùng — Trạng thái: Đang xác minh → Trùng với tin đã tiếp nhận" in {
        e.summary.split(";")[0] for e in history
    }


def test_every_event_the_code_records_has_a_vietnamese_name():
    recorded = set()
    for path in ROOT.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        recorded |= set(re.findall(r'action="([a-z_]+\.[a-z_]+)"', source))
        # _record_change(db_session, actor, submission, before, "submission.update")
        recorded |= set(re.findall(r'_record_change\([^)]*?"([a-z]+\.[a-z_]+)"\s*\)', source))
        recorded |= set(re.findall(r'else "([a-z_]+\.[a-z_]+)"', source))
    assert recorded - set(ACTIONS) == set()
    assert {"submission.update", "submission.duplicate", "submission.duplicate_undo"} <= recorded


def _photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "JPEG")
    return buffer.getvalue()


def test_a_thumbnail_on_the_tips_page_is_not_a_second_view(
    client, world, db, settings, bot_headers
):
    tip = make_tip(db, settings)
    upload = client.post(
        f"/api/v1/intake/submissions/{tip.tracking_code}/attachments",
        headers=bot_headers,
        files={"file": ("anh.jpg", _photo(), "image/jpeg")},
    )
    attachment_id = upload.json()["id"]

    def reads():
        db.expire_all()
        return [
            (e.action, e.actor_id)
            for e in db.exec(
                select(AuditEvent)
                .where(AuditEvent.entity_id == tip.id)
                .where(AuditEvent.action.in_(["submission.view", "attachment.view"]))
                .order_by(AuditEvent.id)
            )
        ]

    officer_a, admin = world.officers["officer_a"].id, world.officers["admin"].id
    sign_in(client, "officer.a")
    page = client.get(f"/officer/submissions/{tip.id}")
    assert f'src="/officer/attachments/{attachment_id}?thumb=1"' in page.text
    assert client.get(f"/officer/attachments/{attachment_id}?thumb=1").status_code == 200
    assert reads() == [("submission.view", officer_a)]  # the page, not the picture on it
    assert client.get(f"/officer/attachments/{attachment_id}").status_code == 200  # opened
    assert reads() == [("submission.view", officer_a), ("attachment.view", officer_a)]

    # Asking for a "thumbnail" without having opened the tip is a read like any other.
    client.cookies.clear()
    sign_in(client, "admin")
    assert client.get(f"/officer/attachments/{attachment_id}?thumb=1").status_code == 200
    assert reads()[-1] == ("attachment.view", admin)
