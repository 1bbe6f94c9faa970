"""Campaign pages: the list (campaign staff's home), compose/edit with a live recipient count,
the campaign page with approval, controls, test send and a live progress bar, and linking the
officer's own Telegram chat. Thin: parse the form, call one service function, render."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import select

from feedback_api.broadcasts import images, links, progress, service
from feedback_api.broadcasts.schemas import BroadcastDraft, Link
from feedback_api.deps import SessionDep, SettingsDep, client_ip
from feedback_api.officers.models import Officer
from feedback_api.pages.auth import PageSession, page
from feedback_api.permissions import Action, Forbidden, NotFound
from feedback_api.subscriptions.schemas import TOPICS
from feedback_api.units.service import list_units

router = APIRouter(prefix="/officer", include_in_schema=False)

TOPIC_LABELS = {
    "security": "An ninh, trật tự",
    "traffic": "Giao thông",
    "fraud": "Cảnh báo lừa đảo",
    "admin": "Thủ tục hành chính",
    "fire": "Phòng cháy, chữa cháy",
}
STATUS_LABELS = {
    "draft": "Nháp — chờ duyệt",
    "approved": "Đã duyệt — chờ gửi",
    "running": "Đang gửi",
    "paused": "Tạm dừng",
    "cancelled": "Đã huỷ",
    "done": "Hoàn tất",
}


def _units_in_reach(db, actor):
    return [u for u in list_units(db_session=db) if actor.reaches(u.path)]


def _draft_from_form(form, settings) -> BroadcastDraft:
    """The compose form as a draft; raises ValidationError with the field errors."""
    link_rows = []
    for n in (1, 2, 3):
        label = str(form.get(f"link_label_{n}") or "").strip()
        url = str(form.get(f"link_url_{n}") or "").strip()
        if label or url:
            link_rows.append({"label": label, "url": url})
    scheduled = str(form.get("scheduled_at") or "").strip()
    scheduled_at = None
    if scheduled:
        try:
            local = dt.datetime.fromisoformat(scheduled)
        except ValueError:
            local = None
        if local is not None:
            scheduled_at = local.replace(tzinfo=ZoneInfo(settings.broadcast_timezone))
        else:
            scheduled_at = scheduled  # let validation report it
    unit_ids = [v for v in form.getlist("unit_ids") if str(v).strip()]
    return BroadcastDraft.model_validate(
        {
            "title": str(form.get("title") or ""),
            "text": str(form.get("text") or ""),
            "links": link_rows,
            "unit_ids": unit_ids,
            "topics": [str(v) for v in form.getlist("topics")],
            "scheduled_at": scheduled_at,
        }
    )


def _errors(exc: ValidationError) -> list[str]:
    out = []
    for error in exc.errors():
        where = ".".join(str(x) for x in error.get("loc", ()))
        out.append(f"{where}: {str(error.get('msg', '')).removeprefix('Value error, ')}")
    return out


async def _image_from_form(form, settings) -> str | None:
    upload = form.get("image")
    if upload is None or isinstance(upload, str) or not upload.filename:
        return "" if form.get("remove_image") else None
    try:
        content = await upload.read()
    finally:
        await form.close()  # the spooled upload file, now read
    if not content:
        return None
    return images.save(settings, content, upload.filename, upload.content_type)


def _form_page(request, browser, db, *, broadcast=None, draft=None, errors=(), status=200):
    actor = browser.actor
    values = draft or (service.to_public(broadcast) if broadcast else None)
    return page(
        request,
        "broadcast_form.html",
        browser,
        status_code=status,
        b=broadcast,
        v=values,
        errors=list(errors),
        units=_units_in_reach(db, actor),
        topics=TOPICS,
        TOPIC_LABELS=TOPIC_LABELS,
        tz=ZoneInfo("Asia/Ho_Chi_Minh"),
    )


@router.get("/broadcasts")
def broadcast_list(request: Request, db: SessionDep, browser: PageSession):
    rows = service.list_in_reach(db_session=db, actor=browser.actor)
    return page(
        request,
        "broadcasts.html",
        browser,
        rows=rows,
        STATUS_LABELS=STATUS_LABELS,
        can_compose=browser.actor.can(Action.BROADCAST),
    )


@router.get("/broadcasts/new")
def new_form(request: Request, db: SessionDep, browser: PageSession):
    browser.actor.require(Action.BROADCAST)
    return _form_page(request, browser, db)


@router.post("/broadcasts/new")
async def create(request: Request, db: SessionDep, browser: PageSession, settings: SettingsDep):
    async with request.form() as form:  # closes the spooled upload, whichever way we leave
        return await _create(request, db, browser, settings, form)


async def _create(request: Request, db, browser, settings, form):
    try:
        draft = _draft_from_form(form, settings)
    except ValidationError as exc:
        return _form_page(request, browser, db, errors=_errors(exc), status=422)
    try:
        image = await _image_from_form(form, settings)
        broadcast = service.create(
            db_session=db, actor=browser.actor, data=draft, image_name=image, ip=client_ip(request)
        )
    except service.BroadcastError as exc:
        return _form_page(request, browser, db, draft=draft, errors=[str(exc)], status=422)
    return RedirectResponse(f"/officer/broadcasts/{broadcast.id}", status_code=303)


@router.post("/broadcasts/count")
async def count(request: Request, db: SessionDep, browser: PageSession, settings: SettingsDep):
    """The live recipient count (HTMX, on every change of the audience fields; the request
    carries the whole compose form, file field included, so the form is closed after)."""
    async with request.form() as form:
        unit_ids = [int(v) for v in form.getlist("unit_ids") if str(v).strip().isdigit()]
        topics = [str(v) for v in form.getlist("topics") if v in TOPICS]
    try:
        n = service.recipient_count(
            db_session=db, actor=browser.actor, unit_ids=unit_ids, topics=topics
        )
    except (Forbidden, NotFound):
        return page(request, "_broadcast_count.html", browser, count=None)
    return page(request, "_broadcast_count.html", browser, count=n)


@router.get("/broadcasts/{broadcast_id}")
def detail(
    broadcast_id: int, request: Request, db: SessionDep, browser: PageSession, settings: SettingsDep
):
    actor = browser.actor
    broadcast = service.get_in_reach(db_session=db, actor=actor, broadcast_id=broadcast_id)
    people = {o.id: o for o in db.exec(select(Officer))}
    return page(
        request,
        "broadcast_detail.html",
        browser,
        b=broadcast,
        pub=service.to_public(broadcast),
        p=progress.of(db_session=db, broadcast=broadcast, settings=settings),
        people=people,
        units={u.id: u for u in _units_in_reach(db, actor)},
        may_approve=service.may_approve(db_session=db, actor=actor, broadcast=broadcast),
        may_edit=actor.can(Action.BROADCAST) and broadcast.status == "draft",
        linked=links.linked(db_session=db, actor=actor),
        flash=request.query_params.get("flash"),
        STATUS_LABELS=STATUS_LABELS,
        TOPIC_LABELS=TOPIC_LABELS,
        SKIP_REASONS=progress.SKIP_REASONS,
    )


@router.get("/broadcasts/{broadcast_id}/progress")
def progress_fragment(
    broadcast_id: int, request: Request, db: SessionDep, browser: PageSession, settings: SettingsDep
):
    broadcast = service.get_in_reach(db_session=db, actor=browser.actor, broadcast_id=broadcast_id)
    seen = request.query_params.get("seen")
    if seen and seen != broadcast.status:
        # The status moved (started, finished, paused elsewhere): the whole page changes —
        # status, actions, report — so HTMX reloads it rather than patching one section.
        return Response(status_code=204, headers={"HX-Refresh": "true"})
    return page(
        request,
        "_broadcast_progress.html",
        browser,
        b=broadcast,
        p=progress.of(db_session=db, broadcast=broadcast, settings=settings),
        STATUS_LABELS=STATUS_LABELS,
        SKIP_REASONS=progress.SKIP_REASONS,
    )


@router.get("/broadcasts/{broadcast_id}/image")
def image(broadcast_id: int, db: SessionDep, browser: PageSession, settings: SettingsDep):
    broadcast = service.get_in_reach(db_session=db, actor=browser.actor, broadcast_id=broadcast_id)
    if not broadcast.image_name:
        raise NotFound("image")
    return FileResponse(images.path_of(settings, broadcast.image_name))


@router.get("/broadcasts/{broadcast_id}/edit")
def edit_form(broadcast_id: int, request: Request, db: SessionDep, browser: PageSession):
    broadcast = service.get_in_reach(db_session=db, actor=browser.actor, broadcast_id=broadcast_id)
    return _form_page(request, browser, db, broadcast=broadcast)


@router.post("/broadcasts/{broadcast_id}/edit")
async def edit(
    broadcast_id: int, request: Request, db: SessionDep, browser: PageSession, settings: SettingsDep
):
    broadcast = service.get_in_reach(db_session=db, actor=browser.actor, broadcast_id=broadcast_id)
    async with request.form() as form:  # closes the spooled upload, whichever way we leave
        return await _edit(request, db, browser, settings, form, broadcast)


async def _edit(request: Request, db, browser, settings, form, broadcast):
    broadcast_id = broadcast.id
    try:
        draft = _draft_from_form(form, settings)
    except ValidationError as exc:
        return _form_page(
            request, browser, db, broadcast=broadcast, errors=_errors(exc), status=422
        )
    try:
        image = await _image_from_form(form, settings)
        service.edit(
            db_session=db,
            actor=browser.actor,
            broadcast_id=broadcast_id,
            data=draft,
            image_name=image,
            ip=client_ip(request),
        )
    except service.BroadcastError as exc:
        return _form_page(
            request, browser, db, broadcast=broadcast, draft=draft, errors=[str(exc)], status=422
        )
    return RedirectResponse(f"/officer/broadcasts/{broadcast_id}?flash=saved", status_code=303)


@router.post("/broadcasts/{broadcast_id}/approve")
async def approve(broadcast_id: int, request: Request, db: SessionDep, browser: PageSession):
    form = await request.form()
    revision = str(form.get("revision") or "0")
    service.approve(
        db_session=db,
        actor=browser.actor,
        broadcast_id=broadcast_id,
        revision=int(revision) if revision.isdigit() else 0,
        ip=client_ip(request),
    )
    return RedirectResponse(f"/officer/broadcasts/{broadcast_id}?flash=approved", status_code=303)


@router.post("/broadcasts/{broadcast_id}/{action}")
def control(broadcast_id: int, action: str, request: Request, db: SessionDep, browser: PageSession):
    if action == "test":
        service.send_test(
            db_session=db, actor=browser.actor, broadcast_id=broadcast_id, ip=client_ip(request)
        )
        flash = "tested"
    elif action in service.TRANSITIONS:
        service.control(
            db_session=db,
            actor=browser.actor,
            broadcast_id=broadcast_id,
            action=action,
            ip=client_ip(request),
        )
        flash = action
    else:
        raise NotFound("action")
    return RedirectResponse(f"/officer/broadcasts/{broadcast_id}?flash={flash}", status_code=303)


@router.get("/telegram-link")
def link_page(request: Request, db: SessionDep, browser: PageSession):
    return page(
        request,
        "telegram_link.html",
        browser,
        code=None,
        linked=links.linked(db_session=db, actor=browser.actor),
    )


@router.post("/telegram-link")
def link_code(request: Request, db: SessionDep, browser: PageSession):
    code = links.new_code(db_session=db, actor=browser.actor)
    return page(
        request,
        "telegram_link.html",
        browser,
        code=code,
        minutes=links.CODE_MINUTES,
        linked=links.linked(db_session=db, actor=browser.actor),
    )


__all__ = ["Link", "router"]
