"""Browser sessions for the officer web view: login, logout, and the page-level guard."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from feedback_api.deps import (
    SESSION_COOKIE,
    BrowserSession,
    OptionalBrowser,
    SessionDep,
    SettingsDep,
    _check_csrf,
)
from feedback_api.officers import service as officers
from feedback_api.officers.api import login_officer, set_session_cookie
from feedback_api.officers.security import same_secret
from feedback_api.pages.landing import ACCOUNT, landing_path
from feedback_api.pages.templating import templates

router = APIRouter(prefix="/officer", include_in_schema=False)


class LoginRequired(Exception):
    """Raised by page dependencies; answered with a redirect to the login page."""


class PasswordChangeRequired(Exception):
    """The officer signed in with a password someone else chose; answered with a redirect to
    the account page, the only page (with logout) they may use until they pick their own."""


PASSWORD_CHANGE_PAGES = frozenset({ACCOUNT, f"{ACCOUNT}/password", "/officer/logout"})


async def page_session(request: Request, browser: OptionalBrowser) -> BrowserSession:
    """The signed-in officer of a page request; CSRF is checked on every unsafe request."""
    if browser is None:
        raise LoginRequired
    if browser.actor.must_change_password and request.url.path not in PASSWORD_CHANGE_PAGES:
        raise PasswordChangeRequired
    if request.method in {"POST", "PUT", "PATCH", "DELETE"}:
        form_token = None
        if "form" in request.headers.get("content-type", ""):
            value = (await request.form()).get("csrf_token")
            form_token = value if isinstance(value, str) else None
        _check_csrf(request, browser.csrf_token, form_token)
    return browser


PageSession = Annotated[BrowserSession, Depends(page_session)]


def page(
    request: Request, name: str, browser: BrowserSession | None, status_code: int = 200, **context
):
    return templates.TemplateResponse(
        request,
        f"officer/{name}",
        {
            "actor": browser.actor if browser else None,
            "csrf_token": browser.csrf_token if browser else "",
            **context,
        },
        status_code=status_code,
    )


LOGIN_COOKIE = "ln_login"
LOGIN_EXPIRED = "Trang đăng nhập đã hết hạn hoặc không hợp lệ. Vui lòng đăng nhập lại."


def _login_page(request: Request, settings, *, status_code=200, error=None, username=""):
    """The login form with a fresh login-CSRF token, also set as a strict cookie: a login POST
    must carry both (double submit), which a cross-site form cannot, so nobody can sign a
    victim's browser into the attacker's account."""
    token = secrets.token_urlsafe(24)
    response = page(
        request,
        "login.html",
        None,
        status_code=status_code,
        error=error,
        username=username,
        login_csrf=token,
    )
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=3600,
        httponly=True,
        secure=settings.cookie_secure,
        samesite="strict",
        path="/officer/login",
    )
    return response


@router.get("/login")
def login_form(request: Request, settings: SettingsDep, browser: OptionalBrowser):
    if browser is not None:
        return RedirectResponse(landing_path(browser.actor), status_code=303)
    return _login_page(request, settings)


@router.post("/login")
def login_submit(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    login_csrf: Annotated[str, Form(max_length=64)] = "",
):
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not same_secret(login_csrf, expected):
        return _login_page(
            request, settings, status_code=403, error=LOGIN_EXPIRED, username=username
        )
    try:
        _officer, session = login_officer(request, db, settings, username, password)
    except officers.LoginError as exc:
        return _login_page(request, settings, status_code=401, error=str(exc), username=username)
    actor = officers.actor_for(db_session=db, officer=_officer)
    target = ACCOUNT if actor.must_change_password else landing_path(actor)
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, session.token, settings)
    response.delete_cookie(LOGIN_COOKIE, path="/officer/login")
    return response


@router.post("/logout")
def logout(request: Request, db: SessionDep, browser: PageSession):
    officers.end_session(db_session=db, token=browser.token)
    response = RedirectResponse("/officer/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _redirect(request: Request, target: str) -> RedirectResponse:
    if request.headers.get("hx-request"):
        return RedirectResponse(target, status_code=303, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def install_login_redirect(app) -> None:
    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired):
        return _redirect(request, "/officer/login")

    @app.exception_handler(PasswordChangeRequired)
    async def to_account(request: Request, exc: PasswordChangeRequired):
        return _redirect(request, ACCOUNT)
