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

from faq.normalize import nfc, normalize

DEFAULT_DIR = Path(__file__).parent / "knowledge"
MAX_ANSWER_CHARS = 1200
MIN_QUESTIONS = 8
REQUIRED_FIELDS = (
    "id",
    "title",
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
)


@dataclass(frozen=True)
class Entry:
    """One topic of the knowledge base, as a citizen will be answered with it."""

    id: str
    title: str
    answer: str
    questions: tuple[str, ...]
    keywords: tuple[str, ...]
    legal_basis: tuple[str, ...]
    last_reviewed: dt.date
    related: tuple[str, ...]


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
    return Entry(
        id=str(raw["id"]).strip(),
        title=nfc(str(raw["title"]).strip()),
        answer=nfc(str(raw["answer"]).strip()),
        questions=_as_tuple(raw["questions"]),
        keywords=_as_tuple(raw["keywords"]),
        legal_basis=_as_tuple(raw["legal_basis"]),
        last_reviewed=reviewed,
        related=_as_tuple(raw["related"]),
    )


def _read(paths: Iterable[Path], faults: list[str]) -> list[Entry]:
    entries = []
    for path in paths:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
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


def validate(entries: list[Entry], *, required_ids: Iterable[str] = ()) -> list[str]:
    """Every rule a reviewer would otherwise check by hand; returns one line per fault."""
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


def load(directory: Path = DEFAULT_DIR, *, strict: bool = True) -> list[Entry]:
    """Load every `*.yaml` entry of a directory, sorted by id.

    With `strict`, any fault (unreadable file, missing field, duplicate...) raises
    KnowledgeBaseError listing all of them, so a broken base never serves half its answers.
    """
    faults: list[str] = []
    entries = _read(sorted(Path(directory).glob("*.yaml")), faults)
    if strict:
        faults.extend(validate(entries))
        if faults:
            raise KnowledgeBaseError(faults)
    return sorted(entries, key=lambda entry: entry.id)


def check(directory: Path = DEFAULT_DIR) -> list[str]:
    """All faults of a knowledge base directory, including the required ids."""
    faults: list[str] = []
    entries = _read(sorted(Path(directory).glob("*.yaml")), faults)
    if not entries and not faults:
        faults.append(f"{directory}: no *.yaml entries found")
    return faults + validate(entries, required_ids=REQUIRED_IDS)


def faults_of_documents(
    documents: Iterable[tuple[str, object]], *, required_ids: Iterable[str] = ()
) -> tuple[list[Entry], list[str]]:
    """Parse and validate entries given as mappings (`(source, mapping)` pairs) rather than
    files: the officer view keeps the live base in a database, one document per entry, and
    must apply exactly the rules `check` applies to a directory. Returns the entries that
    parsed and every fault."""
    faults: list[str] = []
    entries: list[Entry] = []
    for source, raw in documents:
        if not isinstance(raw, dict):
            faults.append(f"{source}: expected one mapping (an entry), found {type(raw).__name__}")
            continue
        entry = _entry_from(raw, source, faults)
        if entry is not None:
            entries.append(entry)
    faults.extend(validate(entries, required_ids=required_ids))
    return sorted(entries, key=lambda entry: entry.id), faults


def from_documents(documents: Iterable[tuple[str, object]]) -> list[Entry]:
    """Like `load`, for a base held as mappings: any fault raises KnowledgeBaseError."""
    entries, faults = faults_of_documents(documents)
    if faults:
        raise KnowledgeBaseError(faults)
    return entries
