"""Officer pages of the knowledge loop: entries, the edit form, revisions awaiting a second
officer, and the questions citizens asked that the FAQ did not answer.

Thin like every page: read the form, call one service function, render. A refused form is
shown again with what the officer typed and every fault, so nothing typed is lost.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from faq import knowledge
from feedback_api.deps import SessionDep
from feedback_api.knowledge import documents as docs
from feedback_api.knowledge import service, unanswered
from feedback_api.knowledge.faults import in_vietnamese
from feedback_api.knowledge.schemas import SLUG_PATTERN, RevisionCreate, VariantsFromGroup
from feedback_api.pages.auth import PageSession, page
from feedback_api.permissions import Action
from feedback_api.wire import DbId

router = APIRouter(prefix="/officer/knowledge", include_in_schema=False)

FLASH = {
    "proposed": "Đã lưu đề xuất. Thay đổi chỉ có hiệu lực khi một cán bộ khác duyệt.",
    "approved": "Đã duyệt: nội dung mới đang được dùng để trả lời người dân.",
    "rejected": "Đã từ chối đề xuất.",
    "dismissed": "Đã bỏ qua nhóm câu hỏi.",
}
STATUS = {
    "pending": "Chờ duyệt",
    "approved": "Đã duyệt",
    "rejected": "Đã từ chối",
    "seed": "Bản gốc",
}
COLUMN_LABELS = {"doc": "số hiệu văn bản", "article": "điều, khoản"}
FIELD_LABELS = {
    "id": "Mã mục",
    "title": "Tiêu đề",
    "summary": "Tóm tắt",
    "answer": "Câu trả lời",
    "questions": "Câu hỏi mẫu (mỗi dòng một câu)",
    "keywords": "Từ khóa (mỗi dòng một từ)",
    "legal_basis": "Căn cứ pháp lý",
    "last_reviewed": "Ngày rà soát",
    "related": "Mục liên quan (mã, mỗi dòng một mã)",
}


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isascii() and v.isdigit()][:500]


def _shape(documents: dict[str, dict], first: dict | None = None) -> dict[str, str]:
    return docs.shape_of([first or {}, *documents.values()])


def _keep_empty(document: dict | None) -> set[str]:
    return set(knowledge.REQUIRED_FIELDS) | set(document or {})


def _edit_page(
    request,
    db,
    browser,
    *,
    slug,
    document,
    fields=None,
    error=None,
    faults=(),
    status_code=200,
    question_ids=None,
):
    live = service.live_documents(db_session=db)
    shape = _shape(live, document)
    history = (
        [
            service.revision_public(r)
            for r in service.list_revisions(db_session=db, actor=browser.actor, slug=slug, limit=50)
        ]
        if slug
        else []
    )
    return page(
        request,
        "knowledge_edit.html",
        browser,
        status_code=status_code,
        slug=slug,
        is_new=slug is None or slug not in live,
        fields=fields or docs.form_fields(document or {}, shape=shape),
        labels=FIELD_LABELS,
        columns=COLUMN_LABELS,
        history=history,
        STATUS=STATUS,
        error=error,
        faults=[in_vietnamese(f, FIELD_LABELS) for f in faults],
        # the unanswered questions this form answers: from the link, then kept by the form
        question_ids=question_ids
        if question_ids is not None
        else _ids(request.query_params.getlist("q")),
        slug_pattern=SLUG_PATTERN[1:-1],
    )


@router.get("")
def entries_page(request: Request, db: SessionDep, browser: PageSession):
    entries = service.list_entries(db_session=db, actor=browser.actor)
    pending = service.list_revisions(db_session=db, actor=browser.actor, status="pending")
    faults = service.faults_of({e.slug: e.document for e in entries.data})
    return page(
        request,
        "knowledge_list.html",
        browser,
        entries=entries,
        pending=len(pending),
        faults=[in_vietnamese(f, FIELD_LABELS) for f in faults],
        flash=FLASH.get(request.query_params.get("flash", "")),
    )


@router.get("/entries/{slug}")
def edit_page(slug: str, request: Request, db: SessionDep, browser: PageSession):
    entry = service.get_entry(db_session=db, actor=browser.actor, slug=slug)
    return _edit_page(request, db, browser, slug=slug, document=entry.document)


@router.get("/new")
def new_page(request: Request, db: SessionDep, browser: PageSession):
    """A new entry's form; from a group of unanswered questions (`?q=ID&q=ID...`) its question
    variants are filled in."""
    browser.actor.require(Action.EDIT_KNOWLEDGE)
    draft: dict = {"id": "", "title": ""}
    ids = _ids(request.query_params.getlist("q"))
    if ids:
        groups = unanswered.unanswered_groups(db_session=db, actor=browser.actor)
        wanted = set(ids)
        draft["questions"] = [
            p for g in groups if wanted & set(g.question_ids) for p in g.phrasings
        ]
    return _edit_page(request, db, browser, slug=None, document=draft)


async def _propose_from_form(request: Request, db, browser, slug: str | None):
    browser.actor.require(Action.EDIT_KNOWLEDGE)
    form = await request.form()
    live = service.live_documents(db_session=db)
    current = live.get(slug) if slug else None
    shape = _shape(live, current)
    typed = [docs.FormField(n, k, str(form.get(f"f_{n}", ""))) for n, k in shape.items()]
    question_ids = _ids([str(v) for v in form.getlist("question_id")])
    target = slug or " ".join(str(form.get("f_id", "")).split())
    try:
        document = docs.document_from_form(form, shape, keep_empty=_keep_empty(current))
        if slug:
            document["id"] = slug  # the id of an existing entry is not editable
        data = RevisionCreate(
            slug=target,
            document=document,
            note=str(form.get("note", ""))[:500],
            question_ids=question_ids,
        )
        if not slug and target in live:
            raise service.KnowledgeError(f"Mã “{target}” đã có; hãy chọn mã khác hoặc sửa mục đó.")
        service.propose(db_session=db, actor=browser.actor, data=data)
    except (docs.FormError, service.KnowledgeError) as exc:
        faults = getattr(exc, "faults", ())
        return _edit_page(
            request,
            db,
            browser,
            slug=slug,
            document=current,
            fields=typed,
            error=str(exc),
            faults=faults,
            status_code=422,
            question_ids=question_ids,
        )
    except ValidationError:
        return _edit_page(
            request,
            db,
            browser,
            slug=slug,
            document=current,
            fields=typed,
            error="Mã mục chỉ gồm chữ thường không dấu, số và dấu gạch ngang (2–64 ký tự).",
            status_code=422,
            question_ids=question_ids,
        )
    return RedirectResponse("/officer/knowledge/revisions?flash=proposed", status_code=303)


@router.post("/entries/{slug}")
async def propose_edit(slug: str, request: Request, db: SessionDep, browser: PageSession):
    service.get_entry(db_session=db, actor=browser.actor, slug=slug)  # 404 for an unknown slug
    return await _propose_from_form(request, db, browser, slug)


@router.post("/new")
async def propose_new(request: Request, db: SessionDep, browser: PageSession):
    return await _propose_from_form(request, db, browser, None)


def _revisions_page(request, db, browser, *, error=None, status_code=200):
    pending = service.list_revisions(db_session=db, actor=browser.actor, status="pending")
    decided = [
        r
        for r in service.list_revisions(db_session=db, actor=browser.actor, limit=30)
        if r.status in ("approved", "rejected")
    ][:15]
    return page(
        request,
        "knowledge_revisions.html",
        browser,
        status_code=status_code,
        pending=[service.revision_public(r) for r in pending],
        decided=[service.revision_public(r) for r in decided],
        STATUS=STATUS,
        labels=FIELD_LABELS,
        error=error,
        flash=FLASH.get(request.query_params.get("flash", "")),
    )


@router.get("/revisions")
def revisions_page(request: Request, db: SessionDep, browser: PageSession):
    return _revisions_page(request, db, browser)


def _decided(request, db, browser, revision, flash: str):
    """HTMX swaps the decided revision's card in place; a plain form goes back to the list."""
    if request.headers.get("hx-request"):
        return page(
            request,
            "_knowledge_revision.html",
            browser,
            r=service.revision_public(revision),
            STATUS=STATUS,
            labels=FIELD_LABELS,
            message=FLASH[flash],
        )
    return RedirectResponse(f"/officer/knowledge/revisions?flash={flash}", status_code=303)


