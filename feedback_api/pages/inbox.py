"""The triage pages: inbox with filters and counts, detail with history, and the actions."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import TypeAdapter, ValidationError
from sqlmodel import select

from feedback_api import attachments_service
from feedback_api.attachments.serving import file_response
from feedback_api.audit.render import render_all
from feedback_api.deps import SessionDep, client_ip
from feedback_api.officers.models import Officer
from feedback_api.pages.auth import PageSession, page
from feedback_api.pages.landing import landing_path
from feedback_api.permissions import Action, NotFound
from feedback_api.submissions import queries, service
from feedback_api.submissions.schemas import TIP_CATEGORIES, SubmissionUpdate
from feedback_api.units.models import Unit
from feedback_api.units.service import list_units
from feedback_api.wire import Day, DbId

router = APIRouter(prefix="/officer", include_in_schema=False)


SORT_LABELS = {
    "newest": "Mới nhất trước",
    "due": "Hạn xử lý gần nhất trước",
    "priority": "Ưu tiên cao trước",
}


def _optional_int(value: str | None) -> int | None:
    try:
        return TypeAdapter(DbId).validate_python(int(value.strip())) if value else None
    except (ValueError, ValidationError):
        return None


def _optional_date(value: str | None) -> dt.date | None:
    try:
        return TypeAdapter(Day).validate_python(dt.date.fromisoformat(value)) if value else None
    except (ValueError, ValidationError):
        return None


@router.get("")
def inbox(
    request: Request,
    db: SessionDep,
    browser: PageSession,
    kind: Annotated[str | None, Query(pattern="^(|tip|question|opinion)$")] = None,
    status: Annotated[
        str | None, Query(pattern="^(|new|verifying|forwarded|resolved|rejected|duplicate)$")
    ] = None,
    unit_id: str | None = None,
    category: Annotated[str | None, Query(max_length=40)] = None,
    created_from: str | None = None,
    created_to: str | None = None,
    overdue: Annotated[str | None, Query(pattern="^(|1|0)$")] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    sort: Annotated[str | None, Query(pattern="^(|newest|due|priority)$")] = None,
    cursor: DbId | None = None,
):
    actor = browser.actor
    if not actor.can(Action.VIEW_SUBMISSIONS):  # e.g. campaign staff: their own home page
        return RedirectResponse(landing_path(actor), status_code=303)
    flt = queries.InboxFilter(
        kind=kind or None,
        status=status or None,
        unit_id=_optional_int(unit_id),
        category=category or None,
        created_from=_optional_date(created_from),
        created_to=_optional_date(created_to),
        overdue={"1": True, "0": False}.get(overdue or ""),
        q=q or None,
    )
    rows, count, next_cursor = queries.inbox(
        db_session=db, actor=actor, flt=flt, before_id=cursor, sort=sort or "newest"
    )
    counts = queries.status_counts(db_session=db, actor=actor, flt=flt)
    overdue_count = queries.overdue_count(db_session=db, actor=actor, flt=flt)
    filters = {
        k: v
        for k, v in {
            "kind": kind,
            "status": status,
            "unit_id": unit_id,
            "category": category,
            "created_from": created_from,
            "created_to": created_to,
            "overdue": overdue,
            "q": q,
            "sort": sort if sort != "newest" else None,
        }.items()
        if v
    }
    units = {u.id: u for u in list_units(db_session=db) if actor.reaches(u.path)}
    context = {
        "rows": [service.to_public(r, actor) for r in rows],
        "count": count,
        "counts": counts,
        "overdue_count": overdue_count,
        "sorts": SORT_LABELS,
        "filters": filters,
        "units": units,
        "next_url": f"/officer?{urlencode({**filters, 'cursor': next_cursor})}"
        if next_cursor
        else None,
        "categories": TIP_CATEGORIES,
    }
    template = (
        "_inbox_rows.html" if request.headers.get("hx-target") == "inbox-rows" else ("inbox.html")
    )
    return page(request, template, browser, **context)


@router.get("/submissions/{submission_id}")
def detail(submission_id: DbId, request: Request, db: SessionDep, browser: PageSession):
    actor = browser.actor
    submission = service.view(
        db_session=db, actor=actor, submission_id=submission_id, ip=client_ip(request)
    )
    unit = db.get(Unit, submission.unit_id)
    officers = {o.id: o for o in db.exec(select(Officer))}
    attachments = attachments_service.list_for(
        db_session=db, actor=actor, submission_id=submission.id
    )
    history = render_all(
        db_session=db,
        events=service.history(db_session=db, actor=actor, submission_id=submission.id),
    )
    return page(
        request,
        "detail.html",
        browser,
        s=service.to_public(
            submission,
            actor,
            attachment_count=len(attachments),
            contacts=request.app.state.contact_sealer,
        ),
        unit=unit,
        officers=officers,
        assignable=service.assignable(db_session=db, unit_id=unit.id),
        notes=service.notes(db_session=db, actor=actor, submission_id=submission.id),
        attachments=attachments,
        history=history,
        similar=queries.similar(db_session=db, actor=actor, submission_id=submission.id),
        units=[u for u in list_units(db_session=db) if actor.reaches(u.path)],
        can_triage=actor.can(Action.TRIAGE),
        can_see_originals=actor.can(Action.VIEW_SEALED_ORIGINALS),
        duplicate_of=db.get(type(submission), submission.duplicate_of_id)
        if submission.duplicate_of_id
        else None,
    )


def _back(submission_id: DbId, flash: str = "") -> RedirectResponse:
    suffix = f"?flash={flash}" if flash else ""
    return RedirectResponse(f"/officer/submissions/{submission_id}{suffix}", status_code=303)


@router.post("/submissions/{submission_id}/update")
def update(
    submission_id: DbId,
    db: SessionDep,
    browser: PageSession,
    status: Annotated[str, Form()] = "",
    priority: Annotated[str, Form()] = "",
    assigned_to_id: Annotated[str, Form()] = "",
    unit_id: Annotated[str, Form()] = "",
    valuable: Annotated[str, Form()] = "",
):
    data = SubmissionUpdate(
        status=status or None,
        priority=priority or None,
        assigned_to_id=_optional_int(assigned_to_id),
        unassign=assigned_to_id == "none",
        unit_id=_optional_int(unit_id),
        valuable={"1": True, "0": False}.get(valuable),
    )
    service.update(db_session=db, actor=browser.actor, submission_id=submission_id, data=data)
    return _back(submission_id, "saved")


@router.post("/submissions/{submission_id}/note")
def note(
    submission_id: DbId,
    db: SessionDep,
    browser: PageSession,
    text: Annotated[str, Form(min_length=1, max_length=5000)],
):
    service.add_note(
        db_session=db, actor=browser.actor, submission_id=submission_id, text=text.strip()
    )
    return _back(submission_id, "noted")


@router.post("/submissions/{submission_id}/reply")
def reply(
    submission_id: DbId,
    db: SessionDep,
    browser: PageSession,
    text: Annotated[str, Form(min_length=1, max_length=3000)],
):
    service.reply(
        db_session=db, actor=browser.actor, submission_id=submission_id, text=text.strip()
    )
    return _back(submission_id, "replied")


@router.get("/submissions/{submission_id}/duplicate")
def confirm_duplicate(
    submission_id: int,
    request: Request,
    db: SessionDep,
    browser: PageSession,
    duplicate_of: Annotated[str, Query(min_length=1, max_length=40)],
):
    """Both submissions side by side with their similarity, before anything changes: a wrong
    "duplicate" closes a tip and tells its citizen so."""
    actor = browser.actor
    submission, original = service.duplicate_target(
        db_session=db, actor=actor, submission_id=submission_id, original=duplicate_of
    )
    # The original's full text is read here: audited as a view, like its detail page.
    service.view(db_session=db, actor=actor, submission_id=original.id, ip=client_ip(request))
    units = {u.id: u for u in list_units(db_session=db)}
    return page(
        request,
        "duplicate_confirm.html",
        browser,
        s=service.to_public(submission, actor),
        original=service.to_public(original, actor),
        score=queries.pair_score(submission, original),
        units=units,
        notice_delay_minutes=int(service.DUPLICATE_NOTICE_DELAY.total_seconds() // 60),
    )


@router.post("/submissions/{submission_id}/duplicate")
def duplicate(
    submission_id: DbId,
    db: SessionDep,
    browser: PageSession,
    duplicate_of: Annotated[str, Form(min_length=1, max_length=40)],
    confirm: Annotated[str, Form(max_length=1)] = "",
):
    if confirm != "1":  # not from the confirmation page: show it first, change nothing
        query = urlencode({"duplicate_of": duplicate_of})
        return RedirectResponse(
            f"/officer/submissions/{submission_id}/duplicate?{query}", status_code=303
        )
    service.mark_duplicate(
        db_session=db, actor=browser.actor, submission_id=submission_id, original=duplicate_of
    )
    return _back(submission_id, "duplicate")


@router.post("/submissions/{submission_id}/duplicate/undo")
def undo_duplicate(submission_id: int, db: SessionDep, browser: PageSession):
    service.undo_duplicate(db_session=db, actor=browser.actor, submission_id=submission_id)
    return _back(submission_id, "undone")


@router.get("/attachments/{attachment_id}")
def attachment(
    attachment_id: DbId,
    request: Request,
    db: SessionDep,
    browser: PageSession,
    original: bool = False,
    thumb: bool = False,
):
    try:
        path, item = attachments_service.open_for(
            db_session=db,
            store=request.app.state.attachment_store,
            actor=browser.actor,
            attachment_id=attachment_id,
            sealed=original,
            ip=client_ip(request),
            thumbnail=thumb,
        )
    except FileNotFoundError:
        raise NotFound("attachment file") from None
    return file_response(path, item, sealed=original)
