"""Vietnamese words of the forums domain for officers: response kinds. What citizens are sent
is in the bot's text catalogue (handlers/texts.py, `notice.forum_answer.*` and
`notice.forum_summary*`): the outbox carries those keys and their values."""

from __future__ import annotations

RESPONSE = {
    "accept": "Tiếp thu",
    "explain": "Giải trình",
    "forward": "Chuyển cơ quan có thẩm quyền",
}