def _refused(request, db, browser, exc: service.KnowledgeError, revision_id: int):
    """The card again, with why (HTMX), or the list with the error (a plain form)."""
    message = " ".join([str(exc), *(in_vietnamese(f, FIELD_LABELS) for f in exc.faults)])
    if request.headers.get("hx-request"):
        revision = service.get_revision(db_session=db, actor=browser.actor, revision_id=revision_id)
        return page(
            request,
            "_knowledge_revision.html",
            browser,
            r=service.revision_public(revision),
            STATUS=STATUS,
            labels=FIELD_LABELS,
            error=message,
        )
    return _revisions_page(request, db, browser, error=message, status_code=exc.status)


@router.post("/revisions/{revision_id}/approve")
def approve(revision_id: DbId, request: Request, db: SessionDep, browser: PageSession):
    try:
        revision = service.approve(db_session=db, actor=browser.actor, revision_id=revision_id)
    except service.KnowledgeError as exc:
        return _refused(request, db, browser, exc, revision_id)
    return _decided(request, db, browser, revision, "approved")


@router.post("/revisions/{revision_id}/reject")
async def reject(revision_id: DbId, request: Request, db: SessionDep, browser: PageSession):
    reason = str((await request.form()).get("reason", ""))
    try:
        revision = service.reject(
            db_session=db, actor=browser.actor, revision_id=revision_id, reason=reason
        )
    except service.KnowledgeError as exc:
        return _refused(request, db, browser, exc, revision_id)
    return _decided(request, db, browser, revision, "rejected")


