"""The OA's OAuth v4 consent with PKCE, the way to the first tokens besides pasting them.

    admin presses "Ủy quyền" ──start──▶ Zalo's permission page (app_id, redirect_uri,
        code_challenge = base64url(SHA-256(code_verifier)), state)
    Zalo ──redirect──▶ /officer/admin/zalo/callback?code&oa_id&state ──claim(state)──▶ verifier
        ──exchange (POST {oauth}/v4/oa/access_token, grant_type=authorization_code,
          code, code_verifier; header secret_key)──▶ pair ──store──▶ sealed tokens

The verifier never leaves the server except in the exchange, so a code intercepted on the way
back is useless; `state` is a one-time code (feedback_api.onetime: kept as a digest, single use,
expires after CONSENT_MINUTES) that belongs to the admin who started it, so a forged callback
cannot plant someone else's tokens. From then on the bot
refreshes the pair before it expires, as with pasted tokens.

Zalo's HTTP calls belong to the bot (bot/channels/zalo_api.py): the composition root hands
the app a `CodeExchanger` (the bot's ZaloApi); without one (Zalo not configured) the admin
page offers pasting only.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from typing import Protocol
from urllib.parse import urlencode

from sqlmodel import Session, col

from feedback_api import onetime
from feedback_api.audit import service as audit
from feedback_api.clock import utcnow
from feedback_api.permissions import Action, Actor
from feedback_api.zalo.models import ZaloConsent
from feedback_api.zalo.sealing import Unreadable, token_sealer

CONSENT_MINUTES = 10
CALLBACK_PATH = "/officer/admin/zalo/callback"


class ConsentError(ValueError):
    """The consent cannot be completed (Vietnamese message, for the admin)."""


class TokenAnswer(Protocol):
    access_token: str
    refresh_token: str
    expires_in: int


class CodeExchanger(Protocol):
    """What the app needs from the Zalo client: its app id, Zalo's OAuth host, and the code
    exchange."""

    @property
    def app_id(self) -> str: ...

    @property
    def oauth_url(self) -> str: ...

    async def exchange_code(self, code: str, code_verifier: str) -> TokenAnswer: ...


def challenge_of(verifier: str) -> str:
    """PKCE S256: base64url of the verifier's SHA-256, without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def start(
    *,
    db_session: Session,
    actor: Actor,
    secret: str,
    app_id: str,
    oauth_url: str,
    redirect_uri: str,
    now: dt.datetime | None = None,
) -> str:
    """Record a new consent and return the address of Zalo's permission page."""
    actor.require(Action.MANAGE_UNITS)
    now = now or utcnow()
    verifier = onetime.token(48)  # 64 characters of [A-Za-z0-9_-], within RFC 7636's 43-128
    state = onetime.token(24)
    db_session.add(
        ZaloConsent(
            state_hash=onetime.digest(state),
            code_verifier=token_sealer(secret).seal(verifier),
            officer_id=actor.officer_id,
            created_at=now,
            expires_at=onetime.expiry(CONSENT_MINUTES, now),
        )
    )
    audit.record(
        db_session=db_session,
        actor=actor,
        action="zalo.consent_started",
        entity_type="zalo_credentials",
        entity_id=1,
    )
    db_session.commit()
    query = urlencode(
        {
            "app_id": app_id,
            "redirect_uri": redirect_uri,
            "code_challenge": challenge_of(verifier),
            "state": state,
        }
    )
    return f"{oauth_url.rstrip('/')}/v4/oa/permission?{query}"


def claim(
    *,
    db_session: Session,
    actor: Actor,
    secret: str,
    state: str,
    now: dt.datetime | None = None,
) -> str:
    """The verifier of the consent `state` names, spent at once (a replayed, expired or
    another admin's callback finds nothing)."""
    actor.require(Action.MANAGE_UNITS)
    now = now or utcnow()
    refused = ConsentError(
        "Phiên ủy quyền không hợp lệ, quá hạn hoặc đã dùng. Vui lòng bấm ủy quyền lại."
    )
    consent = db_session.get(ZaloConsent, onetime.digest(state)) if state else None
    if consent is None or not onetime.spend(
        db_session,
        model=ZaloConsent,
        code=state,
        code_column=col(ZaloConsent.state_hash),
        expires_column=col(ZaloConsent.expires_at),
        values={"used_at": now},
        where=(
            col(ZaloConsent.used_at).is_(None),
            col(ZaloConsent.officer_id) == actor.officer_id,
        ),
        now=now,
    ):
        raise refused
    db_session.commit()
    try:
        return token_sealer(secret).open(consent.code_verifier)
    except Unreadable as error:
        raise refused from error
