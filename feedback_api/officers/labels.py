"""Vietnamese names of the roles: the one mapping every page, the audit log and the citizen's
promise about confidential identities (tests/handlers) are checked against."""

from __future__ import annotations

ROLE = {
    "admin": "Quản trị hệ thống",
    "officer": "Cán bộ xử lý",
    "leader": "Lãnh đạo",
    "campaign": "Cán bộ tuyên truyền",
}
