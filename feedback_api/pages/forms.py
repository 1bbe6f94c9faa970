"""Form errors in Vietnamese for the officer pages (pydantic's own messages are English)."""

from __future__ import annotations

from pydantic import ValidationError

_FIELD_LABELS = {
    "username": "Tên đăng nhập",
    "full_name": "Họ tên",
    "role": "Vai trò",
    "unit_id": "Đơn vị",
    "password": "Mật khẩu",
    "code": "Mã",
    "name": "Tên",
    "kind": "Loại",
    "parent_code": "Mã đơn vị cấp trên",
    "current_password": "Mật khẩu hiện tại",
    "new_password": "Mật khẩu mới",
    "new_password_repeat": "Nhập lại mật khẩu mới",
}


def validation_message(exc: ValidationError) -> str:
    """The form's first problem in Vietnamese (pydantic's own messages are English)."""
    first = exc.errors()[0]
    field = ".".join(str(p) for p in first["loc"])
    ctx = first.get("ctx") or {}
    if first["type"] == "string_too_short" and ctx.get("min_length", 1) > 1:
        problem = f"cần ít nhất {ctx['min_length']} ký tự"
    elif first["type"] in ("string_too_short", "missing"):
        problem = "chưa nhập"
    elif first["type"] == "string_too_long":
        problem = f"tối đa {ctx.get('max_length')} ký tự"
    elif first["type"] == "string_pattern_mismatch":
        problem = "có ký tự không hợp lệ"
    else:
        problem = "giá trị không hợp lệ"
    return f"{_FIELD_LABELS.get(field, field)}: {problem}."
