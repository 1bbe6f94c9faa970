"""The knowledge loop's rules: the live base, proposing, and the two-person approval.

- The live base starts as a copy of the shipped YAML (seeding.py); the unanswered questions
  citizens asked live in unanswered.py.
- Every change is a proposed revision: the whole new document, the one it replaces and the
  version it was made against. It goes live only when a second officer with the right approves
  it (the author may withdraw it, never approve it), and only if the entry has not changed in
  between — a lost update would silently undo someone's correction.
- A document is judged by faq/knowledge.py alone, on the whole base as it would become: a
  proposal may not add a fault (a variant another entry owns, a related id that does not
  exist...). Faults the base already has (a stricter FAQ format than the stored entries) do not
  block unrelated edits; they are shown on the entries page.
Every officer action is audited in the same transaction as the change.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from faq import knowledge
from feedback_api.audit import service as audit
from feedback_api.clock import utcnow
from feedback_api.knowledge import documents as docs
from feedback_api.knowledge.models import KnowledgeEntry, KnowledgeRevision, UnansweredQuestion
from feedback_api.knowledge.schemas import (
    EntriesPublic,
    EntryPublic,
    FieldChangePublic,
    KnowledgeSnapshot,
    RevisionCreate,
    RevisionPublic,
)
from feedback_api.permissions import Action, Actor, NotFound

MAX_DOCUMENT_BYTES = 64 * 1024


class KnowledgeError(ValueError):
    """A rule refused the request; `message` is Vietnamese, `faults` the validator's lines."""

    status = 422

    def __init__(self, message: str, faults: Iterable[str] = ()):
        super().__init__(message)
        self.faults = list(faults)


class KnowledgeConflict(KnowledgeError):
    """Someone else changed the same thing first."""

    status = 409


class SelfApproval(KnowledgeError):
    status = 403


# -- the live base ---------------------------------------------------------------------------


def live_version(*, db_session: Session) -> int:
    return db_session.exec(select(func.max(KnowledgeEntry.version))).one() or 0


def _entries(db_session: Session) -> list[KnowledgeEntry]:
    return list(db_session.exec(select(KnowledgeEntry).order_by(KnowledgeEntry.slug)))


def get_entry_row(db_session: Session, slug: str) -> KnowledgeEntry | None:
    return db_session.exec(select(KnowledgeEntry).where(KnowledgeEntry.slug == slug)).first()


def snapshot(*, db_session: Session, since: int | None = None) -> KnowledgeSnapshot:
    """The live base for the bot, or just "unchanged" when it already has this version."""
    version = live_version(db_session=db_session)
    if since == version:
        return KnowledgeSnapshot(version=version, changed=False, entries=[])
    entries = [json.loads(e.document) for e in _entries(db_session)]
    return KnowledgeSnapshot(version=version, changed=True, entries=entries)


def live_documents(*, db_session: Session) -> dict[str, dict]:
    """slug → document, for the export and the forms."""
    return {e.slug: json.loads(e.document) for e in _entries(db_session)}


def faults_of(documents: Mapping[str, Mapping]) -> list[str]:
    """faq/knowledge.py's verdict on a whole base held as documents."""
    _, faults = knowledge.faults_of_documents(
        (slug, docs.from_json_value(document)) for slug, document in documents.items()
    )
    return faults


def new_faults(db_session: Session, slug: str, document: dict) -> list[str]:
    live = live_documents(db_session=db_session)
    known = set(faults_of(live))
    return [fault for fault in faults_of({**live, slug: document}) if fault not in known]


# -- reading ---------------------------------------------------------------------------------


def _pending_counts(db_session: Session) -> dict[str, int]:
    rows = db_session.exec(
        select(KnowledgeRevision.slug, func.count())
        .where(KnowledgeRevision.status == "pending")
        .group_by(KnowledgeRevision.slug)
    )
    return dict(rows.all())


def list_entries(*, db_session: Session, actor: Actor) -> EntriesPublic:
    actor.require(Action.EDIT_KNOWLEDGE)
    pending = _pending_counts(db_session)
    data = [_entry_public(e, pending.get(e.slug, 0)) for e in _entries(db_session)]
    return EntriesPublic(data=data, count=len(data), version=live_version(db_session=db_session))


