"""Linking an officer's own chat for test sends: the web page shows a one-time code, the
officer sends `/lienket <code>` to the bot, and the bot reports the chat's citizen reference.

The code is stored hashed, valid for 10 minutes, used once; only the bot (service token) can
redeem it. feedback_api learns the officer's opaque reference, never their chat id.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlmodel import Session, select

from feedback_api.audit import service as audit
from feedback_api.broadcasts.models import OfficerChatLink
from feedback_api.clock import utcnow
from feedback_api.permissions import Actor

CODE_MINUTES = 10


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


def new_code(*, db_session: Session, actor: Actor) -> str:
    code = f"{secrets.randbelow(1_000_000):06d}"
    link = db_session.get(OfficerChatLink, actor.officer_id) or OfficerChatLink(
        officer_id=actor.officer_id
    )
    link.code_hash = _hash(code)
    link.code_expires_at = utcnow() + dt.timedelta(minutes=CODE_MINUTES)
    db_session.add(link)
    audit.record(
        db_session=db_session,
        actor=actor,
        action="officer.link_code",
        entity_type="officer",
        entity_id=actor.officer_id,
    )
    db_session.commit()
    return code


def redeem(*, db_session: Session, citizen_ref: str, code: str) -> bool:
    if not code.strip().isdigit():
        return False
    link = db_session.exec(
        select(OfficerChatLink).where(OfficerChatLink.code_hash == _hash(code))
    ).first()
    if link is None or link.code_expires_at is None:
        return False
    expires = link.code_expires_at
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=dt.UTC)
    if expires < utcnow():
        return False
    link.citizen_ref = citizen_ref
    link.linked_at = utcnow()
    link.code_hash = None
    link.code_expires_at = None
    db_session.add(link)
    audit.record(
        db_session=db_session,
        actor=None,
        action="officer.link_chat",
        entity_type="officer",
        entity_id=link.officer_id,
    )
    db_session.commit()
    return True


def linked(*, db_session: Session, actor: Actor) -> bool:
    link = db_session.get(OfficerChatLink, actor.officer_id)
    return bool(link and link.citizen_ref)
