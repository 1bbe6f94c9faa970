"""Officer accounts, login with throttling, sessions and API tokens."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlmodel import Session, col, delete, select

from feedback_api import onetime
from feedback_api.audit import service as audit
from feedback_api.clock import utcnow
from feedback_api.officers import throttle, tokens
from feedback_api.officers.models import Officer, OfficerSession, Role
from feedback_api.officers.schemas import OfficerCreate, OfficerUpdate, PasswordChange
from feedback_api.officers.security import (
    dummy_hash,
    hash_password,
    needs_rehash,
    new_token,
    token_hash,
    verify_password,
)
from feedback_api.permissions import Action, Actor, Forbidden, NotFound
from feedback_api.units.models import Unit


class LoginError(ValueError):
    """Wrong credentials or a locked account; the message is safe to show (Vietnamese)."""


class OfficerError(ValueError):
    pass


def actor_for(*, db_session: Session, officer: Officer) -> Actor:
    unit = db_session.get(Unit, officer.unit_id)
    return Actor(
        officer_id=officer.id,
        username=officer.username,
        full_name=officer.full_name,
        role=str(officer.role),
        unit_id=officer.unit_id,
        unit_path=unit.path if unit else "/-/",
        must_change_password=officer.must_change_password,
    )


def get_by_username(*, db_session: Session, username: str) -> Officer | None:
    return db_session.exec(select(Officer).where(Officer.username == username)).first()


def _check_unit_in_reach(db_session: Session, actor: Actor | None, unit_id: int) -> Unit:
    unit = db_session.get(Unit, unit_id)
    if unit is None:
        raise OfficerError("đơn vị không tồn tại")
    if actor is not None and not actor.reaches(unit.path):
        raise Forbidden("unit outside the actor's reach")
    return unit


def create(*, db_session: Session, data: OfficerCreate, actor: Actor | None) -> Officer:
    """Create an account; `actor` None means the command line (the machine's operator)."""
    if actor is not None:
        actor.require(Action.MANAGE_OFFICERS)
    _check_unit_in_reach(db_session, actor, data.unit_id)
    if get_by_username(db_session=db_session, username=data.username):
        raise OfficerError(f"tên đăng nhập {data.username!r} đã tồn tại")
    officer = Officer(
        username=data.username,
        full_name=data.full_name,
        role=Role(data.role),
        unit_id=data.unit_id,
        password_hash=hash_password(data.password),
        # An admin chose it and knows it: the new officer picks their own at first login.
        must_change_password=actor is not None,
    )
    db_session.add(officer)
    db_session.flush()
    audit.record(
        db_session=db_session,
        actor=actor,
        action="officer.create",
        entity_type="officer",
        entity_id=officer.id,
        after={"username": officer.username, "role": data.role, "unit_id": data.unit_id},
    )
    db_session.commit()
    return officer


def list_officers(*, db_session: Session, actor: Actor) -> list[Officer]:
    actor.require(Action.MANAGE_OFFICERS)
    query = (
        select(Officer)
        .join(Unit, col(Unit.id) == col(Officer.unit_id))
        .where(col(Unit.path).startswith(actor.unit_path))
        .order_by(col(Officer.username))
    )
    return list(db_session.exec(query))


def get_in_reach(*, db_session: Session, actor: Actor, officer_id: int) -> Officer:
    officer = db_session.get(Officer, officer_id)
    unit = db_session.get(Unit, officer.unit_id) if officer else None
    if officer is None or unit is None or not actor.reaches(unit.path):
        raise NotFound("officer")
    return officer


def update(*, db_session: Session, actor: Actor, officer_id: int, data: OfficerUpdate) -> Officer:
    actor.require(Action.MANAGE_OFFICERS)
    officer = get_in_reach(db_session=db_session, actor=actor, officer_id=officer_id)
    before = {
        "full_name": officer.full_name,
        "role": str(officer.role),
        "unit_id": officer.unit_id,
        "active": officer.active,
    }
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if "unit_id" in changes:
        _check_unit_in_reach(db_session, actor, changes["unit_id"])
    if officer.id == actor.officer_id and (
        changes.get("active") is False or changes.get("role", "admin") != "admin"
    ):
        raise OfficerError("không thể tự khóa hoặc tự hạ quyền tài khoản của mình")
    password = changes.pop("password", None)
    for name, value in changes.items():
        setattr(officer, name, Role(value) if name == "role" else value)
    if password:
        officer.password_hash = hash_password(password)
        officer.must_change_password = officer.id != actor.officer_id
        officer.failed_logins = 0
        officer.locked_until = None
        db_session.exec(delete(OfficerSession).where(OfficerSession.officer_id == officer.id))
    if changes.get("active") is False:
        db_session.exec(delete(OfficerSession).where(OfficerSession.officer_id == officer.id))
        tokens.revoke_all(db_session=db_session, officer_id=officer.id)
    db_session.add(officer)
    after = {
        "full_name": officer.full_name,
        "role": str(officer.role),
        "unit_id": officer.unit_id,
        "active": officer.active,
        **({"password": "changed"} if password else {}),
    }
    audit.record(
        db_session=db_session,
        actor=actor,
        action="officer.update",
        entity_type="officer",
        entity_id=officer.id,
        before=before,
        after=after,
    )
    db_session.commit()
    return officer


def change_own_password(
    *, db_session: Session, actor: Actor, data: PasswordChange, keep_session: str | None = None
) -> Officer:
    """The officer replaces their own password: the current one proves it is them, the new one
    typed twice must match. Every other session of theirs ends (a stolen cookie dies with it);
    `keep_session` is the browser session doing the change."""
    officer = db_session.get(Officer, actor.officer_id)
    if officer is None or not verify_password(officer.password_hash, data.current_password):
        raise OfficerError("Mật khẩu hiện tại không đúng.")
    if data.new_password != data.new_password_repeat:
        raise OfficerError("Hai lần nhập mật khẩu mới không khớp.")
    if data.new_password == data.current_password:
        raise OfficerError("Mật khẩu mới phải khác mật khẩu hiện tại.")
    officer.password_hash = hash_password(data.new_password)
    officer.must_change_password = False
    officer.failed_logins = 0
    db_session.add(officer)
    others = delete(OfficerSession).where(OfficerSession.officer_id == officer.id)
    if keep_session:
        others = others.where(OfficerSession.token_hash != token_hash(keep_session))
    db_session.exec(others)
    audit.record(
        db_session=db_session,
        actor=actor,
        action="officer.password_change",
        entity_type="officer",
        entity_id=officer.id,
    )
    db_session.commit()
    return officer


def reset_password(*, db_session: Session, username: str) -> str:
    """The machine operator's way back in (`langnghe officers reset-password`): a one-time
    password, shown once, that must be replaced at the next login. The account is unlocked and
    its sessions end. Raises NotFound for an unknown username."""
    officer = get_by_username(db_session=db_session, username=username.strip().lower())
    if officer is None:
        raise NotFound("officer")
    password = onetime.temporary_password()
    officer.password_hash = hash_password(password)
    officer.must_change_password = True
    officer.failed_logins = 0
    officer.locked_until = None
    throttle.clear(db_session=db_session, username=officer.username)  # every address may retry
    db_session.add(officer)
    db_session.exec(delete(OfficerSession).where(OfficerSession.officer_id == officer.id))
    audit.record(
        db_session=db_session,
        actor=None,
        action="officer.password_reset",
        entity_type="officer",
        entity_id=officer.id,
    )
    db_session.commit()
    return password


def authenticate(
    *,
    db_session: Session,
    username: str,
    password: str,
    max_failures: int,
    lockout: dt.timedelta,
    ip: str | None = None,
) -> Officer:
    """Check a password, with backoff per (username, address) (see officers.throttle).

    After `max_failures` wrong passwords from one address, that address waits `lockout`
    (doubling with each further failure) before trying that account again; the owner elsewhere
    is not affected. The same message answers an unknown user, a wrong password and a throttled
    address, and each costs one argon2 verification, so neither words nor timing reveal accounts.
    """
    refused = LoginError("Tên đăng nhập hoặc mật khẩu không đúng, hoặc tài khoản đang tạm khóa.")
    name = username.strip().lower()
    officer = get_by_username(db_session=db_session, username=name)
    if throttle.blocked(db_session=db_session, username=name, address=ip):
        verify_password(dummy_hash(), password)
        raise refused
    known = officer is not None and officer.active
    if not verify_password(officer.password_hash if known else dummy_hash(), password) or not known:
        record = throttle.failed(
            db_session=db_session,
            username=name,
            address=ip,
            free_failures=max_failures,
            base_wait=lockout,
        )
        if officer is not None and record.failures == max_failures:
            audit.record(
                db_session=db_session,
                actor=None,
                action="officer.locked",
                entity_type="officer",
                entity_id=officer.id,
                ip=ip,
                after={"blocked_until": record.blocked_until.isoformat(), "address": ip},
            )
        db_session.commit()
        raise refused
    if needs_rehash(officer.password_hash):
        officer.password_hash = hash_password(password)
    throttle.succeeded(db_session=db_session, username=name, address=ip)
    officer.last_login_at = utcnow()
    db_session.add(officer)
    db_session.commit()
    return officer


def unlock(*, db_session: Session, actor: Actor, officer_id: int) -> int:
    """Clear every login backoff of an account (an admin's action, audited)."""
    actor.require(Action.MANAGE_OFFICERS)
    officer = get_in_reach(db_session=db_session, actor=actor, officer_id=officer_id)
    cleared = throttle.clear(db_session=db_session, username=officer.username)
    officer.failed_logins, officer.locked_until = 0, None
    db_session.add(officer)
    audit.record(
        db_session=db_session,
        actor=actor,
        action="officer.unlock",
        entity_type="officer",
        entity_id=officer.id,
        after={"cleared": cleared},
    )
    db_session.commit()
    return cleared


def is_throttled(*, db_session: Session, username: str) -> bool:
    now = utcnow()
    return any(
        r.blocked_until and r.blocked_until > now
        for r in throttle.records(db_session=db_session, username=username)
    )


@dataclass(frozen=True)
class NewSession:
    token: str
    csrf_token: str
    expires_at: dt.datetime


def start_session(
    *, db_session: Session, officer: Officer, lifetime: dt.timedelta, ip: str | None = None
) -> NewSession:
    token = new_token()
    record = OfficerSession(
        token_hash=token_hash(token),
        officer_id=officer.id,
        csrf_token=secrets.token_urlsafe(24),
        expires_at=utcnow() + lifetime,
    )
    db_session.add(record)
    db_session.exec(delete(OfficerSession).where(col(OfficerSession.expires_at) < utcnow()))
    audit.record(
        db_session=db_session,
        actor=actor_for(db_session=db_session, officer=officer),
        action="officer.login",
        entity_type="officer",
        entity_id=officer.id,
        ip=ip,
    )
    db_session.commit()
    return NewSession(token, record.csrf_token, record.expires_at)


def officer_for_session(*, db_session: Session, token: str) -> tuple[Officer, str] | None:
    """The officer and CSRF token of a live session, or None."""
    record = db_session.get(OfficerSession, token_hash(token))
    if record is None or record.expires_at < utcnow():
        return None
    officer = db_session.get(Officer, record.officer_id)
    if officer is None or not officer.active:
        return None
    return officer, record.csrf_token


def end_session(*, db_session: Session, token: str) -> None:
    db_session.exec(delete(OfficerSession).where(OfficerSession.token_hash == token_hash(token)))
    db_session.commit()


def create_api_token(
    *, db_session: Session, officer: Officer, label: str = "", actor: Actor | None = None
) -> str:
    actor = actor or actor_for(db_session=db_session, officer=officer)
    return tokens.create(db_session=db_session, officer=officer, actor=actor, label=label)


def officer_for_api_token(*, db_session: Session, token: str) -> Officer | None:
    return tokens.officer_for(db_session=db_session, token=token)
