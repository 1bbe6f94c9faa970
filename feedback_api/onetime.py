"""One-time codes, one way to issue and verify them: made at random, shown once, kept only as
a digest, good until they expire, and spent by a single guarded UPDATE so that two redeemers
racing cannot both succeed.

Used by: the officer's `/lienket` code (six digits, typed into a chat), the OA's OAuth consent
`state` (in a URL), and the temporary password of a reset or a first admin (kept as an argon2
hash like any password: it is one-time because it must be replaced at the next login).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from sqlalchemy import update
from sqlmodel import Session

from feedback_api.clock import utcnow


def digits(count: int = 6) -> str:
    """A code people type (a chat command): `count` decimal digits."""
    return f"{secrets.randbelow(10**count):0{count}d}"


def token(nbytes: int = 24) -> str:
    """A code machines carry (a URL parameter): URL-safe, `nbytes` of randomness."""
    return secrets.token_urlsafe(nbytes)


def temporary_password() -> str:
    """A password someone else chose, shown once and replaced at the next login."""
    return secrets.token_urlsafe(12)


def digest(code: str) -> str:
    """What is stored: the code's SHA-256 (codes are random and short-lived, so a fast hash
    suffices; a leaked table gives no usable code)."""
    return hashlib.sha256(code.strip().encode()).hexdigest()


def expiry(minutes: float, now: dt.datetime | None = None) -> dt.datetime:
    return (now or utcnow()) + dt.timedelta(minutes=minutes)


def spend(
    db_session: Session,
    *,
    model: Any,
    code: str,
    code_column: Any,
    expires_column: Any,
    values: dict[str, Any],
    where: tuple = (),
    now: dt.datetime | None = None,
) -> bool:
    """Redeem `code` once: the row whose `code_column` holds its digest, not expired (and
    matching `where`), gets `values` (which must make the code unusable). True when this call
    spent it; False for an unknown, expired or already spent code. The caller commits, with
    whatever it records beside (the audit line goes in the same transaction)."""
    if not code.strip():
        return False
    spent = db_session.exec(
        update(model)
        .where(code_column == digest(code), expires_column > (now or utcnow()), *where)
        .values(**values)
    ).rowcount
    return spent == 1
