"""JSON routes for submissions: intake and status for the bot, triage for officers."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, HTTPException, Path, Query, Request, UploadFile
from fastapi.responses import FileResponse

from feedback_api import attachments_service
from feedback_api.attachments.serving import file_response
from feedback_api.deps import (
    CurrentActor,
    ServiceCaller,
    SessionDep,
    SettingsDep,
    client_ip,
    lookup_key,
)
from feedback_api.permissions import NotFound
from feedback_api.submissions import queries, service
from feedback_api.submissions.schemas import (
    AdditionCreate,
    AdditionReceipt,
    AttachmentPublic,
    DuplicateMark,
    NoteCreate,
    NotePublic,
    PublicStatus,
    ReplyCreate,
    SimilarPublic,
    SubmissionCreate,
    SubmissionPublic,
    SubmissionReceipt,
    SubmissionsPublic,
    SubmissionUpdate,
)
from feedback_api.wire import Day, DbId

router = APIRouter(prefix="/api/v1")


def _receipt(submission) -> SubmissionReceipt:
    return SubmissionReceipt(
        tracking_code=submission.tracking_code,
        kind=str(submission.kind),
        status=str(submission.status),
        created_at=submission.created_at,
        due_at=submission.due_at,
    )


@router.post(
    "/intake/submissions", status_code=201, response_model=SubmissionReceipt, tags=["intake"]
)
def create_submission(
    data: SubmissionCreate, db: SessionDep, settings: SettingsDep, _caller: ServiceCaller
) -> SubmissionReceipt:
    """Durably accept a tip, question or opinion; the receipt carries the tracking code."""
    return _receipt(service.create(db_session=db, data=data, settings=settings))


@router.post(
    "/intake/submissions/{code}/attachments",
    status_code=201,
    response_model=AttachmentPublic,
    tags=["intake"],
)
def upload_attachment(
    code: str,
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    _caller: ServiceCaller,
    file: Annotated[UploadFile, File()],
):
    attachment = attachments_service.add(
        db_session=db,
        store=request.app.state.attachment_store,
        code=code,
        data=file.file,
        filename=file.filename,
        content_type=file.content_type,
        max_per_submission=settings.max_attachments_per_submission,
    )
    return AttachmentPublic.model_validate(attachment, from_attributes=True)


@router.post("/intake/additions", status_code=201, response_model=AdditionReceipt, tags=["intake"])
def add_from_citizen(data: AdditionCreate, db: SessionDep, _caller: ServiceCaller):
    """A correction (an edited message) or more information (by tracking code) from the
    submission's own citizen; 404 when it is not theirs."""
    submission = service.add_from_citizen(db_session=db, data=data)
    return AdditionReceipt(tracking_code=submission.tracking_code, kind=data.kind)


@router.get("/status/{code}", response_model=PublicStatus, tags=["public"])
def status_lookup(
    code: Annotated[str, Path(max_length=32)],
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
) -> PublicStatus:
    """Status and public reply by tracking code; rate-limited per caller against guessing.

    The limit applies per verified client address. Only the bot (holding the service token),
    which looks codes up on behalf of many citizens from one address, may name the citizen
    (X-Citizen-Ref) so the limit applies per citizen instead; anyone else's header is ignored.
    """
    try:
        return service.limited_status(
            db_session=db,
            limiter=request.app.state.status_limiter,
            key=lookup_key(request, settings),
            code=code,
        )
    except service.TooManyLookups:
        raise HTTPException(429, service.TOO_MANY_LOOKUPS, headers={"Retry-After": "60"}) from None


@router.get("/submissions", response_model=SubmissionsPublic, tags=["officers"])
def list_submissions(
    db: SessionDep,
    actor: CurrentActor,
    kind: Annotated[str | None, Query(pattern="^(tip|question|opinion)$")] = None,
    status: Annotated[
        str | None, Query(pattern="^(new|verifying|forwarded|resolved|rejected|duplicate)$")
    ] = None,
    unit_id: DbId | None = None,
    category: Annotated[str | None, Query(max_length=40)] = None,
    created_from: Day | None = None,
    created_to: Day | None = None,
    overdue: bool | None = None,
    valuable: bool | None = None,
    assigned_to_id: DbId | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    cursor: DbId | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 25,
    sort: Annotated[
        Literal["newest", "due", "priority"],
        Query(description="newest first; due: open items by deadline; priority: urgent first"),
    ] = "newest",
) -> SubmissionsPublic:
    flt = queries.InboxFilter(
        kind,
        status,
        unit_id,
        category,
        created_from,
        created_to,
        overdue,
        valuable,
        assigned_to_id,
        q,
    )
    rows, count, next_cursor = queries.inbox(
        db_session=db, actor=actor, flt=flt, before_id=cursor, limit=limit, sort=sort
    )
    return SubmissionsPublic(
        data=[service.to_public(r, actor) for r in rows],
        count=count,
        count_exact=count.exact,
        next_cursor=next_cursor,
    )


def _public(db, actor, submission) -> SubmissionPublic:
    count = attachments_service.count_for(db_session=db, submission_id=submission.id)
    return service.to_public(submission, actor, attachment_count=count)


