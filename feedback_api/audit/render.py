"""The audit log as officers read it: Vietnamese event names, who by name, what by tracking code
or name, and each change as "label: before → after" in words, not codes or Python dicts.

One renderer for every page that shows audit events (the audit log, a submission's history);
the JSON API keeps the raw events for scripts. Names are looked up in one batch per page.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from feedback_api.audit.models import AuditEvent
from feedback_api.clock import VIETNAM
from feedback_api.officers.labels import ROLE
from feedback_api.officers.models import Officer
from feedback_api.submissions import labels
from feedback_api.submissions.models import Submission
from feedback_api.units.labels import UNIT_KIND
from feedback_api.units.models import Unit

ACTIONS = {
    "submission.create": "Tiếp nhận tin",
    "submission.view": "Xem chi tiết tin",
    "submission.update": "Cập nhật tin",
    "submission.note": "Thêm ghi chú nội bộ",
    "submission.reply": "Phản hồi người dân",
    "submission.duplicate": "Đánh dấu trùng",
    "submission.duplicate_undo": "Bỏ đánh dấu trùng",
    "attachment.view": "Xem tệp đính kèm",
    "attachment.original": "Xem bản gốc niêm phong",
    "officer.create": "Tạo tài khoản cán bộ",
    "officer.update": "Sửa tài khoản cán bộ",
    "officer.login": "Đăng nhập",
    "officer.locked": "Tạm chặn đăng nhập (sai mật khẩu nhiều lần)",
    "officer.password_change": "Tự đổi mật khẩu",
    "officer.password_reset": "Cấp mật khẩu dùng một lần (dòng lệnh)",
    "officer.unlock": "Mở khóa đăng nhập",
    "token.create": "Tạo API token",
    "token.revoke": "Thu hồi API token",
    "knowledge.propose": "Đề xuất sửa hỏi đáp",
    "knowledge.approve": "Duyệt sửa hỏi đáp",
    "knowledge.reject": "Từ chối sửa hỏi đáp",
    "knowledge.seed": "Nạp kho hỏi đáp ban đầu",
    "knowledge.sync": "Đồng bộ kho hỏi đáp",
    "knowledge.dismiss": "Bỏ qua câu hỏi chưa có trả lời",
    "broadcast.create": "Soạn chiến dịch",
    "broadcast.edit": "Sửa chiến dịch",
    "broadcast.approve": "Duyệt chiến dịch",
    "broadcast.start": "Bắt đầu gửi chiến dịch",
    "broadcast.finish": "Chiến dịch gửi xong",
    "broadcast.pause": "Tạm dừng chiến dịch",
    "broadcast.resume": "Tiếp tục chiến dịch",
    "broadcast.cancel": "Hủy chiến dịch",
    "broadcast.test_send": "Gửi thử chiến dịch",
    "officer.link_code": "Tạo mã liên kết Telegram của cán bộ",
    "officer.link_chat": "Liên kết Telegram của cán bộ",
    "zalo.tokens_replaced": "Thay token Zalo OA",
    "zalo.consent_started": "Bắt đầu ủy quyền Zalo OA (OAuth)",
    "forum.create": "Tạo diễn đàn",
    "forum.respond": "Trả lời ý kiến diễn đàn",
    "forum.publish": "Công bố trả lời diễn đàn",
    "quiz.create": "Tạo cuộc thi tìm hiểu pháp luật",
    "unit.create": "Thêm đơn vị",
    "unit.import": "Nhập danh sách đơn vị",
    "unit.import_boundaries": "Nhập ranh giới đơn vị",
    "retention.purge": "Xóa tin hết thời hạn lưu trữ",
}
SYSTEM = "Hệ thống"


def _when(value) -> str:
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M")


def _text(value) -> str:
    text = str(value)
    return text if len(text) <= 80 else text[:80] + "…"


def _retention_rule(value) -> str:
    kind, _, status = str(value).partition("/")
    return f"{labels.KIND.get(kind, kind)} — {labels.STATUS.get(status, status)}"


def _yes_no(value) -> str:
    return "có" if value else "không"


@dataclass
class Names:
    """Everything an audit page names, loaded once: officers, units, submissions' codes."""

    officers: dict[int, Officer] = field(default_factory=dict)
    units: dict[int, Unit] = field(default_factory=dict)
    codes: dict[int, str] = field(default_factory=dict)

    def officer(self, officer_id) -> str:
        officer = self.officers.get(officer_id)
        return f"{officer.full_name} ({officer.username})" if officer else f"cán bộ #{officer_id}"

    def unit(self, unit_id) -> str:
        unit = self.units.get(unit_id)
        return unit.name if unit else f"đơn vị #{unit_id}"

    def code(self, submission_id) -> str:
        return self.codes.get(submission_id, f"tin #{submission_id}")


