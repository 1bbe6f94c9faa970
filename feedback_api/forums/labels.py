"""Vietnamese words of the forums domain: response kinds and the messages sent to citizens
through the outbox (one place, so the wording is reviewed once)."""

from __future__ import annotations

RESPONSE = {
    "accept": "Tiếp thu",
    "explain": "Giải trình",
    "forward": "Chuyển cơ quan có thẩm quyền",
}

ANSWER = "Diễn đàn “{title}” — trả lời ý kiến {code} của bạn ({response}):\n\n{text}"
SUMMARY = (
    "Diễn đàn “{title}” đã công bố kết quả: {opinions} ý kiến được tiếp nhận, tổng hợp thành "
    "{themes} nhóm vấn đề và đã được trả lời. Cảm ơn bạn đã tham gia cùng Công an.{link}"
)
SUMMARY_LINK = "\nXem toàn bộ câu trả lời: {url}"
