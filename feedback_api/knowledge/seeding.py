"""The shipped FAQ (faq/knowledge/*.yaml) into the live base: the first seed, and what each new
release changes in it.

The live base starts as a copy of the shipped YAML, once, on an empty table. Later releases
ship corrections (legal updates, new entries); `sync_shipped` brings them in at start-up
without ever silently overwriting what officers changed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from faq import knowledge
from feedback_api.audit import service as audit
from feedback_api.clock import utcnow
from feedback_api.knowledge import documents as docs
from feedback_api.knowledge.models import KnowledgeEntry, KnowledgeRevision
from feedback_api.knowledge.service import (
    get_entry_row,
    live_documents,
    live_version,
    new_faults,
)

SHIPPED_UPDATE_NOTE = (
    "Nội dung mới kèm phiên bản phần mềm; mục này đã được cán bộ sửa nên cần duyệt."
)


def seed_if_empty(*, db_session: Session, directory: Path = knowledge.DEFAULT_DIR) -> int:
    """Copy the shipped YAML into an empty live base (version 1); returns how many entries.

    The seed is loaded with the FAQ's strict loader first, so a broken file never goes live.
    Two processes starting at once: the second one's insert fails on the unique slug and it
    leaves the first one's seed in place.
    """
    if db_session.exec(select(func.count()).select_from(KnowledgeEntry)).one():
        return 0
    knowledge.load(directory)  # raises KnowledgeBaseError listing every fault
    count = 0
    for path in sorted(Path(directory).glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        slug = str(raw["id"]).strip()
        text = docs.dumps(raw)
        db_session.add(KnowledgeEntry(slug=slug, document=text, version=1))
        db_session.add(
            KnowledgeRevision(slug=slug, kind="seed", status="seed", document=text, note=path.name)
        )
        count += 1
    audit.record(
        db_session=db_session,
        actor=None,
        action="knowledge.seed",
        entity_type="knowledge",
        entity_id=None,
        after={"entries": count, "version": 1},
    )
    try:
        db_session.commit()
    except IntegrityError:
        db_session.rollback()
        return 0
    return count


@dataclass(frozen=True)
class SyncResult:
    added: list[str]
    updated: list[str]
    proposed: list[str]


def _shipped(directory: Path) -> dict[str, dict]:
    knowledge.load(directory)  # the FAQ's strict loader: a broken file never goes anywhere
    documents = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        documents[str(raw["id"]).strip()] = docs.to_json_value(raw)
    return documents


def sync_shipped(*, db_session: Session, directory: Path = knowledge.DEFAULT_DIR) -> SyncResult:
    """Bring a new release's YAML into a live base seeded by an older one (run at start-up).

    Per shipped entry whose file changed since it was last seeded:
    - new, or never edited by officers since its seed: it goes live (a seed revision, its own
      version): shipped content was reviewed in the project, like any code change;
    - edited by officers since: the shipped version becomes a pending revision by "system" for
      them to approve or reject — their correction is never silently overwritten, and a
      shipped version they rejected is not proposed again;
    - a shipped version that would add a fault to the live base (a variant officers gave to
      another entry...) is proposed rather than applied.
    An empty base is simply seeded.
    """
    if not db_session.exec(select(func.count()).select_from(KnowledgeEntry)).one():
        count = seed_if_empty(db_session=db_session, directory=directory)
        slugs = sorted(live_documents(db_session=db_session)) if count else []
        return SyncResult(added=slugs, updated=[], proposed=[])
    shipped = _shipped(directory)
    last_seed: dict[str, dict] = {}
    system_documents: set[tuple[str, str]] = set()
    for revision in db_session.exec(select(KnowledgeRevision).order_by(KnowledgeRevision.id)):
        if revision.kind == "seed":
            last_seed[revision.slug] = json.loads(revision.document)
        if revision.author_id is None:
            system_documents.add((revision.slug, revision.document))
    result = SyncResult([], [], [])
    for slug, document in shipped.items():
        entry = get_entry_row(db_session, slug)
        live = json.loads(entry.document) if entry else None
        if live == document or last_seed.get(slug) == document:
            continue  # already live, or this file is the one last seeded (officers' edits stand)
        text = docs.dumps(document)
        edited = entry is not None and live != last_seed.get(slug)
        if not edited and not new_faults(db_session, slug, document):
            version = live_version(db_session=db_session) + 1
            entry = entry or KnowledgeEntry(slug=slug, document=text, version=version)
            entry.document, entry.version, entry.updated_at = text, version, utcnow()
            db_session.add(entry)
            db_session.add(
                KnowledgeRevision(
                    slug=slug,
                    kind="seed",
                    status="seed",
                    document=text,
                    previous=docs.dumps(live) if live else None,
                    note=f"{slug}.yaml (phiên bản phần mềm mới)",
                    live_version=version,
                )
            )
            db_session.flush()
            (result.updated if live else result.added).append(slug)
        elif (slug, text) not in system_documents:
            db_session.add(
                KnowledgeRevision(
                    slug=slug,
                    kind="edit" if entry else "create",
                    status="pending",
                    document=text,
                    previous=entry.document if entry else None,
                    base_version=entry.version if entry else None,
                    note=SHIPPED_UPDATE_NOTE,
                )
            )
            result.proposed.append(slug)
    if result.added or result.updated or result.proposed:
        audit.record(
            db_session=db_session,
            actor=None,
            action="knowledge.sync",
            entity_type="knowledge",
            entity_id=None,
            after={"added": result.added, "updated": result.updated, "proposed": result.proposed},
        )
    try:
        db_session.commit()
    except IntegrityError:  # another process synced at the same moment
        db_session.rollback()
        return SyncResult([], [], [])
    return result
