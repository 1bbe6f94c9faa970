"""Loading and validating the knowledge base: one YAML file per topic under faq/knowledge/.

One file per entry keeps reviews small (a legal officer edits one topic in one diff) and lets
`langnghe faq check` name the file of every fault.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from faq.legal import DEFAULT_DOCUMENTS, Citation, Documents, parse_citations, read_documents
from faq.normalize import nfc, normalize

DEFAULT_DIR = Path(__file__).parent / "knowledge"
MAX_ANSWER_CHARS = 1200
MAX_SUMMARY_CHARS = 320  # two to four lines on a phone: it must answer, not introduce
MAX_SUMMARY_LINES = 4
MIN_QUESTIONS = 8
REQUIRED_FIELDS = (
    "id",
    "title",
    "summary",
    "answer",
    "questions",
    "keywords",
    "legal_basis",
    "last_reviewed",
    "related",
)

MAY_BE_EMPTY = frozenset({"related"})

REQUIRED_IDS = (
    "cancuoc-cap-moi",
    "cancuoc-cap-doi",
    "cancuoc-tre-em",
    "cancuoc-le-phi",
    "cancuoc-thoi-han",
    "vneid-dang-ky",
    "vneid-kich-hoat",
    "vneid-mat-khau",
    "cutru-thuong-tru",
    "cutru-tam-tru",
    "cutru-luu-tru",
    "cutru-xac-nhan",
    "hochieu",
    "dichvucong",
    "togiac-toi-pham",
    "khan-cap",
    "luadao-mang",
    "luadao-viec-nhe",
    "luadao-da-bi-lua",
    "gia-danh-cong-an",
    "mua-ban-nguoi",
    "ma-tuy",
    "trom-cap",
    "bao-luc-gia-dinh",
    "xam-hai-tre-em",
    "tin-gia",
    "vukhi-giao-nop",
    "phao-no",
    "co-bac",
    "gt-nong-do-con",
    "gt-mu-bao-hiem",
    "gt-bang-lai",
    "gt-dang-ky-xe",
    "gt-phat-nguoi",
    "gt-tuoi-lai-xe",
    "nghia-vu-qs",
    "khieunai-tocao",
    "pccc",
    "anninh-coso",
    "mat-giayto",
    "dien-dan",
    "lien-he",
    "gt-khong-bang-lai",
    "tieng-on-ban-dem",
    "tre-lac",
    "tranh-chap-hang-xom",
    "mat-dien-thoai",
)


@dataclass(frozen=True)
class Entry:
    """One topic of the knowledge base, as a citizen will be answered with it.

    A citizen first reads `title` and `summary` (two to four lines that answer the question);
    `answer` holds the details, shown on request, followed by the "Căn cứ" rendered from
    `legal_basis` (citations into faq/data/legal_documents.yaml).
    """

    id: str
    title: str
    answer: str
    questions: tuple[str, ...]
    keywords: tuple[str, ...]
    legal_basis: tuple[Citation, ...]
    last_reviewed: dt.date
    related: tuple[str, ...]
    summary: str = ""


class KnowledgeBaseError(ValueError):
    """The knowledge base has faults; `faults` lists each one as a readable line."""

    def __init__(self, faults: list[str]):
        super().__init__("\n".join(faults))
        self.faults = faults


def _as_tuple(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (nfc(value),)
    return tuple(nfc(str(item)) for item in value or ())


def _entry_from(raw: dict, source: str, faults: list[str]) -> Entry | None:
    missing = [
        name
        for name in REQUIRED_FIELDS
        if raw.get(name) is None or (raw.get(name) in ("", []) and name not in MAY_BE_EMPTY)
    ]
    if missing:
        faults.append(f"{source}: missing field(s): {', '.join(missing)}")
        return None
    reviewed = raw["last_reviewed"]
    if isinstance(reviewed, str):
        try:
            reviewed = dt.date.fromisoformat(reviewed)
        except ValueError:
            faults.append(f"{source}: last_reviewed is not a date (YYYY-MM-DD): {reviewed!r}")
            return None
    n_faults = len(faults)
    legal_basis = parse_citations(raw["legal_basis"], source, faults)
    if len(faults) > n_faults:
        return None
    return Entry(
        id=str(raw["id"]).strip(),
        title=nfc(str(raw["title"]).strip()),
        answer=nfc(str(raw["answer"]).strip()),
        questions=_as_tuple(raw["questions"]),
        keywords=_as_tuple(raw["keywords"]),
        legal_basis=legal_basis,
        last_reviewed=reviewed,
        related=_as_tuple(raw["related"]),
        summary=nfc(str(raw["summary"]).strip()),
    )


def _read(paths: Iterable[Path], faults: list[str]) -> list[Entry]:
    entries = []
    for path in paths:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (ValueError, yaml.YAMLError) as exc:  # ValueError: a date like 2025-13-01
            faults.append(f"{path.name}: not valid YAML/UTF-8: {exc}")
            continue
        if not isinstance(raw, dict):
            faults.append(
                f"{path.name}: expected one mapping (an entry), found {type(raw).__name__}"
            )
            continue
        entry = _entry_from(raw, path.name, faults)
        if entry is not None:
            entries.append(entry)
    return entries


def validate(
    entries: list[Entry],
    *,
    required_ids: Iterable[str] = (),
    documents: Documents | None = None,
) -> list[str]:
    """Every rule a reviewer would otherwise check by hand; returns one line per fault.

    With `documents`, every citation must name a document of the register.
    """
    faults: list[str] = []
    ids = [entry.id for entry in entries]
    known = set(ids)
    for duplicate in sorted({i for i in ids if ids.count(i) > 1}):
        faults.append(f"{duplicate}: id used by more than one entry")
    for missing in sorted(set(required_ids) - known):
        faults.append(f"{missing}: required id is missing")
    owner_of_variant: dict[str, str] = {}
    for entry in entries:
        if len(entry.answer) > MAX_ANSWER_CHARS:
            faults.append(
                f"{entry.id}: answer has {len(entry.answer)} characters (max {MAX_ANSWER_CHARS})"
            )
        summary_lines = [line for line in entry.summary.splitlines() if line.strip()]
        if len(entry.summary) > MAX_SUMMARY_CHARS or len(summary_lines) > MAX_SUMMARY_LINES:
            faults.append(
                f"{entry.id}: summary has {len(entry.summary)} characters in "
                f"{len(summary_lines)} lines (max {MAX_SUMMARY_CHARS} in {MAX_SUMMARY_LINES})"
            )
        if documents is not None:
            for citation in entry.legal_basis:
                if citation.doc not in documents:
                    faults.append(
                        f"{entry.id}: cites {citation.doc!r}, which is not in the legal documents"
                    )
        if len(entry.questions) < MIN_QUESTIONS:
            faults.append(
                f"{entry.id}: {len(entry.questions)} question variants (min {MIN_QUESTIONS})"
            )
        for related in entry.related:
            if related not in known:
                faults.append(f"{entry.id}: related id {related!r} does not exist")
        for question in entry.questions:
            key = normalize(question)
            if not key:
                faults.append(f"{entry.id}: empty question variant {question!r}")
                continue
            owner = owner_of_variant.setdefault(key, entry.id)
            if owner != entry.id:
                faults.append(f"{entry.id}: variant {question!r} is also a variant of {owner}")
    return faults


def load(
    directory: Path = DEFAULT_DIR,
    *,
    strict: bool = True,
    documents: Path | None = DEFAULT_DOCUMENTS,
) -> list[Entry]:
    """Load every `*.yaml` entry of a directory, sorted by id.

    With `strict`, any fault (unreadable file, missing field, duplicate, a citation of a
    document not in `documents`...) raises KnowledgeBaseError listing all of them, so a broken
    base never serves half its answers. `documents=None` skips the citation check.
    """
    faults: list[str] = []
    entries = _read(sorted(Path(directory).glob("*.yaml")), faults)
    if strict:
        register = None
        if documents is not None:
            register, document_faults = read_documents(documents)
            faults.extend(document_faults)
        faults.extend(validate(entries, documents=register))
        if faults:
            raise KnowledgeBaseError(faults)
    return sorted(entries, key=lambda entry: entry.id)


def check(directory: Path = DEFAULT_DIR, *, documents: Path = DEFAULT_DOCUMENTS) -> list[str]:
    """All faults of a knowledge base directory, including the required ids and citations."""
    faults: list[str] = []
    entries = _read(sorted(Path(directory).glob("*.yaml")), faults)
    if not entries and not faults:
        faults.append(f"{directory}: no *.yaml entries found")
    register, document_faults = read_documents(documents)
    return (
        faults + document_faults + validate(entries, required_ids=REQUIRED_IDS, documents=register)
    )


def faults_of_documents(
    mappings: Iterable[tuple[str, object]],
    *,
    required_ids: Iterable[str] = (),
    documents: Path | None = DEFAULT_DOCUMENTS,
) -> tuple[list[Entry], list[str]]:
    """Parse and validate entries given as mappings (`(source, mapping)` pairs) rather than
    files: the officer view keeps the live base in a database, one document per entry, and
    must apply exactly the rules `check` applies to a directory (citations included, against
    the register `documents`). Returns the entries that parsed and every fault."""
    faults: list[str] = []
    entries: list[Entry] = []
    for source, raw in mappings:
        if not isinstance(raw, dict):
            faults.append(f"{source}: expected one mapping (an entry), found {type(raw).__name__}")
            continue
        entry = _entry_from(raw, source, faults)
        if entry is not None:
            entries.append(entry)
    register = None
    if documents is not None:
        register, document_faults = read_documents(documents)
        faults.extend(document_faults)
    faults.extend(validate(entries, required_ids=required_ids, documents=register))
    return sorted(entries, key=lambda entry: entry.id), faults


def from_documents(
    mappings: Iterable[tuple[str, object]], *, documents: Path | None = DEFAULT_DOCUMENTS
) -> list[Entry]:
    """Like `load`, for a base held as mappings: any fault raises KnowledgeBaseError."""
    entries, faults = faults_of_documents(mappings, documents=documents)
    if faults:
        raise KnowledgeBaseError(faults)
    return entries
