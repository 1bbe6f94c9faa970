"""Wire contract for officers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field

from feedback_api.wire import DbId

ROLES = ("officer", "leader", "campaign", "admin")  # least privilege first: forms default to it


# The one strength rule for every password an officer or admin chooses.
Password = Annotated[str, Field(min_length=10, max_length=200)]


class OfficerCreate(BaseModel):
    username: str = Field(min_length=3, max_length=64, pattern=r"^[a-z0-9_.-]+$")
    full_name: str = Field(min_length=1, max_length=200)
    role: str = Field(pattern="^(admin|officer|campaign|leader)$")
    unit_id: DbId
    password: Password


class OfficerUpdate(BaseModel):
    full_name: str | None = Field(default=None, min_length=1, max_length=200)
    role: str | None = Field(default=None, pattern="^(admin|officer|campaign|leader)$")
    unit_id: DbId | None = None
    active: bool | None = None
    password: Password | None = None


class PasswordChange(BaseModel):
    """An officer changing their own password: the current one, and the new one twice (a
    mistyped new password would otherwise lock its owner out)."""

    current_password: str = Field(min_length=1, max_length=200)
    new_password: Password
    new_password_repeat: str = Field(min_length=1, max_length=200)


class OfficerPublic(BaseModel):
    id: int
    username: str
    full_name: str
    role: str
    unit_id: int
    active: bool
    must_change_password: bool = False
    last_login_at: dt.datetime | None


class OfficersPublic(BaseModel):
    data: list[OfficerPublic]
    count: int


class TokenCreated(BaseModel):
    token: str
    label: str


class TokenPublic(BaseModel):
    id: int
    label: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    live: bool = Field(description="usable now: not revoked, officer active, password unchanged")

    @classmethod
    def of(cls, record, *, live: bool) -> TokenPublic:
        return cls(
            id=record.id,
            label=record.label,
            created_at=record.created_at,
            revoked_at=record.revoked_at,
            live=live,
        )


class UnlockResult(BaseModel):
    cleared: int