def _entry_public(entry: KnowledgeEntry, pending: int) -> EntryPublic:
    document = json.loads(entry.document)
    return EntryPublic(
        slug=entry.slug,
        title=str(document.get("title", entry.slug)),
        version=entry.version,
        updated_at=entry.updated_at,
        pending=pending,
        document=document,
    )


def get_entry(*, db_session: Session, actor: Actor, slug: str) -> EntryPublic:
    actor.require(Action.EDIT_KNOWLEDGE)
    entry = get_entry_row(db_session, slug)
    if entry is None:
        raise NotFound("knowledge entry")
    return _entry_public(entry, _pending_counts(db_session).get(slug, 0))


def revision_public(revision: KnowledgeRevision) -> RevisionPublic:
    document = json.loads(revision.document)
    changes = docs.diff(docs.loads(revision.previous), document)
    return RevisionPublic(
        id=revision.id,
        slug=revision.slug,
        kind=revision.kind,
        status=revision.status,
        note=revision.note,
        author_id=revision.author_id,
        author=revision.author,
        created_at=revision.created_at,
        reviewer_id=revision.reviewer_id,
        reviewer=revision.reviewer,
        reviewed_at=revision.reviewed_at,
        reason=revision.reason,
        base_version=revision.base_version,
        live_version=revision.live_version,
        document=document,
        diff=[
            FieldChangePublic(field=c.field, lines=list(c.lines), unchanged=c.unchanged)
            for c in changes
        ],
    )


def list_revisions(
    *,
    db_session: Session,
    actor: Actor,
    status: str | None = None,
    slug: str | None = None,
    limit: int = 100,
) -> list[KnowledgeRevision]:
    """Newest first: the pending queue (`status="pending"`) or an entry's history."""
    actor.require(Action.EDIT_KNOWLEDGE)
    query = select(KnowledgeRevision).order_by(col(KnowledgeRevision.id).desc())
    if status:
        query = query.where(KnowledgeRevision.status == status)
    if slug:
        query = query.where(KnowledgeRevision.slug == slug)
    return list(db_session.exec(query.limit(min(limit, 500))))


def get_revision(*, db_session: Session, actor: Actor, revision_id: int) -> KnowledgeRevision:
    actor.require(Action.EDIT_KNOWLEDGE)
    revision = db_session.get(KnowledgeRevision, revision_id)
    if revision is None:
        raise NotFound("knowledge revision")
    return revision


# -- proposing and deciding ------------------------------------------------------------------


def propose(*, db_session: Session, actor: Actor, data: RevisionCreate) -> KnowledgeRevision:
    """Record a proposed edit or new entry; nothing goes live until a second officer approves."""
    actor.require(Action.EDIT_KNOWLEDGE)
    document = docs.to_json_value(data.document)
    if str(document.get("id", "")).strip() != data.slug:
        raise KnowledgeError(f"Trường id của mục phải là “{data.slug}”.")
    if len(docs.dumps(document).encode()) > MAX_DOCUMENT_BYTES:
        raise KnowledgeError(f"Nội dung mục quá lớn (tối đa {MAX_DOCUMENT_BYTES // 1024} KB).")
    entry = get_entry_row(db_session, data.slug)
    if entry is not None and json.loads(entry.document) == document:
        raise KnowledgeError("Không có thay đổi nào so với nội dung đang dùng.")
    faults = new_faults(db_session, data.slug, document)
    if faults:
        raise KnowledgeError("Mục chưa hợp lệ, chưa lưu đề xuất:", faults)
    revision = KnowledgeRevision(
        slug=data.slug,
        kind="edit" if entry else "create",
        status="pending",
        document=docs.dumps(document),
        previous=entry.document if entry else None,
        base_version=entry.version if entry else None,
        note=data.note.strip(),
        author_id=actor.officer_id,
        author=actor.label,
    )
    db_session.add(revision)
    db_session.flush()
    linked = link_questions(db_session, data.question_ids, revision.id)
    audit.record(
        db_session=db_session,
        actor=actor,
        action="knowledge.propose",
        entity_type="knowledge_revision",
        entity_id=revision.id,
        after={
            "slug": data.slug,
            "kind": revision.kind,
            "fields": [c.field for c in docs.diff(docs.loads(revision.previous), document)],
            "questions": linked,
        },
    )
    db_session.commit()
    return revision


