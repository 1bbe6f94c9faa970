"""Entry documents without a database: JSON ⇄ YAML, field-by-field diffs, and the edit form.

A document is the mapping one faq/knowledge/*.yaml file holds. Nothing here knows which fields
an entry has: the form, the diff and the export work from the values' shapes (text, list of
lines, date, anything else as YAML), so a new field in the FAQ's format appears in the officer
view and the export without a change here. Validation is faq/knowledge.py's alone.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from feedback_api.knowledge.schemas import ISO_DATE as _ISO_DATE
from feedback_api.knowledge.schemas import from_json_value, to_json_value

__all__ = ["from_json_value", "to_json_value"]  # the wire codec, re-exported for the service

SINGLE_LINE_FIELDS = frozenset({"id", "title"})
ROWS = "rows:"  # kind of a list of flat mappings, one per line: "rows:doc,article"
FLOW_ITEM_MAX_CHARS = 50
FOLDED_FROM_CHARS = 120


class FormError(ValueError):
    """A form field could not be read; the message is Vietnamese, for the officer."""


# -- JSON, as stored -------------------------------------------------------------------------


def dumps(document: Mapping) -> str:
    return json.dumps(to_json_value(document), ensure_ascii=False)


def loads(text: str | None) -> dict | None:
    return None if text is None else json.loads(text)


# -- YAML, as shipped and exported -------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False):
        return super().increase_indent(flow, False)  # "  - item" under its key, as shipped


class _Folded(str):
    """A long one-line field (a summary) written as a folded block, like the shipped files."""


def _folded(dumper: yaml.SafeDumper, value: str):
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style=">")


def _str(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _list(dumper: yaml.SafeDumper, value: list):
    """Short words (keywords, related ids) on one line, like the shipped files; sentences
    (question variants, legal basis) one per line."""
    flow = bool(value) and all(
        isinstance(v, str | int | float)
        and "\n" not in str(v)
        and len(str(v)) <= FLOW_ITEM_MAX_CHARS
        for v in value
    )
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


class _FlowDict(dict):
    """A small mapping inside a list (a citation) written on one line: {doc: ..., article: ...}."""


def _flow_dict(dumper: yaml.SafeDumper, value: dict):
    return dumper.represent_mapping("tag:yaml.org,2002:map", value.items(), flow_style=True)


def _inline_small_mappings(value: Any) -> Any:
    if isinstance(value, list):
        return [
            _FlowDict(v)
            if isinstance(v, dict) and all(not isinstance(x, dict | list) for x in v.values())
            else _inline_small_mappings(v)
            for v in value
        ]
    return value


_Dumper.add_representer(str, _str)
_Dumper.add_representer(list, _list)
_Dumper.add_representer(_FlowDict, _flow_dict)
_Dumper.add_representer(_Folded, _folded)


def _shaped(value: Any) -> Any:
    if isinstance(value, str) and "\n" not in value and len(value) > FOLDED_FROM_CHARS:
        return _Folded(value)
    return _inline_small_mappings(value)


def to_yaml(document: Mapping) -> str:
    """One entry as the text of its faq/knowledge/<id>.yaml file (keys in the stored order)."""
    document = {k: _shaped(v) for k, v in from_json_value(dict(document)).items()}
    return yaml.dump(
        document,
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        width=100_000,
    )


# -- diffs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    """One field's change, as lines marked "+" (added) or "-" (removed)."""

    field: str
    lines: tuple[tuple[str, str], ...]
    unchanged: int


def _lines(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return value.splitlines() or [""]
    if isinstance(value, list) and all(not isinstance(v, Mapping | list) for v in value):
        return [str(v) for v in value]
    if isinstance(value, list | Mapping):
        return yaml.safe_dump(value, allow_unicode=True, sort_keys=False).splitlines()
    return [str(value)]


def diff(before: Mapping | None, after: Mapping) -> list[FieldChange]:
    """What a revision changes, field by field, in the document's own field order."""
    before = before or {}
    changes = []
    for field in [*after, *(k for k in before if k not in after)]:
        old, new = _lines(before.get(field)), _lines(after.get(field))
        if old == new:
            continue
        matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
        lines: list[tuple[str, str]] = []
        unchanged = 0
        for op, a1, a2, b1, b2 in matcher.get_opcodes():
            if op == "equal":
                unchanged += a2 - a1
                continue
            lines.extend(("-", line) for line in old[a1:a2])
            lines.extend(("+", line) for line in new[b1:b2])
        changes.append(FieldChange(field, tuple(lines), unchanged))
    return changes


# -- the edit form ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FormField:
    """One field of the edit form: `kind` is text, line (single line), lines (one list item
    per line), date, rows:<columns> (flat mappings such as citations, one per line, values
    separated by "|"), or yaml (anything else structured, edited as YAML)."""

    name: str
    kind: str
    value: str

    @property
    def columns(self) -> list[str]:
        return columns_of(self.kind)


def kind_of(name: str, value: Any) -> str:
    if name in SINGLE_LINE_FIELDS:
        return "line"
    if isinstance(value, dt.date) or (isinstance(value, str) and _ISO_DATE.match(value)):
        return "date"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list) and all(
        isinstance(v, str | int | float) and "\n" not in str(v) for v in value
    ):
        return "lines"
    if isinstance(value, list) and all(_is_row(v) for v in value):
        columns: dict[str, None] = {}
        for row in value:
            columns.update(dict.fromkeys(row))
        return ROWS + ",".join(columns)
    return "yaml"


