"""Typed FastAPI dependencies: the database session, settings, and who is calling.

Three kinds of caller: the bot (service token), an officer with a browser session (cookie +
CSRF token on every unsafe request), an officer's script (API token). Routes declare which they
accept with `CurrentActor`, `BrowserActor` or `ServiceCaller`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from sqlmodel import Session

from feedback_api.clientaddr import client_address
from feedback_api.officers import service as officers
from feedback_api.officers.security import same_secret
from feedback_api.permissions import Actor
from feedback_api.settings import Settings
from feedback_api.submissions.service import citizen_lookup_key

SESSION_COOKIE = "ln_session"
CSRF_HEADER = "x-csrf-token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


# Cheap dependencies are `async def`: FastAPI runs a plain `def` dependency in the thread
# pool, and each hop there cost more server CPU per tip intake than the work it wrapped
# (README, load benchmark). Anything that touches the database stays in a thread.


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_db(request: Request) -> AsyncIterator[Session]:
    """A session per request. Creating one touches nothing; the endpoint's thread connects.
    Closing is done here when the endpoint committed (nothing left to send the database),
    and in a thread when a transaction is still open (its rollback is a round trip)."""
    session = Session(request.app.state.engine, expire_on_commit=False)
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_db)]


def client_ip(request: Request) -> str:
    """The verified client address (see feedback_api.clientaddr): what rate limits, lockouts
    and the audit log key on. Never a header the client chose, unless a trusted proxy set it."""
    return client_address(
        request.client.host if request.client else None,
        request.headers.getlist("x-forwarded-for"),
        request.app.state.trusted_proxies,
    )


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


@dataclass(frozen=True)
class BrowserSession:
    actor: Actor
    csrf_token: str
    token: str


def _browser_session(request: Request, db: Session) -> BrowserSession | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    found = officers.officer_for_session(db_session=db, token=token)
    if found is None:
        return None
    officer, csrf_token = found
    return BrowserSession(officers.actor_for(db_session=db, officer=officer), csrf_token, token)


def _check_csrf(request: Request, expected: str, form_token: str | None = None) -> None:
    supplied = request.headers.get(CSRF_HEADER) or form_token or ""
    if not same_secret(supplied, expected):
        raise HTTPException(403, "Phiên làm việc không hợp lệ (CSRF). Vui lòng tải lại trang.")


def _actor_for_api_token(db: Session, token: str) -> Actor | None:
    officer = officers.officer_for_api_token(db_session=db, token=token)
    return officers.actor_for(db_session=db, officer=officer) if officer else None


# What an officer whose password someone else chose may still do through the API.
PASSWORD_CHANGE_PATHS = frozenset({"/api/v1/officers/me/password", "/api/v1/auth/logout"})


def _require_own_password(request: Request, actor: Actor) -> Actor:
    if actor.must_change_password and request.url.path not in PASSWORD_CHANGE_PATHS:
        raise HTTPException(
            403,
            "Bạn cần đổi mật khẩu trước (POST /api/v1/officers/me/password).",
        )
    return actor


async def current_actor(request: Request, db: SessionDep) -> Actor:
    """An officer by API token, or by browser session with CSRF checked on unsafe methods."""
    token = _bearer(request)
    if token:
        actor = await run_in_threadpool(_actor_for_api_token, db, token)
        if actor is None:
            raise HTTPException(401, "Invalid API token", headers={"WWW-Authenticate": "Bearer"})
        return _require_own_password(request, actor)
    # Database work off the event loop: this dependency is async only to read the form.
    browser = await run_in_threadpool(_browser_session, request, db)
    if browser is None:
        raise HTTPException(401, "Not authenticated", headers={"WWW-Authenticate": "Bearer"})
    if request.method in UNSAFE:
        form_token = None
        if request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")
        ):
            form_token = (await request.form()).get("csrf_token")
        _check_csrf(
            request, browser.csrf_token, form_token if isinstance(form_token, str) else None
        )
    return _require_own_password(request, browser.actor)


CurrentActor = Annotated[Actor, Depends(current_actor)]


def browser_actor(request: Request, actor: CurrentActor) -> Actor:
    """An officer signed in with a browser session (CSRF checked): never an API token, so a
    token cannot be used to make more tokens."""
    if _bearer(request):
        raise HTTPException(403, "Thao tác này cần phiên đăng nhập, không dùng được API token.")
    return actor


BrowserActor = Annotated[Actor, Depends(browser_actor)]


async def require_service(request: Request, settings: SettingsDep) -> None:
    token = _bearer(request)
    if not same_secret(token, settings.service_token):
        raise HTTPException(401, "Invalid service token", headers={"WWW-Authenticate": "Bearer"})


ServiceCaller = Annotated[None, Depends(require_service)]


def is_service(request: Request, settings: Settings) -> bool:
    token = _bearer(request)
    return same_secret(token, settings.service_token)


def lookup_key(request: Request, settings: Settings) -> str:
    """The rate-limit key of a public lookup: the citizen the bot names, else the client."""
    citizen = request.headers.get("x-citizen-ref", "")
    if citizen and is_service(request, settings):
        return citizen_lookup_key(citizen)
    return "ip:" + client_ip(request)


def optional_browser_session(request: Request, db: SessionDep) -> BrowserSession | None:
    return _browser_session(request, db)


OptionalBrowser = Annotated[BrowserSession | None, Depends(optional_browser_session)]


async def service_or_actor(request: Request, db: SessionDep, settings: SettingsDep) -> Actor | None:
    """The bot (None) or a signed-in officer; anyone else gets 401."""
    token = _bearer(request)
    if same_secret(token, settings.service_token):
        return None
    return await current_actor(request, db)


ServiceOrActor = Annotated[Actor | None, Depends(service_or_actor)]
