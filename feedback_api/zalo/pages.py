"""The admin page for the Zalo OA (paste the first tokens, see their expiry) and the alert
every officer sees when the bot could not refresh them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from pydantic import ValidationError
from sqlmodel import Session

from feedback_api.deps import SessionDep, SettingsDep
from feedback_api.pages.auth import PageSession, page
from feedback_api.pages.templating import templates
from feedback_api.permissions import Action
from feedback_api.zalo import service
from feedback_api.zalo.schemas import ZaloTokensCreate

router = APIRouter(prefix="/officer/admin", include_in_schema=False)


def _page(request, db, browser, *, error=None, saved=False, status_code=200):
    return page(
        request,
        "admin_zalo.html",
        browser,
        status_code=status_code,
        zalo=service.status(db_session=db),
        error=error,
        saved=saved,
    )


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
