"""Zalo's HTTP APIs over httpx (no SDK): the OA API (consultation messages, image upload), the
OAuth v4 token endpoint, and downloads of what citizens send.

Zalo answers errors with HTTP 200 and a non-zero `error`; they become ZaloApiError with the code,
and callers decide what a code means (bot/channels/zalo.py maps them to the sender's outcomes).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

# Codes Zalo answers (OA API v3 and OAuth v4), by what the bot does about them, as Zalo's
# OA error table names them.
TOKEN_INVALID = frozenset({-216, -220, -124})  # invalid / expired access token
# -213 has not followed the OA, -217 blocked the OA's invitations, -227 banned or inactive on
# Zalo for more than 45 days: nobody can write to them
UNREACHABLE_USER = frozenset({-213, -217, -227})
# -230 no interaction in the past 7 days, -232 no interaction or the last one has expired
OUTSIDE_WINDOW = frozenset({-230, -232})
# -233 message type invalid or not supported, -244 the citizen refused this type from the OA
TYPE_REFUSED = frozenset({-233, -244})
RATE_LIMITED = frozenset({-32})

CONSULTATION = "/v3.0/oa/message/cs"  # a message to a follower (recipient.user_id)
# Anonymous visitors (recipient.anonymous_id + conversation_id) are answered through the v2.0
# message endpoint: the consultation endpoint takes user ids only.
ANONYMOUS = "/v2.0/oa/message"


class ZaloApiError(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(f"Zalo error {code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int  # seconds


class ZaloApi:
    def __init__(
        self,
        *,
        api_url: str,
        oauth_url: str,
        app_id: str,
        app_secret: str,
        media_hosts: tuple[str, ...] = (),
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 15.0,
    ):
        self._api = api_url.rstrip("/")
        self._oauth = oauth_url.rstrip("/")
        self._app_id = app_id
        self._app_secret = app_secret
        self._media_hosts = tuple(h.lower().lstrip(".") for h in media_hosts if h)
        self._http = httpx.AsyncClient(transport=transport, timeout=timeout)

    @property
    def app_id(self) -> str:
        return self._app_id

    @property
    def oauth_url(self) -> str:
        return self._oauth

    async def aclose(self) -> None:
        await self._http.aclose()

    @staticmethod
    def _data(response: httpx.Response) -> dict:
        try:
            body = response.json()
        except ValueError as error:
            raise ZaloApiError(response.status_code, "not JSON") from error
        if response.status_code >= 400 or not isinstance(body, dict):
            raise ZaloApiError(response.status_code, "HTTP error")
        code = body.get("error", 0)
        if code not in (0, "0", None):
            try:
                code = int(code)
            except (TypeError, ValueError):
                code = -1
            reason = body.get("message") or body.get("error_name") or body.get("error_reason")
            raise ZaloApiError(code, str(reason or "error")[:200])
        return body

    async def send(self, access_token: str, body: dict) -> dict:
        """POST a consultation message (an anonymous visitor's answer through the v2.0 message
        endpoint, see ANONYMOUS); returns Zalo's `data`."""
        path = ANONYMOUS if "anonymous_id" in body.get("recipient", {}) else CONSULTATION
        response = await self._http.post(
            f"{self._api}{path}", json=body, headers={"access_token": access_token}
        )
        return self._data(response).get("data") or {}

    async def upload_image(self, access_token: str, content: bytes, filename: str) -> str:
        """POST /v2.0/oa/upload/image (multipart `file`); returns the attachment id."""
        kind = "image/png" if content.startswith(b"\x89PNG") else "image/jpeg"
        response = await self._http.post(
            f"{self._api}/v2.0/oa/upload/image",
            files={"file": (filename, content, kind)},
            headers={"access_token": access_token},
        )
        data = self._data(response).get("data") or {}
        if not data.get("attachment_id"):
            raise ZaloApiError(-1, "upload answered without an attachment id")
        return str(data["attachment_id"])

    async def refresh(self, refresh_token: str) -> TokenPair:
        """POST /v4/oa/access_token, form-encoded, the app secret in the `secret_key` header.
        The refresh token is spent: the answer carries the next one."""
        return await self._token_request(
            {"app_id": self._app_id, "grant_type": "refresh_token", "refresh_token": refresh_token}
        )

    async def exchange_code(self, code: str, code_verifier: str) -> TokenPair:
        """The end of the OA's OAuth v4 consent: the authorization code Zalo handed to our
        callback, with the PKCE verifier whose challenge started the consent, for the first
        pair (same endpoint and header as a refresh)."""
        return await self._token_request(
            {
                "app_id": self._app_id,
                "grant_type": "authorization_code",
                "code": code,
                "code_verifier": code_verifier,
            }
        )

    async def _token_request(self, form: dict[str, str]) -> TokenPair:
        response = await self._http.post(
            f"{self._oauth}/v4/oa/access_token", data=form, headers={"secret_key": self._app_secret}
        )
        body = self._data(response)
        try:
            expires_in = int(str(body["expires_in"]).strip())  # Zalo sends a string
            pair = TokenPair(str(body["access_token"]), str(body["refresh_token"]), expires_in)
        except (KeyError, ValueError) as error:
            raise ZaloApiError(-1, "token answer without the expected fields") from error
        if not pair.access_token or not pair.refresh_token or expires_in <= 0:
            raise ZaloApiError(-1, "token answer with empty fields")
        return pair

    def media_allowed(self, url: str) -> bool:
        """Downloads only over HTTPS from Zalo's media hosts (never an address an event
        names elsewhere: the bot must not be made to fetch internal URLs)."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme != "https" or not host:
            return False
        return any(host == h or host.endswith("." + h) for h in self._media_hosts)

    async def download(self, url: str, max_bytes: int) -> bytes:
        if not self.media_allowed(url):
            raise ValueError("file address not on Zalo's media hosts")
        async with self._http.stream("GET", url) as response:
            if response.status_code != 200:
                raise ValueError(f"download failed: HTTP {response.status_code}")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise ValueError("file too large")
            content = bytearray()
            async for chunk in response.aiter_bytes():
                content += chunk
                if len(content) > max_bytes:
                    raise ValueError("file too large")
        return bytes(content)
