"""Login backoff per (username, client address).

The old rule (five wrong passwords lock the account for 15 minutes) let anyone lock anyone out,
the only admin included, forever. Here failures count per username *and* address: after
`free_failures` wrong passwords from one address, that address must wait before its next try
for that account, the wait doubling with each further failure (capped). The owner signing in
from another address is not slowed at all, a success clears the address's record, and an admin
can clear every record of an account (`unlock`, audited). Unknown usernames are throttled the
same way, so the answers do not reveal which accounts exist. Old records are pruned as new
failures arrive, so the table stays small.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, delete, select

from feedback_api.clock import utcnow
from feedback_api.officers.models import LoginThrottle

MAX_WAIT = dt.timedelta(hours=1)
FORGET_AFTER = dt.timedelta(days=1)


def _key(username: str, address: str | None) -> tuple[str, str]:
    return username[:64], (address or "unknown")[:64]


def blocked(*, db_session: Session, username: str, address: str | None) -> bool:
    record = db_session.get(LoginThrottle, _key(username, address))
    return bool(record and record.blocked_until and record.blocked_until > utcnow())


def failed(
    *,
    db_session: Session,
    username: str,
    address: str | None,
    free_failures: int,
    base_wait: dt.timedelta,
) -> LoginThrottle:
    """Count a wrong password; past the free ones, block the address for a doubling wait."""
    now = utcnow()
    db_session.exec(delete(LoginThrottle).where(col(LoginThrottle.updated_at) < now - FORGET_AFTER))
    record = db_session.get(LoginThrottle, _key(username, address))
    if record is None:
        name, where = _key(username, address)
        record = LoginThrottle(username=name, address=where)
    record.failures += 1
    record.updated_at = now
    over = record.failures - free_failures
    if over >= 0:
        record.blocked_until = now + min(MAX_WAIT, base_wait * (2 ** min(over, 16)))
    db_session.add(record)
    return record


def succeeded(*, db_session: Session, username: str, address: str | None) -> None:
    name, where = _key(username, address)
    db_session.exec(
        delete(LoginThrottle).where(
            col(LoginThrottle.username) == name, col(LoginThrottle.address) == where
        )
    )


def records(*, db_session: Session, username: str) -> list[LoginThrottle]:
    return list(db_session.exec(select(LoginThrottle).where(LoginThrottle.username == username)))


def clear(*, db_session: Session, username: str) -> int:
    found = records(db_session=db_session, username=username)
    for record in found:
        db_session.delete(record)
    return len(found)
