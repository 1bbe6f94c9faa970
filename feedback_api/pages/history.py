"""Readable Vietnamese lines for a submission's history (the audit events about it)."""

from __future__ import annotations

import json

from feedback_api.submissions import labels

ACTIONS = {
    "submission.create": "Tiếp nhận",
    "submission.view": "Xem chi tiết",
    "submission.update": "Cập nhật",
    "submission.note": "Thêm ghi chú",
    "submission.reply": "Phản hồi người dân",
    "submission.duplicate": "Đánh dấu trùng",
    "attachment.view": "Xem tệp đính kèm",
    "attachment.original": "Xem bản gốc niêm phong",
}
FIELDS = {
    "status": ("Trạng thái", labels.STATUS),
    "priority": ("Ưu tiên", labels.PRIORITY),
    "category": ("Lĩnh vực", labels.CATEGORY),
    "valuable": ("Tin có giá trị", {True: "có", False: "không"}),
    "assigned_to_id": ("Phân công", None),
    "unit_id": ("Đơn vị", None),
    "due_at": ("Hạn xử lý", None),
    "duplicate_of_id": ("Trùng với tin", None),
    "public_reply": ("Phản hồi", None),
    "text": ("Ghi chú", None),
}


def describe(event, *, officers: dict, units: dict) -> str:
    """ "Cập nhật — Trạng thái: Mới tiếp nhận → Đang xác minh; Phân công: — → Nguyễn Văn A"."""
    action = ACTIONS.get(event.action, event.action)
    before = json.loads(event.before) if event.before else {}
    after = json.loads(event.after) if event.after else {}
    changes = []
    for field, value in after.items():
        if field not in FIELDS:
            continue
        label, names = FIELDS[field]
        old, new = (_name(field, v, names, officers, units) for v in (before.get(field), value))
        changes.append(f"{label}: {old} → {new}" if field in before else f"{label}: {new}")
    return f"{action} — {'; '.join(changes)}" if changes else action


def _name(field, value, names, officers: dict, units: dict) -> str:
    if value is None or value == "":
        return "—"
    if names is not None:
        return names.get(value, str(value))
    if field == "assigned_to_id" and value in officers:
        return officers[value].full_name
    if field == "unit_id" and value in units:
        return units[value].name
    if field == "due_at":
        return str(value)[:10]
    text = str(value)
    return text if len(text) <= 80 else text[:80] + "…"
