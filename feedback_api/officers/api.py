"""Officer accounts and authentication routes (JSON)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, Field

from feedback_api.deps import (
    SESSION_COOKIE,
    BrowserActor,
    CurrentActor,
    SessionDep,
    SettingsDep,
    client_ip,
)
from feedback_api.officers import service, tokens
from feedback_api.officers.schemas import (
    OfficerCreate,
    OfficerPublic,
    OfficersPublic,
    OfficerUpdate,
    PasswordChange,
    TokenCreated,
    TokenPublic,
    UnlockResult,
)
from feedback_api.settings import Settings
from feedback_api.wire import DbId

router = APIRouter(prefix="/api/v1", tags=["officers"])


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class LoginResult(BaseModel):
    csrf_token: str
    expires_at: dt.datetime
    officer: OfficerPublic


class TokenRequest(BaseModel):
    label: str = Field(default="", max_length=100)


def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_hours * 3600,
        httponly=True,
        secure=settings.cookie_secure,
        samesite="strict",
        path="/",
    )


def login_officer(request: Request, db, settings: Settings, username: str, password: str):
    """Shared by the JSON login and the login form: throttled per address, then per account."""
    if not request.app.state.login_limiter.allow(client_ip(request), db_session=db):
        raise service.LoginError("Bạn đăng nhập sai quá nhiều lần. Vui lòng thử lại sau ít phút.")
    officer = service.authenticate(
        db_session=db,
        username=username,
        password=password,
        max_failures=settings.login_max_failures,
        lockout=dt.timedelta(minutes=settings.login_lockout_minutes),
        ip=client_ip(request),
    )
    previous = request.cookies.get(SESSION_COOKIE)
    if previous:  # no session fixation: whatever session the browser carried ends here
        service.end_session(db_session=db, token=previous)
    session = service.start_session(
        db_session=db,
        officer=officer,
        lifetime=dt.timedelta(hours=settings.session_hours),
        ip=client_ip(request),
    )
    return officer, session


@router.post("/auth/login", response_model=LoginResult)
def login(
    data: LoginRequest, request: Request, response: Response, db: SessionDep, settings: SettingsDep
) -> LoginResult:
    """Sign in for scripts and single-page clients. JSON only (application/json): a cross-site
    HTML form cannot send that without a CORS preflight, which this server never grants."""
    try:
        officer, session = login_officer(request, db, settings, data.username, data.password)
    except service.LoginError as exc:
        raise HTTPException(401, str(exc)) from None
    set_session_cookie(response, session.token, settings)
    return LoginResult(
        csrf_token=session.csrf_token,
        expires_at=session.expires_at,
        officer=OfficerPublic.model_validate(officer, from_attributes=True),
    )


@router.post("/auth/logout", status_code=204)
def logout(request: Request, response: Response, db: SessionDep, _actor: CurrentActor) -> None:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        service.end_session(db_session=db, token=token)
    response.delete_cookie(SESSION_COOKIE, path="/")


@router.get("/officers/me", response_model=OfficerPublic)
def me(db: SessionDep, actor: CurrentActor) -> OfficerPublic:
    officer = service.get_by_username(db_session=db, username=actor.username)
    return OfficerPublic.model_validate(officer, from_attributes=True)


@router.post("/officers/me/password", status_code=204)
def change_password(
    data: PasswordChange, request: Request, db: SessionDep, actor: CurrentActor
) -> None:
    """Change one's own password (current password, new one twice). Other sessions end."""
    service.change_own_password(
        db_session=db, actor=actor, data=data, keep_session=request.cookies.get(SESSION_COOKIE)
    )


@router.post("/officers/me/tokens", status_code=201, response_model=TokenCreated)
def create_token(data: TokenRequest, db: SessionDep, actor: BrowserActor) -> TokenCreated:
    """An API token for the officer's own scripts; shown once, stored only as a hash.

    Browser sessions only: a token cannot make tokens. Ends when the password changes."""
    officer = service.get_by_username(db_session=db, username=actor.username)
    return TokenCreated(
        token=service.create_api_token(
            db_session=db, officer=officer, label=data.label, actor=actor
        ),
        label=data.label,
    )


@router.get("/officers/me/tokens", response_model=list[TokenPublic])
def list_tokens(db: SessionDep, actor: CurrentActor) -> list[TokenPublic]:
    """The officer's own tokens (never the secret itself), live or not."""
    officer = service.get_by_username(db_session=db, username=actor.username)
    return [
        TokenPublic.of(record, live=tokens.is_live(record, officer))
        for record in tokens.list_own(db_session=db, actor=actor)
    ]


@router.delete("/officers/me/tokens/{token_id}", status_code=204)
def revoke_token(token_id: DbId, db: SessionDep, actor: CurrentActor) -> None:
    """Revoke one of the officer's own tokens (audited); a token may revoke itself."""
    tokens.revoke_own(db_session=db, actor=actor, token_id=token_id)


@router.post("/officers/{officer_id}/unlock", response_model=UnlockResult)
def unlock_officer(officer_id: DbId, db: SessionDep, actor: CurrentActor) -> UnlockResult:
    """Clear an account's login backoff (admins, audited)."""
    return UnlockResult(cleared=service.unlock(db_session=db, actor=actor, officer_id=officer_id))


@router.get("/officers", response_model=OfficersPublic)
def list_officers(db: SessionDep, actor: CurrentActor) -> OfficersPublic:
    officers = service.list_officers(db_session=db, actor=actor)
    return OfficersPublic(
        data=[OfficerPublic.model_validate(o, from_attributes=True) for o in officers],
        count=len(officers),
    )


@router.post("/officers", status_code=201, response_model=OfficerPublic)
def create_officer(data: OfficerCreate, db: SessionDep, actor: CurrentActor) -> OfficerPublic:
    officer = service.create(db_session=db, data=data, actor=actor)
    return OfficerPublic.model_validate(officer, from_attributes=True)


@router.patch("/officers/{officer_id}", response_model=OfficerPublic)
def update_officer(
    officer_id: DbId, data: OfficerUpdate, db: SessionDep, actor: CurrentActor
) -> OfficerPublic:
    officer = service.update(db_session=db, actor=actor, officer_id=officer_id, data=data)
    return OfficerPublic.model_validate(officer, from_attributes=True)
