"""Vietnamese names of unit kinds (the unit table stores the English code)."""

from __future__ import annotations

UNIT_KIND = {
    "province": "Tỉnh/Thành phố",
    "commune": "Xã",
    "ward": "Phường",
    "special_zone": "Đặc khu",
    "department": "Phòng nghiệp vụ",
}
