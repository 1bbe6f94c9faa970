"""Vietnamese labels for statuses, kinds and categories, shown to citizens and officers."""

from __future__ import annotations

STATUS = {
    "new": "Mới tiếp nhận",
    "verifying": "Đang xác minh",
    "forwarded": "Đã chuyển đơn vị có thẩm quyền",
    "resolved": "Đã giải quyết",
    "rejected": "Không đủ căn cứ xử lý",
    "duplicate": "Trùng với tin đã tiếp nhận",
}
KIND = {"tip": "Tố giác, tin báo", "question": "Câu hỏi", "opinion": "Góp ý"}
CATEGORY = {
    "drugs": "Ma túy",
    "theft": "Trộm cắp",
    "fraud": "Lừa đảo",
    "gambling": "Cờ bạc",
    "trafficking": "Mua bán người",
    "weapons": "Vũ khí, vật liệu nổ",
    "public_disorder": "Gây rối trật tự",
    "domestic_violence": "Bạo lực gia đình",
    "other": "Khác",
}
ANONYMITY = {
    "named": "Công khai danh tính",
    "confidential": "Giữ bí mật danh tính",
    "anonymous": "Ẩn danh",
}
PRIORITY = {"low": "Thấp", "normal": "Bình thường", "high": "Cao", "urgent": "Khẩn"}
