"""faq/knowledge.py's faults (English, shared with `langnghe faq check`) in Vietnamese for the
officer pages. A fault this table does not know (a rule added to the FAQ later) is shown as
it is: an officer may read English, but must never miss a fault."""

from __future__ import annotations

import re
from collections.abc import Mapping

_RULES = [
    (
        r"^(?P<id>[^:]+): answer has (?P<n>\d+) characters \(max (?P<max>\d+)\)$",
        "{id}: câu trả lời dài {n} ký tự, tối đa {max} ký tự.",
    ),
    (r"^(?P<id>[^:]+): missing field\(s\): (?P<fields>.+)$", "{id}: chưa nhập {fields}."),
    (
        r"^(?P<id>[^:]+): (?P<n>\d+) question variants \(min (?P<min>\d+)\)$",
        "{id}: mới có {n} câu hỏi mẫu, cần ít nhất {min}.",
    ),
    (
        r"^(?P<id>[^:]+): related id '(?P<other>.+)' does not exist$",
        "{id}: mục liên quan “{other}” không tồn tại.",
    ),
    (
        r"^(?P<id>[^:]+): variant (?P<q>.+) is also a variant of (?P<other>\S+)$",
        "{id}: câu hỏi mẫu {q} đã là câu hỏi mẫu của mục “{other}”.",
    ),
    (
        r"^(?P<id>[^:]+): last_reviewed is not a date \(YYYY-MM-DD\): (?P<value>.+)$",
        "{id}: ngày rà soát {value} không đúng dạng năm-tháng-ngày.",
    ),
    (r"^(?P<id>[^:]+): empty question variant (?P<q>.+)$", "{id}: có câu hỏi mẫu rỗng {q}."),
    (r"^(?P<id>[^:]+): id used by more than one entry$", "{id}: mã mục bị trùng."),
    (
        r"^(?P<id>[^:]+): summary has (?P<n>\d+) characters in (?P<lines>\d+) lines "
        r"\(max (?P<max>\d+) in (?P<maxlines>\d+)\)$",
        "{id}: phần tóm tắt dài {n} ký tự, {lines} dòng (tối đa {max} ký tự, {maxlines} dòng).",
    ),
    (
        r"^(?P<id>[^:]+): cites (?P<doc>.+), which is not in the legal documents$",
        "{id}: dẫn văn bản {doc} chưa có trong danh mục văn bản pháp luật.",
    ),
    (
        r"^(?P<id>[^:]+): legal_basis item (?P<n>\d+) must be \{doc: number, article\}$",
        "{id}: căn cứ pháp lý thứ {n} phải có dạng {{doc: số hiệu văn bản, article: điều}}.",
    ),
]
_COMPILED = [(re.compile(pattern), text) for pattern, text in _RULES]


def in_vietnamese(fault: str, labels: Mapping[str, str] | None = None) -> str:
    """One fault in Vietnamese; `labels` names the fields as the form does."""
    labels = labels or {}
    for pattern, text in _COMPILED:
        match = pattern.match(fault)
        if match:
            values = match.groupdict()
            if "fields" in values:
                names = [name.strip() for name in values["fields"].split(",")]
                values["fields"] = ", ".join(labels.get(n, n).split(" (")[0] for n in names)
            return text.format(**values)
    return fault