def _pending(db_session: Session, revision_id: int) -> KnowledgeRevision:
    revision = db_session.get(KnowledgeRevision, revision_id)
    if revision is None:
        raise NotFound("knowledge revision")
    if revision.status != "pending":
        raise KnowledgeConflict("Đề xuất này đã được xử lý trước đó.")
    return revision


def approve(*, db_session: Session, actor: Actor, revision_id: int) -> KnowledgeRevision:
    """The second officer's approval: the revision becomes the live entry, as a new version."""
    actor.require(Action.EDIT_KNOWLEDGE)
    revision = _pending(db_session, revision_id)
    if revision.author_id == actor.officer_id:
        raise SelfApproval("Người đề xuất không thể tự duyệt; cần một cán bộ khác duyệt.")
    entry = get_entry_row(db_session, revision.slug)
    if revision.kind == "create" and entry is not None:
        raise KnowledgeConflict(f"Mục “{revision.slug}” đã có; hãy từ chối đề xuất này.")
    if revision.kind == "edit" and (entry is None or entry.version != revision.base_version):
        raise KnowledgeConflict(
            "Mục này đã được sửa sau khi đề xuất; hãy từ chối và đề xuất lại trên nội dung mới."
        )
    document = json.loads(revision.document)
    faults = new_faults(db_session, revision.slug, document)
    if faults:
        raise KnowledgeError("Không thể duyệt: mục không còn hợp lệ với cơ sở hiện tại:", faults)
    version = live_version(db_session=db_session) + 1
    entry = entry or KnowledgeEntry(slug=revision.slug, document="", version=version)
    entry.document = revision.document
    entry.version = version
    entry.updated_at = utcnow()
    revision.status = "approved"
    revision.live_version = version
    _decided(revision, actor)
    db_session.add(entry)
    db_session.add(revision)
    audit.record(
        db_session=db_session,
        actor=actor,
        action="knowledge.approve",
        entity_type="knowledge_revision",
        entity_id=revision.id,
        after={"slug": revision.slug, "version": version, "author": revision.author},
    )
    try:
        db_session.commit()
    except IntegrityError:  # another approval took this version number first
        db_session.rollback()
        raise KnowledgeConflict(
            "Một thay đổi khác vừa được duyệt cùng lúc; vui lòng thử lại."
        ) from None
    return revision


def reject(
    *, db_session: Session, actor: Actor, revision_id: int, reason: str
) -> KnowledgeRevision:
    """A reviewer's refusal, or the author withdrawing their own proposal; a reason is kept."""
    actor.require(Action.EDIT_KNOWLEDGE)
    reason = " ".join(reason.split())
    if len(reason) < 3:
        raise KnowledgeError("Hãy ghi lý do từ chối.")
    revision = _pending(db_session, revision_id)
    revision.status = "rejected"
    revision.reason = reason[:500]
    _decided(revision, actor)
    db_session.add(revision)
    audit.record(
        db_session=db_session,
        actor=actor,
        action="knowledge.reject",
        entity_type="knowledge_revision",
        entity_id=revision.id,
        after={"slug": revision.slug, "reason": revision.reason},
    )
    db_session.commit()
    return revision


def _decided(revision: KnowledgeRevision, actor: Actor) -> None:
    revision.reviewer_id = actor.officer_id
    revision.reviewer = actor.label
    revision.reviewed_at = utcnow()


# -- questions linked to a revision ----------------------------------------------------------


def open_questions():
    """Not dismissed, and not turned into a revision that is pending or live."""
    handled = select(KnowledgeRevision.id).where(KnowledgeRevision.status != "rejected")
    return select(UnansweredQuestion).where(
        col(UnansweredQuestion.dismissed_at).is_(None),
        or_(
            col(UnansweredQuestion.revision_id).is_(None),
            col(UnansweredQuestion.revision_id).not_in(handled),
        ),
    )


def open_by_ids(db_session: Session, ids: Iterable[int]) -> list[UnansweredQuestion]:
    ids = sorted(set(ids))
    if not ids:
        return []
    return list(db_session.exec(open_questions().where(col(UnansweredQuestion.id).in_(ids))))


def link_questions(db_session: Session, ids: Iterable[int], revision_id: int) -> int:
    questions = open_by_ids(db_session, ids)
    for question in questions:
        question.revision_id = revision_id
        db_session.add(question)
    return len(questions)
