"""Token routes for the bot (service token only): read, lease a refresh, store the new pair."""

from __future__ import annotations

from fastapi import APIRouter

from feedback_api.deps import ServiceCaller, SessionDep, SettingsDep
from feedback_api.permissions import NotFound
from feedback_api.zalo import service
from feedback_api.zalo.schemas import (
    ZaloLease,
    ZaloLeaseRequest,
    ZaloRefreshed,
    ZaloRefreshFailed,
    ZaloTokensCreate,
    ZaloTokensPublic,
)

router = APIRouter(prefix="/api/v1/zalo", tags=["zalo"])


@router.get(
    "/tokens",
    response_model=ZaloTokensPublic,
    responses={404: {"description": "No tokens stored yet (or not readable with this secret)"}},
)
def tokens(db: SessionDep, settings: SettingsDep, _caller: ServiceCaller) -> ZaloTokensPublic:
    found = service.tokens(db_session=db, secret=settings.secret_key)
    if found is None:
        raise NotFound
    return found


@router.post("/tokens/initial")
def initial(
    data: ZaloTokensCreate, db: SessionDep, settings: SettingsDep, _caller: ServiceCaller
) -> dict:
    """First tokens from the bot's environment: taken only while none are stored."""
    stored = service.store(db_session=db, secret=settings.secret_key, data=data, only_if_empty=True)
    return {"stored": stored}


@router.post("/tokens/lease", response_model=ZaloLease)
def lease(
    data: ZaloLeaseRequest, db: SessionDep, settings: SettingsDep, _caller: ServiceCaller
) -> ZaloLease:
    return service.lease(
        db_session=db,
        secret=settings.secret_key,
        holder=data.holder,
        lease_seconds=data.lease_seconds,
    )


@router.post("/tokens/refreshed")
def refreshed(
    data: ZaloRefreshed,
    db: SessionDep,
    settings: SettingsDep,
    _caller: ServiceCaller,
) -> dict:
    stored = service.refreshed(db_session=db, secret=settings.secret_key, data=data)
    return {"stored": stored}


@router.post("/tokens/refresh-failed")
def refresh_failed(data: ZaloRefreshFailed, db: SessionDep, _caller: ServiceCaller) -> dict:
    service.refresh_failed(db_session=db, holder=data.holder, error=data.error)
    return {"recorded": True}
