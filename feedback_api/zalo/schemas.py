"""The wire contract of the Zalo token store (the bot reaches it with the service token)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

Token = Field(min_length=8, max_length=1000, pattern=r"^[\x21-\x7e]+$")


class ZaloTokensPublic(BaseModel):
    """The current access token for the bot (never shown on a page)."""

    access_token: str
    access_expires_at: dt.datetime
    generation: int


class ZaloTokensStatus(BaseModel):
    """What the admin page shows: no token, only whether there is one and when it expires."""

    configured: bool
    access_expires_at: dt.datetime | None = None
    last_refresh_at: dt.datetime | None = None
    last_error: str | None = None
    last_error_at: dt.datetime | None = None
    generation: int = 0


class ZaloTokensCreate(BaseModel):
    access_token: str = Token
    refresh_token: str = Token
    expires_in: int = Field(default=90_000, ge=60, le=10 * 86_400)


class ZaloLeaseRequest(BaseModel):
    holder: str = Field(min_length=8, max_length=64)
    lease_seconds: int = Field(default=30, ge=5, le=300)


class ZaloLease(BaseModel):
    """Granted: this holder alone may spend the refresh token until the lease ends."""

    granted: bool
    refresh_token: str | None = None
    generation: int = 0


class ZaloRefreshed(BaseModel):
    holder: str = Field(min_length=8, max_length=64)
    generation: int = Field(ge=0, le=2**62)  # the pair the refresh started from
    access_token: str = Token
    refresh_token: str = Token
    # Zalo sends expires_in as a string; the bot parses it, the wire takes seconds.
    expires_in: int = Field(ge=60, le=10 * 86_400)


class ZaloRefreshFailed(BaseModel):
    holder: str = Field(min_length=8, max_length=64)
    error: str = Field(min_length=1, max_length=500)
