"""Questions citizens asked that the FAQ did not answer: kept without who asked, grouped for
officers, and turned in one step into variants of an entry (a proposed revision, so the
two-person rule applies here too) or set aside.

They are kept with no reference to the citizen, digits masked (phone, card and account
numbers), cut to 500 characters: officers of every unit with the right read them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from sqlmodel import Session, col

from faq.normalize import normalize
from feedback_api.audit import service as audit
from feedback_api.clock import utcnow
from feedback_api.knowledge.grouping import Asked, group
from feedback_api.knowledge.models import KnowledgeRevision, UnansweredQuestion
from feedback_api.knowledge.schemas import (
    RevisionCreate,
    UnansweredCreate,
    UnansweredGroup,
    VariantsFromGroup,
)
from feedback_api.knowledge.service import (
    KnowledgeConflict,
    KnowledgeError,
    get_entry_row,
    open_by_ids,
    open_questions,
    propose,
)
from feedback_api.permissions import Action, Actor

STORED_QUESTION_CHARS = 500
GROUPED_QUESTIONS = 2000  # the newest open questions are grouped (≈0.5 s worst case); older wait
_DIGIT_RUN = re.compile(r"\d(?:[\s.\-]?\d){5,}")


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


def unanswered_groups(*, db_session: Session, actor: Actor) -> list[UnansweredGroup]:
    actor.require(Action.EDIT_KNOWLEDGE)
    query = open_questions().order_by(col(UnansweredQuestion.id).desc()).limit(GROUPED_QUESTIONS)
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


def propose_variants(
    *, db_session: Session, actor: Actor, data: VariantsFromGroup
) -> KnowledgeRevision:
    """One step from a group of questions to a proposed revision adding them as variants."""
    actor.require(Action.EDIT_KNOWLEDGE)
    entry = get_entry_row(db_session, data.slug)
    if entry is None:  # a field of the body, not a path: bad input rather than 404
        raise KnowledgeError(f"Không có mục “{data.slug}”.")
    questions = open_by_ids(db_session, data.question_ids)
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
    questions = open_by_ids(db_session, question_ids)
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