# field → (label, how to show a value)
FIELDS: dict[str, tuple[str, Callable[[object, Names], str]]] = {
    "status": ("Trạng thái", lambda v, n: labels.STATUS.get(v, v)),
    "priority": ("Ưu tiên", lambda v, n: labels.PRIORITY.get(v, v)),
    "category": ("Lĩnh vực", lambda v, n: labels.CATEGORY.get(v, v)),
    "kind": ("Loại", lambda v, n: labels.KIND.get(v, v)),
    "channel": ("Kênh", lambda v, n: str(v)),
    "valuable": ("Tin có giá trị", lambda v, n: _yes_no(v)),
    "assigned_to_id": ("Phân công", lambda v, n: n.officer(v)),
    "unit_id": ("Đơn vị", lambda v, n: n.unit(v)),
    "due_at": ("Hạn xử lý", lambda v, n: _when(v)[:10]),
    "duplicate_of_id": ("Trùng với tin", lambda v, n: n.code(v)),
    "public_reply": ("Phản hồi", lambda v, n: _text(v)),
    "text": ("Ghi chú", lambda v, n: _text(v)),
    "username": ("Tên đăng nhập", lambda v, n: str(v)),
    "full_name": ("Họ tên", lambda v, n: str(v)),
    "role": ("Vai trò", lambda v, n: ROLE.get(v, v)),
    "active": ("Trạng thái tài khoản", lambda v, n: "hoạt động" if v else "đã khóa"),
    "password": ("Mật khẩu", lambda v, n: "đã đặt lại"),
    "locked_until": ("Khóa đến", lambda v, n: _when(v)),
    "blocked_until": ("Tạm chặn đến", lambda v, n: _when(v)),
    "address": ("Từ địa chỉ", lambda v, n: str(v)),
    "cleared": ("Đã xóa", lambda v, n: f"{v} lượt chặn"),
    "label": ("Nhãn", lambda v, n: str(v)),
    "slug": ("Mục hỏi đáp", lambda v, n: str(v)),
    "version": ("Phiên bản", lambda v, n: str(v)),
    "author": ("Người đề xuất", lambda v, n: str(v)),
    "reason": ("Lý do", lambda v, n: _text(v)),
    "entries": ("Số mục", lambda v, n: str(v)),
    "added": ("Thêm", lambda v, n: str(v)),
    "updated": ("Cập nhật", lambda v, n: str(v)),
    "proposed": ("Đề xuất", lambda v, n: str(v)),
    "questions": ("Câu hỏi", lambda v, n: f"{len(v)} câu" if isinstance(v, list) else str(v)),
    "fields": ("Phần đã sửa", lambda v, n: ", ".join(map(str, v)) if isinstance(v, list) else v),
    "code": ("Mã đơn vị", lambda v, n: str(v)),
    "name": ("Tên đơn vị", lambda v, n: str(v)),
    "kind_unit": ("Loại đơn vị", lambda v, n: UNIT_KIND.get(v, v)),
    "created": ("Đã thêm", lambda v, n: f"{v} đơn vị"),
    "skipped": ("Bỏ qua (đã có)", lambda v, n: f"{v} đơn vị"),
    "attachment_id": ("Tệp đính kèm", lambda v, n: f"#{v}"),
    # retention.purge (feedback_api.ops.retention)
    "rule": ("Quy tắc lưu trữ", lambda v, n: _retention_rule(v)),
    "months": ("Thời hạn lưu trữ", lambda v, n: f"{v} tháng"),
    "cutoff": ("Đã đóng trước", lambda v, n: _when(v)[:10]),
    "submission_ids": (
        "Tin đã xóa",
        lambda v, n: (
            _text(f"{len(v)} tin (#{', #'.join(map(str, v))})") if isinstance(v, list) else str(v)
        ),
    ),
    "notes": ("Ghi chú đã xóa", lambda v, n: str(v)),
    "outbox_messages": ("Tin nhắn chờ gửi đã xóa", lambda v, n: str(v)),
    "attachments": ("Tệp đính kèm đã xóa", lambda v, n: str(v)),
}
HIDDEN = frozenset({"note_id"})


@dataclass(frozen=True)
class Change:
    label: str
    before: str | None  # None: the field had no earlier value recorded (a creation)
    after: str

    def __str__(self) -> str:
        return (
            f"{self.label}: {self.before} → {self.after}"
            if self.before
            else (f"{self.label}: {self.after}")
        )


