"""API tokens for officers' own scripts: made from a browser session, listed, revoked.

A token is tied to the officer's credentials: it carries a stamp of the password hash it was
made under, so changing or resetting the password ends it; deactivating the officer revokes it
for good, so reactivation brings none back. A token cannot make tokens (the route takes a
browser session only), so a leaked token cannot multiply itself. Only hashes are stored.
"""

from __future__ import annotations

import hashlib

from sqlmodel import Session, col, select, update

from feedback_api.audit import service as audit
from feedback_api.clock import utcnow
from feedback_api.officers.models import ApiToken, Officer
from feedback_api.officers.security import new_token, same_secret, token_hash
from feedback_api.permissions import Actor, NotFound

PREFIX = "lnk_"


def credential_stamp(officer: Officer) -> str:
    return hashlib.sha256(("stamp:" + officer.password_hash).encode()).hexdigest()


def create(*, db_session: Session, officer: Officer, actor: Actor, label: str = "") -> str:
    token = PREFIX + new_token()
    record = ApiToken(
        token_hash=token_hash(token),
        officer_id=officer.id,
        label=label,
        credential_stamp=credential_stamp(officer),
    )
    db_session.add(record)
    db_session.flush()
    audit.record(
        db_session=db_session,
        actor=actor,
        action="token.create",
        entity_type="api_token",
        entity_id=record.id,
        after={"label": label},
    )
    db_session.commit()
    return token


def officer_for(*, db_session: Session, token: str) -> Officer | None:
    """The officer a live token belongs to, or None (unknown, revoked, stale or inactive)."""
    record = db_session.exec(
        select(ApiToken).where(ApiToken.token_hash == token_hash(token))
    ).first()
    if record is None or record.revoked or not record.credential_stamp:
        return None
    officer = db_session.get(Officer, record.officer_id)
    if officer is None or not officer.active:
        return None
    if not same_secret(record.credential_stamp, credential_stamp(officer)):
        return None
    return officer


def list_own(*, db_session: Session, actor: Actor) -> list[ApiToken]:
    query = (
        select(ApiToken)
        .where(ApiToken.officer_id == actor.officer_id)
        .order_by(col(ApiToken.created_at).desc())
    )
    return list(db_session.exec(query))


def revoke_own(*, db_session: Session, actor: Actor, token_id: int) -> ApiToken:
    record = db_session.get(ApiToken, token_id)
    if record is None or record.officer_id != actor.officer_id:
        raise NotFound("api token")
    if not record.revoked:
        record.revoked, record.revoked_at = True, utcnow()
        db_session.add(record)
        audit.record(
            db_session=db_session,
            actor=actor,
            action="token.revoke",
            entity_type="api_token",
            entity_id=record.id,
        )
        db_session.commit()
    return record


def revoke_all(*, db_session: Session, officer_id: int) -> None:
    """Every token of an officer, for good (deactivation). The caller commits."""
    db_session.exec(
        update(ApiToken)
        .where(col(ApiToken.officer_id) == officer_id, col(ApiToken.revoked).is_(False))
        .values(revoked=True, revoked_at=utcnow())
    )


def is_live(record: ApiToken, officer: Officer) -> bool:
    return (
        not record.revoked
        and officer.active
        and bool(record.credential_stamp)
        and same_secret(record.credential_stamp, credential_stamp(officer))
    )
