"""The Zalo OA's tokens: one row, sealed at rest, with the refresh lease that keeps two bot
processes from refreshing at once (Zalo's refresh token is single-use: a second refresh with
the same token fails, and the pair from the first would be lost if both wrote)."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from feedback_api.clock import utcnow

SINGLETON = 1


class ZaloCredentials(SQLModel, table=True):
    __tablename__ = "zalo_credentials"

    id: int = Field(default=SINGLETON, primary_key=True)
    access_token: str = Field(max_length=2000)  # sealed (feedback_api.zalo.sealing)
    refresh_token: str = Field(max_length=2000)  # sealed
    access_expires_at: dt.datetime
    # Bumped on every new pair, so a waiting process can tell the refresh happened.
    generation: int = 0
    lease_holder: str | None = Field(default=None, max_length=64)
    lease_until: dt.datetime | None = None
    last_refresh_at: dt.datetime | None = None
    last_error: str | None = Field(default=None, max_length=500)
    last_error_at: dt.datetime | None = None
    updated_at: dt.datetime = Field(default_factory=utcnow)


class ZaloConsent(SQLModel, table=True):
    """One OAuth v4 consent an admin started (PKCE): the `state` Zalo hands back to our
    callback and the sealed `code_verifier` whose challenge went to Zalo. Single use, short
    lived, and bound to the admin who started it."""

    __tablename__ = "zalo_consent"

    state_hash: str = Field(primary_key=True, max_length=64)  # feedback_api.onetime.digest
    code_verifier: str = Field(max_length=500)  # sealed (feedback_api.zalo.sealing)
    officer_id: int = Field(foreign_key="officer.id")
    created_at: dt.datetime = Field(default_factory=utcnow)
    expires_at: dt.datetime
    used_at: dt.datetime | None = None
