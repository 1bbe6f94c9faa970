"""A Vietnamese FAQ chat in the terminal: the quickest way to try the knowledge base."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from faq.assistant import Answer, Faq
from faq.smalltalk import SmallTalk

WELCOME = (
    "Xin chào! Đây là Lắng Nghe — kênh hỏi đáp pháp luật của Công an.\n"
    "Bạn cứ gõ câu hỏi (có dấu hay không dấu đều được). Gõ 'thoát' để kết thúc.\n"
    "Khi có nguy hiểm, hãy gọi ngay 113 (Công an), 114 (Cứu hỏa), 115 (Cấp cứu)."
)
EMERGENCY = (
    "⚠ Nếu bạn đang gặp nguy hiểm, hãy gọi NGAY:\n"
    "• 113 — Công an\n• 114 — Cứu hỏa, cứu nạn cứu hộ\n• 115 — Cấp cứu y tế\n"
    "Giữ an toàn cho bản thân trước tiên."
)
SMALL_TALK = {
    SmallTalk.GREETING: "Xin chào bạn! Bạn muốn hỏi về vấn đề gì?",
    SmallTalk.THANKS: "Không có gì ạ. Bạn cần hỏi thêm gì cứ nhắn nhé!",
    SmallTalk.GOODBYE: "Chào bạn, chúc bạn một ngày bình an!",
}
NO_MATCH = (
    "Xin lỗi, tôi chưa tìm được câu trả lời chắc chắn cho câu hỏi này.\n"
    "Bạn có thể hỏi lại bằng cách khác, hoặc liên hệ Công an xã/phường nơi bạn cư trú."
)
EXIT_WORDS = {"thoat", "thoát", "exit", "quit", "q"}


def reply(faq: Faq, text: str) -> list[str]:
    """The messages the terminal shows for one line the citizen typed."""
    answer: Answer = faq.ask(text)
    messages: list[str] = []
    if answer.emergency:
        messages.append(EMERGENCY)
    if answer.small_talk is not None:
        messages.append(SMALL_TALK[answer.small_talk])
    elif answer.entry is not None:
        messages.append(f"{answer.entry.title}\n\n{answer.entry.answer}")
    elif not answer.emergency:
        suggestions = [faq.entry(a.id) for a in answer.alternatives if a.score >= 0.3]
        if suggestions:
            lines = "\n".join(f"• {entry.title}" for entry in suggestions if entry)
            messages.append(f"Có phải bạn muốn hỏi:\n{lines}")
        else:
            messages.append(NO_MATCH)
    return messages


def run(faq: Faq, lines: Iterable[str], write: Callable[[str], None]) -> None:
    write(WELCOME)
    for line in lines:
        text = line.strip()
        if not text:
            continue
        if text.lower() in EXIT_WORDS:
            write(SMALL_TALK[SmallTalk.GOODBYE])
            return
        for message in reply(faq, text):
            write(message)