def _unanswered_page(request, db, browser, *, error=None, status_code=200):
    groups = unanswered.unanswered_groups(db_session=db, actor=browser.actor)
    entries = service.list_entries(db_session=db, actor=browser.actor)
    return page(
        request,
        "knowledge_unanswered.html",
        browser,
        status_code=status_code,
        groups=groups,
        entries=entries.data,
        error=error,
        flash=FLASH.get(request.query_params.get("flash", "")),
    )


@router.get("/unanswered")
def unanswered_page(request: Request, db: SessionDep, browser: PageSession):
    return _unanswered_page(request, db, browser)


@router.post("/unanswered/variants")
async def variants(request: Request, db: SessionDep, browser: PageSession):
    form = await request.form()
    try:
        data = VariantsFromGroup(
            slug=str(form.get("slug", "")),
            question_ids=_ids([str(v) for v in form.getlist("question_id")]),
            variants=[line for line in str(form.get("variants", "")).splitlines() if line.strip()][
                :50
            ],
        )
        unanswered.propose_variants(db_session=db, actor=browser.actor, data=data)
    except ValidationError:
        return _unanswered_page(
            request, db, browser, error="Hãy chọn mục để thêm câu hỏi.", status_code=422
        )
    except service.KnowledgeError as exc:
        message = " ".join([str(exc), *(in_vietnamese(f, FIELD_LABELS) for f in exc.faults)])
        return _unanswered_page(request, db, browser, error=message, status_code=exc.status)
    return RedirectResponse("/officer/knowledge/revisions?flash=proposed", status_code=303)


@router.post("/unanswered/dismiss")
async def dismiss(request: Request, db: SessionDep, browser: PageSession):
    form = await request.form()
    unanswered.dismiss(
        db_session=db,
        actor=browser.actor,
        question_ids=_ids([str(v) for v in form.getlist("question_id")]),
    )
    return RedirectResponse("/officer/knowledge/unanswered?flash=dismissed", status_code=303)
