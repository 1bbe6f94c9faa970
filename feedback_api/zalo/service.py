"""The Zalo OA's token pair: stored sealed, handed to the bot, refreshed under a lease.

Zalo's refresh token is single-use and rotated on every refresh, so the rules are:
- only the holder of the lease spends the refresh token (one atomic UPDATE grants it, so two
  processes never refresh at once);
- the new pair replaces the old in one UPDATE guarded by the generation the refresh started
  from: the pair is stored whole or not at all, and a pair from a stale refresh never
  overwrites a newer one;
- a failed refresh is recorded (the officer view shows it) and the lease released.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, update
from sqlmodel import Session, col

from feedback_api.audit import service as audit
from feedback_api.clock import utcnow
from feedback_api.permissions import Action, Actor
from feedback_api.zalo.models import SINGLETON, ZaloCredentials
from feedback_api.zalo.schemas import (
    ZaloLease,
    ZaloRefreshed,
    ZaloTokensCreate,
    ZaloTokensPublic,
    ZaloTokensStatus,
)
from feedback_api.zalo.sealing import Unreadable, token_sealer


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)  # SQLite hands back naive UTC
    return moment


def _row(db_session: Session) -> ZaloCredentials | None:
    db_session.expire_all()
    return db_session.get(ZaloCredentials, SINGLETON)


def tokens(*, db_session: Session, secret: str) -> ZaloTokensPublic | None:
    """The access token for the bot; None when none is stored or it cannot be opened."""
    row = _row(db_session)
    if row is None:
        return None
    try:
        access = token_sealer(secret).open(row.access_token)
    except Unreadable:
        return None
    return ZaloTokensPublic(
        access_token=access,
        access_expires_at=_aware(row.access_expires_at),
        generation=row.generation,
    )


def status(*, db_session: Session) -> ZaloTokensStatus:
    row = _row(db_session)
    if row is None:
        return ZaloTokensStatus(configured=False)
    return ZaloTokensStatus(
        configured=True,
        access_expires_at=_aware(row.access_expires_at),
        last_refresh_at=_aware(row.last_refresh_at),
        last_error=row.last_error,
        last_error_at=_aware(row.last_error_at),
        generation=row.generation,
    )


def alert(*, db_session: Session) -> str | None:
    """The refresh failure to show every officer, until a refresh (or new pair) succeeds."""
    row = _row(db_session)
    if row is None or not row.last_error:
        return None
    return row.last_error


def store(
    *,
    db_session: Session,
    secret: str,
    data: ZaloTokensCreate,
    actor: Actor | None = None,
    only_if_empty: bool = False,
    now: dt.datetime | None = None,
) -> bool:
    """Store a first (or replacement) pair: pasted by an admin, or from the environment at the
    first start (`only_if_empty`: the database holds the tokens from then on)."""
    if actor is not None:
        actor.require(Action.MANAGE_UNITS)
    now = now or utcnow()
    sealer = token_sealer(secret)
    row = _row(db_session)
    if row is not None and only_if_empty:
        return False
    if row is None:
        row = ZaloCredentials(access_token="", refresh_token="", access_expires_at=now)
    row.access_token = sealer.seal(data.access_token)
    row.refresh_token = sealer.seal(data.refresh_token)
    row.access_expires_at = now + dt.timedelta(seconds=data.expires_in)
    row.generation += 1
    row.lease_holder = row.lease_until = None
    row.last_error = row.last_error_at = None
    row.updated_at = now
    db_session.add(row)
    if actor is not None:
        audit.record(
            db_session=db_session,
            actor=actor,
            action="zalo.tokens_replaced",
            entity_type="zalo_credentials",
            entity_id=SINGLETON,
            after={"expires_at": row.access_expires_at.isoformat()},
        )
    db_session.commit()
    return True


def lease(
    *,
    db_session: Session,
    secret: str,
    holder: str,
    lease_seconds: int,
    now: dt.datetime | None = None,
) -> ZaloLease:
    """Grant the refresh to `holder` unless another holder's lease is still running."""
    now = now or utcnow()
    table = ZaloCredentials
    granted = db_session.exec(
        update(table)
        .where(
            col(table.id) == SINGLETON,
            or_(col(table.lease_until).is_(None), col(table.lease_until) < now),
        )
        .values(lease_holder=holder, lease_until=now + dt.timedelta(seconds=lease_seconds))
    ).rowcount
    db_session.commit()
    row = _row(db_session)
    if not granted or row is None:
        return ZaloLease(granted=False, generation=row.generation if row else 0)
    try:
        refresh = token_sealer(secret).open(row.refresh_token)
    except Unreadable:
        _release(db_session, holder, "Không mở được mã làm mới (khóa bí mật đã đổi?)", now)
        return ZaloLease(granted=False, generation=row.generation)
    return ZaloLease(granted=True, refresh_token=refresh, generation=row.generation)


def refreshed(
    *,
    db_session: Session,
    secret: str,
    data: ZaloRefreshed,
    now: dt.datetime | None = None,
) -> bool:
    """Store the rotated pair atomically; False if the stored pair moved on meanwhile."""
    now = now or utcnow()
    sealer = token_sealer(secret)
    table = ZaloCredentials
    generation = data.generation
    stored = db_session.exec(
        update(table)
        .where(col(table.id) == SINGLETON, col(table.generation) == generation)
        .values(
            access_token=sealer.seal(data.access_token),
            refresh_token=sealer.seal(data.refresh_token),
            access_expires_at=now + dt.timedelta(seconds=data.expires_in),
            generation=generation + 1,
            lease_holder=None,
            lease_until=None,
            last_refresh_at=now,
            last_error=None,
            last_error_at=None,
            updated_at=now,
        )
    ).rowcount
    db_session.commit()
    return bool(stored)


def refresh_failed(
    *, db_session: Session, holder: str, error: str, now: dt.datetime | None = None
) -> None:
    _release(db_session, holder, error, now or utcnow())


def _release(db_session: Session, holder: str, error: str, now: dt.datetime) -> None:
    table = ZaloCredentials
    db_session.exec(
        update(table)
        .where(col(table.id) == SINGLETON)
        .values(last_error=error[:500], last_error_at=now)
    )
    db_session.exec(
        update(table)
        .where(col(table.id) == SINGLETON, col(table.lease_holder) == holder)
        .values(lease_holder=None, lease_until=None)
    )
    db_session.commit()
