"""The knowledge loop's rules: seeding, proposing, the two-person approval, unanswered questions.

- The live base starts as a copy of the shipped YAML (faq/knowledge/), once, on an empty table.
- Every change is a proposed revision: the whole new document, the one it replaces and the
  version it was made against. It goes live only when a second officer with the right approves
  it (the author may withdraw it, never approve it), and only if the entry has not changed in
  between — a lost update would silently undo someone's correction.
- A document is judged by faq/knowledge.py alone, on the whole base as it would become: a
  proposal may not add a fault (a variant another entry owns, a related id that does not
  exist...). Faults the base already has (a stricter FAQ format than the stored entries) do not
  block unrelated edits; they are shown on the entries page.
- Unanswered questions are kept without any reference to who asked, digits masked (phone and
  card numbers), cut to 500 characters; they are read by officers of every unit.
Every officer action is audited in the same transaction as the change.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import yaml
from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from faq import knowledge
from faq.normalize import normalize
from feedback_api.audit import service as audit
from feedback_api.clock import utcnow
from feedback_api.knowledge import documents as docs
from feedback_api.knowledge.grouping import Asked, group
from feedback_api.knowledge.models import KnowledgeEntry, KnowledgeRevision, UnansweredQuestion
from feedback_api.knowledge.schemas import (
    EntriesPublic,
    EntryPublic,
    FieldChangePublic,
    KnowledgeSnapshot,
    RevisionCreate,
    RevisionPublic,
    UnansweredCreate,
    UnansweredGroup,
    VariantsFromGroup,
)
from feedback_api.permissions import Action, Actor, NotFound

MAX_DOCUMENT_BYTES = 64 * 1024
STORED_QUESTION_CHARS = 500
GROUPED_QUESTIONS = 5000  # the newest open questions are grouped; older ones wait their turn
_DIGIT_RUN = re.compile(r"\d(?:[\s.\-]?\d){5,}")


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


def _entry(db_session: Session, slug: str) -> KnowledgeEntry | None:
    return db_session.exec(select(KnowledgeEntry).where(KnowledgeEntry.slug == slug)).first()


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


def _new_faults(db_session: Session, slug: str, document: dict) -> list[str]:
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
    entry = _entry(db_session, slug)
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
    entry = _entry(db_session, data.slug)
    if entry is not None and json.loads(entry.document) == document:
        raise KnowledgeError("Không có thay đổi nào so với nội dung đang dùng.")
    faults = _new_faults(db_session, data.slug, document)
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
    linked = _link_questions(db_session, data.question_ids, revision.id)
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
    entry = _entry(db_session, revision.slug)
    if revision.kind == "create" and entry is not None:
        raise KnowledgeConflict(f"Mục “{revision.slug}” đã có; hãy từ chối đề xuất này.")
    if revision.kind == "edit" and (entry is None or entry.version != revision.base_version):
        raise KnowledgeConflict(
            "Mục này đã được sửa sau khi đề xuất; hãy từ chối và đề xuất lại trên nội dung mới."
        )
    document = json.loads(revision.document)
    faults = _new_faults(db_session, revision.slug, document)
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


# -- unanswered questions --------------------------------------------------------------------


def mask(text: str) -> str:
    """Runs of six or more digits (phone, card, account numbers) never reach the officers."""
    return _DIGIT_RUN.sub("•••", " ".join(text.split()))[:STORED_QUESTION_CHARS]


def record_unanswered(*, db_session: Session, data: UnansweredCreate) -> UnansweredQuestion | None:
    """Keep a question the FAQ did not answer (None when it has no words to keep)."""
    text = mask(data.text)
    if not normalize(text):
        return None
    question = UnansweredQuestion(text=text, channel=data.channel, outcome=data.outcome)
    db_session.add(question)
    db_session.commit()
    return question


def _open_questions():
    """Not dismissed, and not turned into a revision that is pending or live."""
    handled = select(KnowledgeRevision.id).where(KnowledgeRevision.status != "rejected")
    return select(UnansweredQuestion).where(
        col(UnansweredQuestion.dismissed_at).is_(None),
        or_(
            col(UnansweredQuestion.revision_id).is_(None),
            col(UnansweredQuestion.revision_id).not_in(handled),
        ),
    )


def unanswered_groups(*, db_session: Session, actor: Actor) -> list[UnansweredGroup]:
    actor.require(Action.EDIT_KNOWLEDGE)
    query = _open_questions().order_by(col(UnansweredQuestion.id).desc()).limit(GROUPED_QUESTIONS)
    asked = [Asked(q.id, q.text, q.asked_at) for q in db_session.exec(query)]
    return [
        UnansweredGroup(
            text=g.phrasings()[0],
            count=g.count,
            phrasings=g.phrasings(),
            question_ids=sorted(a.id for a in g.members),
            first_asked=min(a.asked_at for a in g.members),
            last_asked=max(a.asked_at for a in g.members),
        )
        for g in group(asked)
    ]


def _open_by_ids(db_session: Session, ids: Iterable[int]) -> list[UnansweredQuestion]:
    ids = sorted(set(ids))
    if not ids:
        return []
    return list(db_session.exec(_open_questions().where(col(UnansweredQuestion.id).in_(ids))))


def _link_questions(db_session: Session, ids: Iterable[int], revision_id: int) -> int:
    questions = _open_by_ids(db_session, ids)
    for question in questions:
        question.revision_id = revision_id
        db_session.add(question)
    return len(questions)


def propose_variants(
    *, db_session: Session, actor: Actor, data: VariantsFromGroup
) -> KnowledgeRevision:
    """One step from a group of questions to a proposed revision adding them as variants."""
    actor.require(Action.EDIT_KNOWLEDGE)
    entry = _entry(db_session, data.slug)
    if entry is None:
        raise NotFound("knowledge entry")
    questions = _open_by_ids(db_session, data.question_ids)
    if not questions:
        raise KnowledgeConflict("Các câu hỏi này đã được xử lý.")
    wanted = [" ".join(v.split()) for v in data.variants if v.strip()]
    if not wanted:
        wanted = group([Asked(q.id, q.text, q.asked_at) for q in questions])[0].phrasings()
    document = json.loads(entry.document)
    current = list(document.get("questions") or [])
    seen = {normalize(q) for q in current}
    added = []
    for variant in wanted:
        key = normalize(variant)
        if key and key not in seen:
            seen.add(key)
            added.append(variant)
    if not added:
        raise KnowledgeError("Các câu hỏi này đã là câu hỏi mẫu của mục này.")
    document["questions"] = [*current, *added]
    note = f"Thêm {len(added)} câu hỏi người dân đã hỏi ({len(questions)} lượt hỏi)."
    return propose(
        db_session=db_session,
        actor=actor,
        data=RevisionCreate(
            slug=data.slug, document=document, note=note, question_ids=[q.id for q in questions]
        ),
    )


def dismiss(*, db_session: Session, actor: Actor, question_ids: Iterable[int]) -> int:
    """Set aside questions that need no entry (spam, greetings, other agencies' matters)."""
    actor.require(Action.EDIT_KNOWLEDGE)
    questions = _open_by_ids(db_session, question_ids)
    now = utcnow()
    for question in questions:
        question.dismissed_at = now
        question.dismissed_by = actor.officer_id
        db_session.add(question)
    audit.record(
        db_session=db_session,
        actor=actor,
        action="knowledge.dismiss",
        entity_type="unanswered_question",
        entity_id=None,
        after={"questions": [q.id for q in questions]},
    )
    db_session.commit()
    return len(questions)
