"""Questions typed in one text box, the way staff write them on paper; blank lines separate
questions, a star marks the correct choice:

    Số điện thoại khẩn cấp của Công an là?
    *A. 113
    B. 114
    Căn cứ: Thông tư ...
    Giải thích: 113 là Công an, 114 cứu hỏa.

Pure (no database), so every refusal names the question it comes from."""

from __future__ import annotations

import re

CHOICE = re.compile(r"^(\*?)\s*([A-Fa-f])[.)]\s*(.+)$")
BASIS = ("căn cứ:", "can cu:")
EXPLAIN = ("giải thích:", "giai thich:")


class FormatError(ValueError):
    pass


def parse(text: str) -> list[dict]:
    questions: list[dict] = []
    blocks = [b for b in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()) if b.strip()]
    for number, block in enumerate(blocks, start=1):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        question = {"text": lines[0], "choices": [], "correct": None, "legal_basis": ""}
        question["explanation"] = ""
        for line in lines[1:]:
            lowered = line.lower()
            match = CHOICE.match(line)
            if lowered.startswith(BASIS):
                question["legal_basis"] = line.split(":", 1)[1].strip()
            elif lowered.startswith(EXPLAIN):
                question["explanation"] = line.split(":", 1)[1].strip()
            elif match:
                if match.group(1):
                    question["correct"] = len(question["choices"])
                question["choices"].append(match.group(3).strip())
            else:
                raise FormatError(f"câu {number}: không hiểu dòng “{line[:60]}”")
        if len(question["choices"]) < 2:
            raise FormatError(f"câu {number}: cần ít nhất hai lựa chọn A., B.")
        if question["correct"] is None:
            raise FormatError(f"câu {number}: đánh dấu * trước đáp án đúng")
        if not question["legal_basis"]:
            raise FormatError(f"câu {number}: thiếu dòng “Căn cứ: …”")
        questions.append(question)
    if not questions:
        raise FormatError("chưa có câu hỏi nào")
    return questions
