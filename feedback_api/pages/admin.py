"""Admin pages: officers, units (with CSV import) and the audit log; `admin_page` renders every
page of the administration section (the Zalo OA page too) in one layout (_admin.html)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlmodel import select

from feedback_api.audit import service as audit
from feedback_api.audit.render import ACTIONS, render_all
from feedback_api.clock import start_of_local_day
from feedback_api.deps import SessionDep
from feedback_api.officers import service as officers
from feedback_api.officers.schemas import ROLES, OfficerCreate, OfficerUpdate
from feedback_api.pages.auth import PageSession, page
from feedback_api.pages.forms import validation_message
from feedback_api.permissions import Action, Forbidden
from feedback_api.submissions import tracking
from feedback_api.submissions.models import Submission
from feedback_api.units import service as units
from feedback_api.units.schemas import UnitCreate
from feedback_api.wire import DbId

router = APIRouter(prefix="/officer/admin", include_in_schema=False)


def admin_page(
    request: Request,
    browser,
    section: str,
    *,
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
    **context,
):
    """One page of the administration section: its tab marked, its error or notice shown
    where every admin page shows them."""
    return page(
        request,
        f"admin_{section}.html",
        browser,
        status_code=status_code,
        section=section,
        error=error,
        notice=notice,
        **context,
    )


def _units_in_reach(db, actor):
    return [u for u in units.list_units(db_session=db) if actor.reaches(u.path)]


def _officers_page(request, db, browser, *, error=None, notice=None, status_code=200):
    people = officers.list_officers(db_session=db, actor=browser.actor)
    return admin_page(
        request,
        browser,
        "officers",
        error=error,
        notice=notice,
        status_code=status_code,
        officers=people,
        throttled={
            o.id for o in people if officers.is_throttled(db_session=db, username=o.username)
        },
        units={u.id: u for u in _units_in_reach(db, browser.actor)},
        roles=ROLES,
        # The new-officer form starts at the least privilege: an officer of the admin's unit.
        default_role=ROLES[0],
        default_unit_id=browser.actor.unit_id,
    )


@router.get("/officers")
def officers_page(request: Request, db: SessionDep, browser: PageSession):
    browser.actor.require(Action.MANAGE_OFFICERS)
    return _officers_page(request, db, browser)


@router.post("/officers")
def create_officer(
    request: Request,
    db: SessionDep,
    browser: PageSession,
    username: Annotated[str, Form()] = "",
    full_name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "officer",
    unit_id: Annotated[int, Form()] = 0,
    password: Annotated[str, Form()] = "",
):
    browser.actor.require(Action.MANAGE_OFFICERS)
    try:
        data = OfficerCreate(
            username=username.strip().lower(),
            full_name=full_name.strip(),
            role=role,
            unit_id=unit_id,
            password=password,
        )
        officers.create(db_session=db, data=data, actor=browser.actor)
    except ValidationError as exc:
        return _officers_page(request, db, browser, error=validation_message(exc), status_code=422)
    except officers.OfficerError as exc:
        return _officers_page(request, db, browser, error=str(exc), status_code=422)
    return _officers_page(request, db, browser, notice=f"Đã tạo tài khoản {username}.")


@router.post("/officers/{officer_id}")
def update_officer(
    officer_id: DbId,
    request: Request,
    db: SessionDep,
    browser: PageSession,
    role: Annotated[str, Form()] = "",
    unit_id: Annotated[str, Form()] = "",
    active: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
):
    try:
        data = OfficerUpdate(
            role=role or None,
            unit_id=int(unit_id) if unit_id.isascii() and unit_id.isdigit() else None,
            active={"1": True, "0": False}.get(active),
            password=password or None,
        )
        officers.update(db_session=db, actor=browser.actor, officer_id=officer_id, data=data)
    except ValidationError as exc:
        return _officers_page(request, db, browser, error=validation_message(exc), status_code=422)
    except officers.OfficerError as exc:
        return _officers_page(request, db, browser, error=str(exc), status_code=422)
    return RedirectResponse("/officer/admin/officers", status_code=303)


@router.post("/officers/{officer_id}/unlock")
def unlock_officer(officer_id: DbId, db: SessionDep, browser: PageSession):
    """Clear an account's login backoff (audited as officer.unlock)."""
    officers.unlock(db_session=db, actor=browser.actor, officer_id=officer_id)
    return RedirectResponse("/officer/admin/officers", status_code=303)