def _is_row(value: Any) -> bool:
    """A flat mapping (a citation {doc, article}) that fits on one line of the form."""
    return (
        isinstance(value, Mapping)
        and bool(value)
        and all(
            isinstance(k, str)
            and "|" not in k
            and "," not in k
            and isinstance(v, str | int | float)
            and "|" not in str(v)
            and "\n" not in str(v)
            for k, v in value.items()
        )
    )


def columns_of(kind: str) -> list[str]:
    return kind.removeprefix(ROWS).split(",") if kind.startswith(ROWS) else []


def _as_text(kind: str, value: Any) -> str:
    if value is None:
        return ""
    if kind in ("line", "text"):
        return str(value)
    if kind == "date":
        return to_json_value(value)
    if kind == "lines" and isinstance(value, list):
        return "\n".join(str(v) for v in value)
    if kind.startswith(ROWS) and isinstance(value, list):
        columns = columns_of(kind)
        return "\n".join(
            " | ".join(str(row.get(c, "")) for c in columns).rstrip(" |") for row in value
        )
    return yaml.safe_dump(to_json_value(value), allow_unicode=True, sort_keys=False, width=10_000)


def form_fields(document: Mapping, *, shape: Mapping[str, str]) -> list[FormField]:
    """The form for a document. `shape` (field → kind) lists every field an entry of the live
    base has, so a new entry's form offers them all, empty."""
    names = [*document, *(name for name in shape if name not in document)]
    fields = []
    for name in names:
        value = document.get(name)
        kind = shape.get(name) or kind_of(name, value)
        fields.append(FormField(name, kind, _as_text(kind, value)))
    return fields


def shape_of(documents: list[Mapping]) -> dict[str, str]:
    """Field → kind over a whole base, in first-seen order (the first non-empty value wins)."""
    shape: dict[str, str] = {}
    seen_empty: set[str] = set()
    for document in documents:
        for name, value in document.items():
            kind = kind_of(name, value)
            if name in shape and name not in seen_empty:
                if shape[name].startswith(ROWS) and kind.startswith(ROWS):  # union of columns
                    columns = dict.fromkeys([*columns_of(shape[name]), *columns_of(kind)])
                    shape[name] = ROWS + ",".join(columns)
                continue
            shape[name] = kind
            if value in (None, "", []):
                seen_empty.add(name)
            else:
                seen_empty.discard(name)
    return shape


def _rows(name: str, raw: str, columns: list[str]) -> list[dict]:
    rows = []
    for number, line in enumerate(raw.split("\n"), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        if len(parts) > len(columns):
            raise FormError(
                f"{name}, dòng {number}: nhiều hơn {len(columns)} phần ngăn bởi “|” "
                f"({' | '.join(columns)})."
            )
        rows.append({c: p for c, p in zip(columns, parts, strict=False) if p})
    return rows


def document_from_form(
    form: Mapping[str, str], shape: Mapping[str, str], *, keep_empty: set[str]
) -> dict:
    """Read the form back into a document. The kinds come from the server's `shape`, never
    from the form, so a forged field cannot change how a value is read. A field left empty is
    dropped unless it is in `keep_empty` (the entry's own and the required fields), so an
    optional field other entries have does not appear empty in this one."""
    document: dict[str, Any] = {}
    for name, kind in shape.items():
        raw = str(form.get(f"f_{name}", "")).replace("\r\n", "\n")
        if kind == "line":
            document[name] = " ".join(raw.split())
        elif kind == "text":
            document[name] = raw.strip()
        elif kind == "date":
            value = raw.strip()
            if value and not _ISO_DATE.match(value):
                raise FormError(f"{name}: ngày phải theo dạng YYYY-MM-DD.")
            document[name] = value
        elif kind == "lines":
            document[name] = [line.strip() for line in raw.split("\n") if line.strip()]
        elif kind.startswith(ROWS):
            document[name] = _rows(name, raw, columns_of(kind))
        else:
            try:
                document[name] = to_json_value(yaml.safe_load(raw)) if raw.strip() else []
            except yaml.YAMLError as exc:
                problem = getattr(exc, "problem", None) or "cú pháp sai"
                raise FormError(f"{name}: YAML không hợp lệ ({problem}).") from None
        if document[name] in ("", []) and name not in keep_empty:
            del document[name]
    return document
