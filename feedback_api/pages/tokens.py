"""The officer's own API tokens: list, make (shown once), revoke. Thin: officers.tokens rules."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from feedback_api.deps import SessionDep
from feedback_api.officers import service as officers
from feedback_api.officers import tokens
from feedback_api.pages.auth import PageSession, page
from feedback_api.wire import DbId

router = APIRouter(prefix="/officer", include_in_schema=False)


def _tokens_page(request: Request, db, browser, *, created: str | None = None, status_code=200):
    officer = officers.get_by_username(db_session=db, username=browser.actor.username)
    records = tokens.list_own(db_session=db, actor=browser.actor)
    return page(
        request,
        "tokens.html",
        browser,
        status_code=status_code,
        tokens=[(record, tokens.is_live(record, officer)) for record in records],
        created=created,
    )


@router.get("/tokens")
def tokens_page(request: Request, db: SessionDep, browser: PageSession):
    return _tokens_page(request, db, browser)


@router.post("/tokens")
def create_token(
    request: Request,
    db: SessionDep,
    browser: PageSession,
    label: Annotated[str, Form(max_length=100)] = "",
):
    officer = officers.get_by_username(db_session=db, username=browser.actor.username)
    token = officers.create_api_token(
        db_session=db, officer=officer, label=label.strip(), actor=browser.actor
    )
    return _tokens_page(request, db, browser, created=token, status_code=201)


@router.post("/tokens/{token_id}/revoke")
def revoke_token(token_id: DbId, db: SessionDep, browser: PageSession):
    tokens.revoke_own(db_session=db, actor=browser.actor, token_id=token_id)
    return RedirectResponse("/officer/tokens", status_code=303)
