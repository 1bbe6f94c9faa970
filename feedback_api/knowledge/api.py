"""Knowledge routes: the live base for the bot (service token), the unanswered questions it
reports, and the officers' revisions (EDIT_KNOWLEDGE, enforced in the service)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from feedback_api.deps import CurrentActor, ServiceCaller, SessionDep
from feedback_api.knowledge import served, service, unanswered
from feedback_api.knowledge.schemas import (
    AnswersServedBatch,
    Dismiss,
    EntriesPublic,
    EntryPublic,
    KnowledgeSnapshot,
    RevisionCreate,
    RevisionPublic,
    RevisionReject,
    RevisionsPublic,
    UnansweredCreate,
    UnansweredGroups,
    VariantsFromGroup,
)
from feedback_api.wire import MAX_DB_INT, DbId

router = APIRouter(prefix="/api/v1", tags=["knowledge"])
# Someone else decided or changed it first (the body is the usual error, with `faults`).
CONFLICT = {409: {"description": "Already decided, or the entry changed since the proposal"}}


@router.get("/knowledge", response_model=KnowledgeSnapshot)
def live_base(
    db: SessionDep,
    _caller: ServiceCaller,
    since: int | None = Query(default=None, ge=0, le=MAX_DB_INT),
) -> KnowledgeSnapshot:
    """The live knowledge base; `since` = the version the caller has (unchanged → no entries)."""
    return service.snapshot(db_session=db, since=since)


@router.post("/intake/unanswered", status_code=204)
def record_unanswered(data: UnansweredCreate, db: SessionDep, _caller: ServiceCaller) -> Response:
    """A question the FAQ did not answer (its text only: never who asked)."""
    unanswered.record_unanswered(db_session=db, data=data)
    return Response(status_code=204)


@router.post("/intake/answers-served", status_code=204)
def record_answers_served(
    data: AnswersServedBatch, db: SessionDep, _caller: ServiceCaller
) -> Response:
    """FAQ answers shown to citizens, in a batch (entry, channel, commune if known: never who)."""
    served.record_many(db_session=db, items=data.items)
    return Response(status_code=204)


@router.get("/knowledge/entries", response_model=EntriesPublic)
def list_entries(db: SessionDep, actor: CurrentActor) -> EntriesPublic:
    return service.list_entries(db_session=db, actor=actor)


@router.get("/knowledge/entries/{slug}", response_model=EntryPublic)
def get_entry(slug: str, db: SessionDep, actor: CurrentActor) -> EntryPublic:
    return service.get_entry(db_session=db, actor=actor, slug=slug)


@router.get("/knowledge/revisions", response_model=RevisionsPublic)
def list_revisions(
    db: SessionDep,
    actor: CurrentActor,
    status: str | None = Query(default=None, max_length=16),
    slug: str | None = Query(default=None, max_length=64),
) -> RevisionsPublic:
    revisions = service.list_revisions(db_session=db, actor=actor, status=status, slug=slug)
    data = [service.revision_public(r) for r in revisions]
    return RevisionsPublic(data=data, count=len(data))


@router.post("/knowledge/revisions", status_code=201, response_model=RevisionPublic)
def propose(data: RevisionCreate, db: SessionDep, actor: CurrentActor) -> RevisionPublic:
    return service.revision_public(service.propose(db_session=db, actor=actor, data=data))


@router.post(
    "/knowledge/revisions/{revision_id}/approve", response_model=RevisionPublic, responses=CONFLICT
)
def approve(revision_id: DbId, db: SessionDep, actor: CurrentActor) -> RevisionPublic:
    revision = service.approve(db_session=db, actor=actor, revision_id=revision_id)
    return service.revision_public(revision)


@router.post(
    "/knowledge/revisions/{revision_id}/reject", response_model=RevisionPublic, responses=CONFLICT
)
def reject(
    revision_id: DbId, data: RevisionReject, db: SessionDep, actor: CurrentActor
) -> RevisionPublic:
    revision = service.reject(
        db_session=db, actor=actor, revision_id=revision_id, reason=data.reason
    )
    return service.revision_public(revision)


@router.get("/knowledge/unanswered", response_model=UnansweredGroups)
def unanswered_groups(db: SessionDep, actor: CurrentActor) -> UnansweredGroups:
    groups = unanswered.unanswered_groups(db_session=db, actor=actor)
    return UnansweredGroups(data=groups, count=len(groups))


@router.post(
    "/knowledge/unanswered/variants",
    status_code=201,
    response_model=RevisionPublic,
    responses=CONFLICT,
)
def variants_from_group(
    data: VariantsFromGroup, db: SessionDep, actor: CurrentActor
) -> RevisionPublic:
    """Propose a group's questions as variants of an existing entry."""
    revision = unanswered.propose_variants(db_session=db, actor=actor, data=data)
    return service.revision_public(revision)


@router.post("/knowledge/unanswered/dismiss")
def dismiss(data: Dismiss, db: SessionDep, actor: CurrentActor) -> dict:
    return {
        "dismissed": unanswered.dismiss(db_session=db, actor=actor, question_ids=data.question_ids)
    }
