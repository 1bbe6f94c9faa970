"""Officers, their login sessions and API tokens.

Secrets are stored only as hashes: argon2id for passwords, SHA-256 for random session and API
tokens (they are long random values, so a fast hash is enough and lookups stay indexed).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlmodel import Field, SQLModel

from feedback_api.clock import utcnow


class Role(StrEnum):
    ADMIN = "admin"
    OFFICER = "officer"
    CAMPAIGN = "campaign"
    LEADER = "leader"


class Officer(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    full_name: str = Field(max_length=200)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=16)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    active: bool = True
    # Set when someone else chose the password (CLI reset, an admin): one login, then a new one.
    must_change_password: bool = False
    failed_logins: int = 0
    locked_until: dt.datetime | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)
    last_login_at: dt.datetime | None = None


class OfficerSession(SQLModel, table=True):
    __tablename__ = "officer_session"

    token_hash: str = Field(primary_key=True, max_length=64)
    officer_id: int = Field(foreign_key="officer.id", index=True)
    csrf_token: str = Field(max_length=64)
    created_at: dt.datetime = Field(default_factory=utcnow)
    expires_at: dt.datetime = Field(index=True)


class ApiToken(SQLModel, table=True):
    """A token works only while its officer is active and still has the password the token was
    made under (`credential_stamp`, a hash of the password hash): a password change or reset
    ends every token, and deactivation revokes them for good (reactivation revives none)."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    officer_id: int = Field(foreign_key="officer.id", index=True)
    label: str = Field(max_length=100, default="")
    created_at: dt.datetime = Field(default_factory=utcnow)
    last_used_at: dt.datetime | None = None
    revoked: bool = False
    revoked_at: dt.datetime | None = None
    credential_stamp: str | None = Field(default=None, max_length=64)


class LoginThrottle(SQLModel, table=True):
    """Failed logins per (username, client address): wrong passwords slow down the address that
    sends them, with a growing delay, and never lock the account's owner out from elsewhere."""

    __tablename__ = "login_throttle"

    username: str = Field(primary_key=True, max_length=64)
    address: str = Field(primary_key=True, max_length=64)
    failures: int = 0
    blocked_until: dt.datetime | None = None
    updated_at: dt.datetime = Field(default_factory=utcnow, index=True)