def _units_page(request, db, browser, *, error=None, message=None, status_code=200):
    return admin_page(
        request,
        browser,
        "units",
        error=error,
        notice=message,
        status_code=status_code,
        units=_units_in_reach(db, browser.actor),
    )


@router.get("/units")
def units_page(request: Request, db: SessionDep, browser: PageSession):
    browser.actor.require(Action.MANAGE_UNITS)
    return _units_page(request, db, browser)


@router.post("/units")
def create_unit(
    request: Request,
    db: SessionDep,
    browser: PageSession,
    code: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "commune",
    parent_code: Annotated[str, Form()] = "",
):
    browser.actor.require(Action.MANAGE_UNITS)
    try:
        data = UnitCreate(
            code=code.strip(), name=name.strip(), kind=kind, parent_code=parent_code.strip() or None
        )
        units.create_in_reach(db_session=db, actor=browser.actor, data=data)
    except ValidationError as exc:
        return _units_page(request, db, browser, error=validation_message(exc), status_code=422)
    except units.UnitError as exc:
        return _units_page(request, db, browser, error=str(exc), status_code=422)
    return _units_page(request, db, browser, message=f"Đã thêm đơn vị {code}.")


@router.post("/units/import")
async def import_units(
    request: Request, db: SessionDep, browser: PageSession, file: Annotated[UploadFile, File()]
):
    browser.actor.require(Action.MANAGE_UNITS)
    raw = await file.read(2 * 1024 * 1024 + 1)
    try:
        text = raw.decode("utf-8")
        if len(raw) > 2 * 1024 * 1024:
            raise units.UnitError("tệp quá lớn (tối đa 2 MB)")
        result = units.import_csv_as(db_session=db, actor=browser.actor, text=text)
    except Forbidden:
        return _units_page(
            request,
            db,
            browser,
            status_code=403,
            error="Chỉ quản trị cấp tỉnh được nhập danh sách đơn vị.",
        )
    except UnicodeDecodeError:
        return _units_page(
            request, db, browser, error="Tệp không phải văn bản UTF-8.", status_code=422
        )
    except units.UnitError as exc:
        return _units_page(request, db, browser, error=str(exc), status_code=422)
    return _units_page(
        request,
        db,
        browser,
        message=(f"Đã nhập {result.created} đơn vị, bỏ qua {result.skipped} đơn vị đã có."),
    )


@router.get("/audit")
def audit_page(
    request: Request,
    db: SessionDep,
    browser: PageSession,
    action: str | None = None,
    entity_id: str | None = None,
    actor_id: str | None = None,
    day: str | None = None,
    cursor: DbId | None = None,
):
    since = until = None
    if day:
        try:
            since = start_of_local_day(dt.date.fromisoformat(day))  # the day as officers read it
            until = since + dt.timedelta(days=1)
        except ValueError:
            since = until = None
    entity_type, entity = _audit_entity(db, entity_id)
    events = audit.browse(
        db_session=db,
        actor=browser.actor,
        action=action or None,
        entity_type=entity_type,
        entity_id=entity,
        actor_id=int(actor_id) if actor_id and actor_id.isascii() and actor_id.isdigit() else None,
        since=since,
        until=until,
        before_id=cursor,
    )
    rows = render_all(db_session=db, events=events)
    filters = {
        "action": action or "",
        "entity_id": entity_id or "",
        "actor_id": actor_id or "",
        "day": day or "",
    }
    next_cursor = events[-1].id if len(events) == audit.PAGE_SIZE else None
    return admin_page(
        request,
        browser,
        "audit",
        rows=rows,
        filters=filters,
        next_cursor=next_cursor,
        actions=ACTIONS,
        officers=officers.list_officers(db_session=db, actor=browser.actor),
    )


def _audit_entity(db, typed: str | None) -> tuple[str | None, int | None]:
    """The audit filter's "record": a tracking code as officers know it ("LN-7K3M-Q9PX", any
    case or spacing), or a record number."""
    typed = (typed or "").strip()
    if typed.isascii() and typed.isdigit():
        return None, int(typed)
    code = tracking.canonical(typed) if typed else None
    if code is None:
        return None, None
    found = db.exec(select(Submission.id).where(Submission.tracking_code == code)).first()
    return "submission", found if found is not None else -1