@dataclass(frozen=True)
class EventView:
    id: int
    at: dt.datetime
    action: str  # the code, for filters and tests
    label: str  # what officers read
    actor_id: int | None
    who: str
    entity_type: str
    entity_id: int | None
    target: str
    target_url: str | None
    changes: list[Change]
    ip: str | None

    @property
    def summary(self) -> str:
        """One line: "Cập nhật tin — Trạng thái: Mới tiếp nhận → Đang xác minh"."""
        details = "; ".join(str(c) for c in self.changes)
        return f"{self.label} — {details}" if details else self.label


def _loads(raw: str | None) -> dict:
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        return {"?": raw}
    return value if isinstance(value, dict) else {"?": value}


def _value(name: str, value, names: Names) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if name in FIELDS:
        return str(FIELDS[name][1](value, names))
    if isinstance(value, list):  # never a Python repr on the page
        return _text(", ".join(map(str, value)))
    if isinstance(value, dict):
        return _text("; ".join(f"{k}: {v}" for k, v in value.items()))
    return _text(value)


def _changes(event: AuditEvent, names: Names) -> list[Change]:
    before, after = _loads(event.before), _loads(event.after)
    changes = []
    for name in dict.fromkeys([*after, *before]):  # after's order, then fields only before has
        if name in HIDDEN:
            continue
        label = FIELDS[name][0] if name in FIELDS else name
        if event.entity_type == "unit" and name == "kind":
            label = FIELDS["kind_unit"][0]
        old = _value(name, before[name], names) if name in before else None
        new = _value(name, after.get(name), names)
        changes.append(Change(label, old, new))
    return changes


def _target(event: AuditEvent, names: Names) -> tuple[str, str | None]:
    if event.entity_id is None:
        return "", None
    if event.entity_type == "submission":
        return f"Tin {names.code(event.entity_id)}", f"/officer/submissions/{event.entity_id}"
    if event.entity_type == "officer":
        return f"Cán bộ {names.officer(event.entity_id)}", None
    if event.entity_type == "unit":
        return names.unit(event.entity_id), None
    if event.entity_type == "api_token":
        return f"API token #{event.entity_id}", None
    if event.entity_type == "knowledge_revision":
        return f"Bản sửa hỏi đáp #{event.entity_id}", None
    if event.entity_type == "knowledge":
        return "Kho hỏi đáp", None
    return f"{event.entity_type} #{event.entity_id}", None


def load_names(*, db_session: Session, events: Iterable[AuditEvent]) -> Names:
    """Officers, units and submission codes the events mention, in three queries."""
    officer_ids, unit_ids, submission_ids = set(), set(), set()
    for event in events:
        if event.actor_id is not None:
            officer_ids.add(event.actor_id)
        if event.entity_id is not None:
            {"officer": officer_ids, "unit": unit_ids, "submission": submission_ids}.get(
                event.entity_type, set()
            ).add(event.entity_id)
        for values in (_loads(event.before), _loads(event.after)):
            for name, ids in (
                ("assigned_to_id", officer_ids),
                ("unit_id", unit_ids),
                ("duplicate_of_id", submission_ids),
            ):
                if isinstance(values.get(name), int):
                    ids.add(values[name])
    names = Names()
    if officer_ids:
        officers = db_session.exec(select(Officer).where(col(Officer.id).in_(officer_ids)))
        names.officers = {o.id: o for o in officers}
    if unit_ids:
        names.units = {
            u.id: u for u in db_session.exec(select(Unit).where(col(Unit.id).in_(unit_ids)))
        }
    if submission_ids:
        names.codes = dict(
            db_session.exec(
                select(Submission.id, Submission.tracking_code).where(
                    col(Submission.id).in_(submission_ids)
                )
            ).all()
        )
    return names


def _unnamed(event: AuditEvent) -> str:
    """No officer: the bot or the command line ("system"), or a label recorded as it was."""
    return SYSTEM if event.actor in ("", "system") else event.actor


def render(event: AuditEvent, names: Names) -> EventView:
    target, url = _target(event, names)
    return EventView(
        id=event.id,
        at=event.at,
        action=event.action,
        label=ACTIONS.get(event.action, event.action),
        actor_id=event.actor_id,
        who=names.officer(event.actor_id) if event.actor_id is not None else _unnamed(event),
        entity_type=event.entity_type,
        entity_id=event.entity_id,
        target=target,
        target_url=url,
        changes=_changes(event, names),
        ip=event.ip,
    )


def render_all(*, db_session: Session, events: list[AuditEvent]) -> list[EventView]:
    names = load_names(db_session=db_session, events=events)
    return [render(event, names) for event in events]
