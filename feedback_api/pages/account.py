"""The officer's own account: who they are, and changing their own password."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from feedback_api.deps import SessionDep
from feedback_api.officers import service as officers
from feedback_api.officers.schemas import PasswordChange
from feedback_api.pages.auth import PageSession, page
from feedback_api.pages.forms import validation_message
from feedback_api.pages.landing import ACCOUNT
from feedback_api.units.models import Unit

router = APIRouter(prefix="/officer", include_in_schema=False)


def _account_page(request, db, browser, *, error=None, status_code=200):
    return page(
        request,
        "account.html",
        browser,
        status_code=status_code,
        unit=db.get(Unit, browser.actor.unit_id),
        must_change=browser.actor.must_change_password,
        changed=request.query_params.get("flash") == "changed",
        error=error,
    )


@router.get("/account")
def account(request: Request, db: SessionDep, browser: PageSession):
    return _account_page(request, db, browser)


@router.post("/account/password")
def change_password(
    request: Request,
    db: SessionDep,
    browser: PageSession,
    current_password: Annotated[str, Form(max_length=200)] = "",
    new_password: Annotated[str, Form(max_length=200)] = "",
    new_password_repeat: Annotated[str, Form(max_length=200)] = "",
):
    try:
        data = PasswordChange(
            current_password=current_password,
            new_password=new_password,
            new_password_repeat=new_password_repeat,
        )
        officers.change_own_password(
            db_session=db, actor=browser.actor, data=data, keep_session=browser.token
        )
    except ValidationError as exc:
        return _account_page(request, db, browser, error=validation_message(exc), status_code=422)
    except officers.OfficerError as exc:
        return _account_page(request, db, browser, error=str(exc), status_code=422)
    return RedirectResponse(f"{ACCOUNT}?flash=changed", status_code=303)
