"""The legal documents the knowledge base cites, and how current each entry is.

Every document an answer rests on is listed once in faq/data/legal_documents.yaml (number, title,
in force from, superseded by). Entries cite documents by number and article, so when a decree is
replaced the legal officer edits one line here and `langnghe faq stale` names every entry whose
answer must be re-read, instead of someone grepping free text for "144/2021".

A document counts as superseded only once its successor is in force on the day of the check:
an answer citing the old decree is still right until then.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import yaml

from faq.normalize import nfc

DEFAULT_DOCUMENTS = Path(__file__).parent / "data" / "legal_documents.yaml"
REVIEW_EVERY_DAYS = 365  # an entry not reviewed for more than 12 months is due


@dataclass(frozen=True)
class Document:
    """One law, decree or circular, as the legal officer records it."""

    number: str  # "68/2020/QH14": the key entries cite
    title: str  # the official title, without the number
    cite: str  # how an answer names it: "Luật Cư trú 2020"
    in_force_from: dt.date | None  # None: not recorded yet (the officer fills it in)
    superseded_by: str | None = None
    note: str = ""

    def label(self) -> str:
        """ "Luật Cư trú 2020 (số 68/2020/QH14)", or the cite alone when it holds the number."""
        return self.cite if self.number in self.cite else f"{self.cite} (số {self.number})"


@dataclass(frozen=True)
class Citation:
    """An entry's pointer into the documents: the number, and the article(s) if known."""

    doc: str
    article: str = ""


@dataclass(frozen=True)
class Finding:
    """Why one entry needs the legal officer: superseded citations, an overdue review, or both."""

    entry_id: str
    title: str
    last_reviewed: dt.date
    superseded: tuple[tuple[str, str], ...]  # (cited number, the number that replaced it)
    overdue_days: int  # days past the 12-month review; 0 when not overdue

    def reasons(self) -> list[str]:
        lines = [f"cites {old}, superseded by {new}" for old, new in self.superseded]
        if self.overdue_days:
            lines.append(
                f"not reviewed since {self.last_reviewed.isoformat()} "
                f"({self.overdue_days} days past the 12-month review)"
            )
        return lines

    def as_json(self) -> dict:
        return {
            "id": self.entry_id,
            "title": self.title,
            "last_reviewed": self.last_reviewed.isoformat(),
            "superseded": [{"doc": old, "superseded_by": new} for old, new in self.superseded],
            "overdue_days": self.overdue_days,
        }


class Documents:
    """The register of documents, by number."""

    def __init__(self, documents: list[Document]):
        self.by_number = {document.number: document for document in documents}

    def __contains__(self, number: str) -> bool:
        return number in self.by_number

    def get(self, number: str) -> Document | None:
        return self.by_number.get(number)

    def superseded_on(self, number: str, today: dt.date) -> str | None:
        """The number of the document that replaced `number` and is in force on `today`."""
        document = self.by_number.get(number)
        if document is None or not document.superseded_by:
            return None
        successor = self.by_number.get(document.superseded_by)
        if successor and successor.in_force_from and successor.in_force_from > today:
            return None
        return document.superseded_by

    def render(self, citation: Citation) -> str:
        """The citation as a citizen reads it under "Căn cứ"."""
        document = self.by_number.get(citation.doc)
        label = document.label() if document else citation.doc
        return f"{label}, {citation.article}" if citation.article else label


def _date(value: object, where: str, faults: list[str]) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        faults.append(f"{where}: not a date (YYYY-MM-DD): {value!r}")
        return None


def read_documents(path: Path = DEFAULT_DOCUMENTS) -> tuple[Documents, list[str]]:
    """The register and its faults (unreadable file, missing fields, unknown successors)."""
    faults: list[str] = []
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError) as exc:  # ValueError: 2025-13-01 in YAML
        return Documents([]), [f"{Path(path).name}: cannot read the legal documents: {exc}"]
    items = raw.get("documents") if isinstance(raw, dict) else None
    if not isinstance(items, list):
        return Documents([]), [f"{Path(path).name}: expected a `documents:` list"]
    documents: list[Document] = []
    for index, item in enumerate(items, start=1):
        where = f"{Path(path).name} document {index}"
        if not isinstance(item, dict) or not all(item.get(k) for k in ("number", "title", "cite")):
            faults.append(f"{where}: needs number, title and cite")
            continue
        number = nfc(str(item["number"]).strip())
        documents.append(
            Document(
                number=number,
                title=nfc(str(item["title"]).strip()),
                cite=nfc(str(item["cite"]).strip()),
                in_force_from=_date(item.get("in_force_from"), f"{where} ({number})", faults),
                superseded_by=nfc(str(item["superseded_by"]).strip())
                if item.get("superseded_by")
                else None,
                note=nfc(str(item.get("note") or "").strip()),
            )
        )
    numbers = [document.number for document in documents]
    for duplicate in sorted({n for n in numbers if numbers.count(n) > 1}):
        faults.append(f"{Path(path).name}: document {duplicate} is listed more than once")
    register = Documents(documents)
    for document in documents:
        if document.superseded_by and document.superseded_by not in register:
            faults.append(
                f"{Path(path).name}: {document.number} is superseded by "
                f"{document.superseded_by}, which is not listed"
            )
    return register, faults


def parse_citations(value: object, source: str, faults: list[str]) -> tuple[Citation, ...]:
    """`legal_basis:` as a list of {doc, article}; anything else is a fault, not a guess."""
    citations = []
    for index, item in enumerate(value if isinstance(value, list) else [value], start=1):
        if not isinstance(item, dict) or not isinstance(item.get("doc"), str | int):
            faults.append(f"{source}: legal_basis item {index} must be {{doc: number, article}}")
            continue
        article = item.get("article")
        citations.append(
            Citation(doc=nfc(str(item["doc"]).strip()), article=nfc(str(article or "").strip()))
        )
    return tuple(citations)


def review(entries, documents: Documents, today: dt.date) -> list[Finding]:
    """Entries citing a superseded document or not reviewed for over 12 months, oldest first."""
    findings = []
    for entry in entries:
        superseded = tuple(
            (citation.doc, successor)
            for citation in entry.legal_basis
            if (successor := documents.superseded_on(citation.doc, today))
        )
        overdue = max((today - entry.last_reviewed).days - REVIEW_EVERY_DAYS, 0)
        if superseded or overdue:
            findings.append(
                Finding(entry.id, entry.title, entry.last_reviewed, superseded, overdue)
            )
    return sorted(findings, key=lambda finding: (finding.last_reviewed, finding.entry_id))
