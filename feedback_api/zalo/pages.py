"""The admin page for the Zalo OA (paste the first tokens, see their expiry) and the alert
every officer sees when the bot could not refresh them."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from feedback_api.deps import SessionDep, SettingsDep
from feedback_api.pages.admin import admin_page
from feedback_api.pages.auth import PageSession
from feedback_api.pages.templating import templates
from feedback_api.permissions import Action
from feedback_api.zalo import oauth, service
from feedback_api.zalo.schemas import ZaloTokensCreate

router = APIRouter(prefix="/officer/admin", include_in_schema=False)
log = logging.getLogger(__name__)


def _exchanger(request: Request) -> oauth.CodeExchanger | None:
    return getattr(request.app.state, "zalo_exchanger", None)


SAVED = "Đã lưu mã mới. Hệ thống sẽ tự làm mới trước khi hết hạn."


def _page(request, db, browser, *, error=None, saved=False, status_code=200):
    return admin_page(
        request,
        browser,
        "zalo",
        error=error,
        notice=SAVED if saved else None,
        status_code=status_code,
        zalo=service.status(db_session=db),
        can_consent=_exchanger(request) is not None,
    )


def _callback_url(request: Request, public_url: str) -> str:
    base = public_url.strip().rstrip("/") or str(request.base_url).rstrip("/")
    return base + oauth.CALLBACK_PATH


@router.post("/zalo/authorize")
def start_consent(request: Request, db: SessionDep, settings: SettingsDep, browser: PageSession):
    """Off to Zalo's permission page, with a PKCE challenge and a fresh state."""
    browser.actor.require(Action.MANAGE_UNITS)
    exchanger = _exchanger(request)
    if exchanger is None:
        error = "Chưa cấu hình ứng dụng Zalo (LANGNGHE_ZALO_APP_ID, _APP_SECRET, _OA_SECRET_KEY)."
        return _page(request, db, browser, error=error, status_code=409)
    url = oauth.start(
        db_session=db,
        actor=browser.actor,
        secret=settings.secret_key,
        app_id=exchanger.app_id,
        oauth_url=exchanger.oauth_url,
        redirect_uri=_callback_url(request, settings.public_url),
    )
    return RedirectResponse(url, status_code=303)


@router.get("/zalo/callback")
async def finish_consent(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    browser: PageSession,
    code: str = "",
    state: str = "",
):
    """Zalo sends the admin back here with the authorization code: the state is checked and
    spent, the code exchanged with the verifier, and the pair stored like a pasted one."""
    browser.actor.require(Action.MANAGE_UNITS)
    exchanger = _exchanger(request)
    if exchanger is None or not code or len(code) > 2000 or len(state) > 64:
        return _page(request, db, browser, error="Zalo không gửi mã ủy quyền.", status_code=400)
    try:  # database work off the event loop (this route awaits Zalo in between)
        verifier = await run_in_threadpool(
            oauth.claim, db_session=db, actor=browser.actor, secret=settings.secret_key, state=state
        )
    except oauth.ConsentError as exc:
        return _page(request, db, browser, error=str(exc), status_code=400)
    try:
        pair = await exchanger.exchange_code(code, verifier)
        data = ZaloTokensCreate(
            access_token=pair.access_token,
            refresh_token=pair.refresh_token,
            expires_in=pair.expires_in,
        )
    except Exception as exc:  # Zalo refused, or answered something unusable
        log.warning("Zalo OAuth code exchange failed: %s", exc)
        error = f"Zalo từ chối cấp mã: {str(exc)[:200]}. Vui lòng bấm ủy quyền lại."
        return _page(request, db, browser, error=error, status_code=502)
    await run_in_threadpool(
        service.store, db_session=db, secret=settings.secret_key, data=data, actor=browser.actor
    )
    return _page(request, db, browser, saved=True)


@router.get("/zalo")
def zalo_page(request: Request, db: SessionDep, browser: PageSession):
    browser.actor.require(Action.MANAGE_UNITS)
    return _page(request, db, browser)


@router.post("/zalo")
def paste_tokens(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    browser: PageSession,
    access_token: Annotated[str, Form()] = "",
    refresh_token: Annotated[str, Form()] = "",
    expires_in: Annotated[str, Form()] = "90000",
):
    browser.actor.require(Action.MANAGE_UNITS)
    try:
        seconds = int(expires_in) if expires_in.isascii() and expires_in.isdigit() else -1
        data = ZaloTokensCreate(
            access_token=access_token.strip(),
            refresh_token=refresh_token.strip(),
            expires_in=seconds,
        )
    except ValidationError:
        error = "Mã truy cập hoặc mã làm mới không hợp lệ, hoặc thời hạn sai (giây)."
        return _page(request, db, browser, error=error, status_code=422)
    service.store(db_session=db, secret=settings.secret_key, data=data, actor=browser.actor)
    return _page(request, db, browser, saved=True)


def channel_alert(request: Request) -> str | None:
    """For the officer layout: the Zalo refresh failure, if any (one small query)."""
    with Session(request.app.state.engine) as db:
        return service.alert(db_session=db)


templates.env.globals["channel_alert"] = channel_alert
