"""Linking an officer's own chat for test sends: the web page shows a one-time code, the
officer sends `/lienket <code>` to the bot, and the bot reports the chat's citizen reference.

The code is stored hashed, valid for 10 minutes, used once; only the bot (service token) can
redeem it. feedback_api learns the officer's opaque reference, never their chat id.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from feedback_api import onetime
from feedback_api.audit import service as audit
from feedback_api.broadcasts.models import OfficerChatLink
from feedback_api.clock import utcnow
from feedback_api.permissions import Actor

CODE_MINUTES = 10


def new_code(*, db_session: Session, actor: Actor) -> str:
    code = onetime.digits(6)
    link = db_session.get(OfficerChatLink, actor.officer_id) or OfficerChatLink(
        officer_id=actor.officer_id
    )
    link.code_hash = onetime.digest(code)
    link.code_expires_at = onetime.expiry(CODE_MINUTES)
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
    """The bot reports `/lienket <code>` from a chat: link it, once, if the code is live."""
    if not code.strip().isdigit():
        return False
    link = db_session.exec(
        select(OfficerChatLink).where(OfficerChatLink.code_hash == onetime.digest(code))
    ).first()
    if link is None or not onetime.spend(
        db_session,
        model=OfficerChatLink,
        code=code,
        code_column=col(OfficerChatLink.code_hash),
        expires_column=col(OfficerChatLink.code_expires_at),
        values={
            "citizen_ref": citizen_ref,
            "linked_at": utcnow(),
            "code_hash": None,
            "code_expires_at": None,
        },
        where=(col(OfficerChatLink.officer_id) == link.officer_id,),
    ):
        return False
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