@router.get("/submissions/{submission_id}", response_model=SubmissionPublic, tags=["officers"])
def get_submission(
    submission_id: DbId, request: Request, db: SessionDep, actor: CurrentActor
) -> SubmissionPublic:
    """One submission, with contact details where the role may see them (the view is audited)."""
    submission = service.view(
        db_session=db, actor=actor, submission_id=submission_id, ip=client_ip(request)
    )
    count = attachments_service.count_for(db_session=db, submission_id=submission.id)
    return service.to_public(
        submission, actor, attachment_count=count, contacts=request.app.state.contact_sealer
    )


@router.patch("/submissions/{submission_id}", response_model=SubmissionPublic, tags=["officers"])
def update_submission(
    submission_id: DbId, data: SubmissionUpdate, db: SessionDep, actor: CurrentActor
) -> SubmissionPublic:
    submission = service.update(db_session=db, actor=actor, submission_id=submission_id, data=data)
    return _public(db, actor, submission)


@router.get(
    "/submissions/{submission_id}/notes", response_model=list[NotePublic], tags=["officers"]
)
def list_notes(submission_id: DbId, db: SessionDep, actor: CurrentActor):
    notes = service.notes(db_session=db, actor=actor, submission_id=submission_id)
    return [NotePublic.model_validate(n, from_attributes=True) for n in notes]


@router.post(
    "/submissions/{submission_id}/notes",
    status_code=201,
    response_model=NotePublic,
    tags=["officers"],
)
def add_note(submission_id: DbId, data: NoteCreate, db: SessionDep, actor: CurrentActor):
    note = service.add_note(db_session=db, actor=actor, submission_id=submission_id, text=data.text)
    return NotePublic.model_validate(note, from_attributes=True)


@router.post(
    "/submissions/{submission_id}/reply", response_model=SubmissionPublic, tags=["officers"]
)
def reply(
    submission_id: DbId, data: ReplyCreate, db: SessionDep, actor: CurrentActor
) -> SubmissionPublic:
    submission = service.reply(
        db_session=db, actor=actor, submission_id=submission_id, text=data.text
    )
    return _public(db, actor, submission)


@router.post(
    "/submissions/{submission_id}/duplicate", response_model=SubmissionPublic, tags=["officers"]
)
def mark_duplicate(
    submission_id: DbId, data: DuplicateMark, db: SessionDep, actor: CurrentActor
) -> SubmissionPublic:
    submission = service.mark_duplicate(
        db_session=db, actor=actor, submission_id=submission_id, original=data.duplicate_of
    )
    return _public(db, actor, submission)


@router.delete(
    "/submissions/{submission_id}/duplicate", response_model=SubmissionPublic, tags=["officers"]
)
def undo_duplicate(submission_id: int, db: SessionDep, actor: CurrentActor) -> SubmissionPublic:
    """Undo "duplicate": the previous status comes back and the link goes; a notice to the
    citizen not yet delivered is withdrawn. Idempotent."""
    submission = service.undo_duplicate(db_session=db, actor=actor, submission_id=submission_id)
    return _public(db, actor, submission)


@router.get(
    "/submissions/{submission_id}/similar", response_model=list[SimilarPublic], tags=["officers"]
)
def similar(submission_id: DbId, db: SessionDep, actor: CurrentActor):
    return [
        SimilarPublic(
            id=s.submission.id,
            tracking_code=s.submission.tracking_code,
            kind=str(s.submission.kind),
            status=str(s.submission.status),
            score=s.score,
            excerpt=s.submission.text[:160],
            created_at=s.submission.created_at,
        )
        for s in queries.similar(db_session=db, actor=actor, submission_id=submission_id)
    ]


@router.get(
    "/submissions/{submission_id}/attachments",
    response_model=list[AttachmentPublic],
    tags=["officers"],
)
def list_attachments(submission_id: DbId, db: SessionDep, actor: CurrentActor):
    return [
        AttachmentPublic.model_validate(a, from_attributes=True)
        for a in attachments_service.list_for(
            db_session=db, actor=actor, submission_id=submission_id
        )
    ]


def _file(request: Request, db, actor, attachment_id: DbId, sealed: bool) -> FileResponse:
    try:
        path, attachment = attachments_service.open_for(
            db_session=db,
            store=request.app.state.attachment_store,
            actor=actor,
            attachment_id=attachment_id,
            sealed=sealed,
            ip=client_ip(request),
        )
    except FileNotFoundError:
        raise NotFound("attachment file") from None
    return file_response(path, attachment, sealed=sealed)


@router.get("/attachments/{attachment_id}", tags=["officers"])
def attachment_file(attachment_id: DbId, request: Request, db: SessionDep, actor: CurrentActor):
    """The officer copy, with GPS and other metadata stripped."""
    return _file(request, db, actor, attachment_id, sealed=False)


@router.get("/attachments/{attachment_id}/original", tags=["officers"])
def attachment_original(attachment_id: DbId, request: Request, db: SessionDep, actor: CurrentActor):
    """The sealed original, byte for byte as the citizen sent it (admins only, audited)."""
    return _file(request, db, actor, attachment_id, sealed=True)
