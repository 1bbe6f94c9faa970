"""A fake Zalo Official Account platform for end-to-end tests: the OA API (consultation
messages, image upload), the OAuth v4 token endpoint, and the webhook side (events signed as
Zalo signs them, posted to the app under test).

It is an ASGI app reached through httpx's ASGI transport, so the adapter keeps its real httpx
code (headers, JSON and form encoding, multipart upload) and tests never touch openapi.zalo.me.

Strict where Zalo is strict, so a test cannot pass on something the real platform refuses:
- every OA call needs the `access_token` header of a live token: unknown → -216, expired → -220;
- `POST /v3.0/oa/message/cs` takes exactly `{"recipient": {"user_id"}, "message": {...}}`; the
  message is text (1-2,000 characters), text with at most 5 `oa.query.*`/`oa.open.url` buttons,
  or a media template of an uploaded image; anything else → -201;
- an anonymous visitor is answered through `POST /v2.0/oa/message` with
  `{"anonymous_id", "conversation_id"}` of a conversation the fake started (both required; the
  consultation endpoint refuses them → -201): text or an image, not a button template (→ -233,
  Zalo documents text, image, file and sticker there); a `user_id` message there → -240 (Zalo
  shut the v2 message API for followers);
- a user who never followed, or unfollowed, → -213; no message from the user for 7 days → -230
  (outside the consultation window); an OA that exceeded its quota → -32 (injectable);
- `POST /v4/oa/access_token` is form-encoded, needs the `secret_key` header = the app secret,
  and each refresh token works once (rotated on use), as Zalo does;
- the OAuth v4 consent: `GET /v4/oa/permission` needs this app's id, the registered callback
  (`callback_url`, when set), a PKCE `code_challenge` and a `state`; it stands for the OA admin
  agreeing and redirects to the callback with `code`, `oa_id` and the same `state`. The code
  works once, for CODE_TTL, and only with the `code_verifier` whose base64url SHA-256 is the
  challenge (`grant_type=authorization_code`); a wrong verifier or a spent code is refused.
- uploads are multipart `file`, JPEG or PNG, at most 1 MB.

Error answers are HTTP 200 with a non-zero `error`, as Zalo answers.

Deliberate simplifications: one OA; the OAuth error codes below (-14003 and kin) are this
fake's (the adapter treats every non-zero `error` alike); the window is counted from the last
event the test posted; quotas other than injected -32 are not modelled.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import itertools
import json
import secrets
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

JSON = dict[str, Any]

MAX_TEXT = 2000
MAX_BUTTONS = 5
MAX_BUTTON_TITLE = 100
MAX_UPLOAD_BYTES = 1024 * 1024
BUTTON_TYPES = {"oa.query.show", "oa.query.hide", "oa.open.url", "oa.open.phone"}
WINDOW = dt.timedelta(days=7)
CODE_TTL = dt.timedelta(minutes=10)
ANONYMOUS_MESSAGE = "/v2.0/oa/message"

ERRORS = {
    -32: "Exceed the limit of request per minute",
    -201: "Parameters are invalid",
    -213: "User has not followed OA",
    -217: "User has blocked invitation from OA",
    -216: "Access token is invalid",
    -220: "Access token has expired",
    -227: "User is banned or has been inactive for more than 45 days",
    -230: "User has not interacted with the OA in the past 7 days",
    -232: "User has not interacted with the OA, or the last interaction has expired",
    -233: "message type is invalid or not support",
    -240: "MessageV2 API has been shut down, please switch to MessageV3",
}


def pkce_challenge(verifier: str) -> str:
    """RFC 7636 S256, as Zalo checks it: base64url(SHA-256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def signature(app_id: str, body: bytes, timestamp: str, oa_secret_key: str) -> str:
    """X-ZEvent-Signature as Zalo computes it: "mac=" + hex SHA-256 of app id, raw body,
    the body's timestamp and the OA secret key, concatenated (a plain hash, not an HMAC)."""
    digest = hashlib.sha256(app_id.encode() + body + timestamp.encode() + oa_secret_key.encode())
    return "mac=" + digest.hexdigest()


@dataclass(frozen=True)
class Call:
    path: str
    headers: dict[str, str]
    body: Any  # parsed JSON, form dict, or {"file": (name, size, type)}
    error: int  # 0 when accepted


@dataclass
class ZaloUser:
    user_id: str
    follower: bool = True
    last_interaction: dt.datetime | None = None


@dataclass
class FakeZalo:
    app_id: str = "1234567890123456789"
    app_secret: str = "fake-app-secret-0123456789"
    oa_secret_key: str = "fake-oa-secret-key-abcdef"
    oa_id: str = "579745863508352884"
    access_ttl: int = 90_000  # seconds, as Zalo's ≈25 hours
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    calls: list[Call] = field(default_factory=list)
    users: dict[str, ZaloUser] = field(default_factory=dict)
    uploads: dict[str, bytes] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)  # what citizens sent, by path
    _access: dict[str, dt.datetime] = field(default_factory=dict)
    _refresh: set[str] = field(default_factory=set)
    _errors: dict[str, deque[int]] = field(default_factory=lambda: defaultdict(deque))
    _msg_ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    conversations: dict[str, str] = field(default_factory=dict)  # anonymous: conversation → id
    refresh_delay: float = 0.0  # seconds the token endpoint takes (concurrency tests)
    callback_url: str | None = None  # the app's registered OA callback; None: any
    # authorization code → (code_challenge, expires at); removed when spent
    _codes: dict[str, tuple[str, dt.datetime]] = field(default_factory=dict)

    base_url = "https://openapi.zalo.test"
    oauth_url = "https://oauth.zalo.test"
    media_url = "https://media.zalo.test"

    # -- test controls ---------------------------------------------------------------------------

    def issue_tokens(self, *, expires_in: int | None = None) -> tuple[str, str]:
        """A fresh pair, as the OA admin would copy it from Zalo's tool."""
        access, refresh = "at-" + secrets.token_urlsafe(12), "rt-" + secrets.token_urlsafe(12)
        self._access[access] = self.now + dt.timedelta(seconds=expires_in or self.access_ttl)
        self._refresh.add(refresh)
        return access, refresh

    def expire(self, access_token: str) -> None:
        self._access[access_token] = self.now - dt.timedelta(seconds=1)

    def fail_next(self, path: str, *codes: int) -> None:
        """The next calls to `path` answer these error codes, one each."""
        self._errors[path].extend(codes)

    def user(self, user_id: str, *, follower: bool = True) -> ZaloUser:
        return self.users.setdefault(user_id, ZaloUser(user_id, follower))

    def sent(self, user_id: str | None = None) -> list[JSON]:
        """Messages the OA delivered (accepted), optionally to one user."""
        return [
            call.body["message"]
            for call in self.calls
            if call.path == "/v3.0/oa/message/cs"
            and call.error == 0
            and user_id in (None, call.body["recipient"].get("user_id"))
        ]

    def texts(self, user_id: str | None = None) -> list[str]:
        return [m["text"] for m in self.sent(user_id) if "text" in m]

    def refreshes(self) -> list[Call]:
        return [c for c in self.calls if c.path == "/v4/oa/access_token"]

    def transport(self) -> httpx.ASGITransport:
        return httpx.ASGITransport(app=self.app)

    # -- events (the webhook side) ---------------------------------------------------------------

    def _timestamp(self) -> str:
        return str(int(self.now.timestamp() * 1000))

    def event(self, event_name: str, user_id: str, message: JSON | None = None, **extra) -> JSON:
        """A webhook event as Zalo sends it; a user event also opens the user's window."""
        user = self.user(user_id)
        if event_name.startswith(("user_send_", "follow")):
            user.last_interaction = self.now
        if event_name == "follow":
            user.follower = True
        if event_name == "unfollow":
            user.follower = False
        payload: JSON = {
            "app_id": self.app_id,
            "user_id_by_app": "app-" + user_id,
            "event_name": event_name,
            "timestamp": self._timestamp(),
        }
        if event_name in ("follow", "unfollow"):
            payload |= {"oa_id": self.oa_id, "source": "testing", "follower": {"id": user_id}}
        else:
            payload |= {"sender": {"id": user_id}, "recipient": {"id": self.oa_id}}
        if message is not None:
            payload["message"] = {"msg_id": "m" + secrets.token_hex(8), **message}
        return payload | extra

    def anonymous_event(self, anonymous_id: str, text: str) -> JSON:
        """An anonymous visitor (not a follower) writes; answers go to that conversation."""
        conversation = "conv" + secrets.token_hex(6)
        self.conversations[conversation] = anonymous_id
        message = {"text": text, "conversation_id": conversation}
        return self.event("anonymous_send_text", anonymous_id, message)

    def anonymous_texts(self, anonymous_id: str) -> list[str]:
        return [
            call.body["message"]["text"]
            for call in self.calls
            if call.path == ANONYMOUS_MESSAGE
            and call.error == 0
            and call.body["recipient"].get("anonymous_id") == anonymous_id
            and "text" in call.body["message"]
        ]

    def text_event(self, user_id: str, text: str) -> JSON:
        return self.event("user_send_text", user_id, {"text": text})

    def image_event(self, user_id: str, content: bytes, text: str = "") -> JSON:
        path = "/img/" + secrets.token_hex(6) + ".jpg"
        self.files[path] = content
        url = self.media_url + path
        attachment = {"type": "image", "payload": {"thumbnail": url, "url": url}}
        return self.event("user_send_image", user_id, {"text": text, "attachments": [attachment]})

    def location_event(self, user_id: str, latitude: str, longitude: str, place: str = "") -> JSON:
        attachment = {
            "type": "location",
            "payload": {"coordinates": {"latitude": latitude, "longitude": longitude}},
        }
        message = {"text": place, "attachments": [attachment]}
        return self.event("user_send_location", user_id, message)

    def signed(self, payload: JSON) -> tuple[bytes, dict[str, str]]:
        """The raw body and headers of a webhook POST, signed as Zalo signs it."""
        body = json.dumps(payload, ensure_ascii=False).encode()
        header = signature(self.app_id, body, str(payload["timestamp"]), self.oa_secret_key)
        return body, {"Content-Type": "application/json", "X-ZEvent-Signature": header}

    # -- the API ---------------------------------------------------------------------------------

    @property
    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v3.0/oa/message/cs", self._send, methods=["POST"]),
                Route(ANONYMOUS_MESSAGE, self._send_anonymous, methods=["POST"]),
                Route("/v2.0/oa/upload/image", self._upload, methods=["POST"]),
                Route("/v4/oa/access_token", self._token, methods=["POST"]),
                Route("/v4/oa/permission", self._permission, methods=["GET"]),
                Route("/img/{name}", self._file, methods=["GET"]),
            ]
        )

    def _answer(self, path: str, headers, body, error: int, data: JSON | None = None) -> Response:
        self.calls.append(Call(path, dict(headers), body, error))
        if error:
            return JSONResponse({"error": error, "message": ERRORS.get(error, "error")})
        return JSONResponse({"error": 0, "message": "Success", "data": data or {}})

    def _token_error(self, request: Request) -> int:
        token = request.headers.get("access_token", "")
        if token not in self._access:
            return -216
        if self._access[token] <= self.now:
            return -220
        return 0

    async def _message(self, request: Request) -> tuple[str, JSON | None, int]:
        """A send request's path, body and the error every send endpoint checks first (a body
        that is not JSON, the token, an injected error, the message itself)."""
        path = request.url.path
        try:
            body = json.loads(await request.body())
        except ValueError:
            return path, None, -201
        return (
            path,
            body,
            self._token_error(request) or self._pop(path) or _message_error(body, self),
        )

    async def _send(self, request: Request) -> Response:
        path, body, error = await self._message(request)
        if body is None:
            return self._answer(path, request.headers, None, error)
        if not error and set(body["recipient"]) != {"user_id"}:
            error = -201  # the consultation endpoint takes followers' ids only
        elif not error:
            user = self.users.get(body["recipient"]["user_id"])
            if user is None or not user.follower:
                error = -213
            elif user.last_interaction is None or self.now - user.last_interaction > WINDOW:
                error = -230
        data = None if error else {"message_id": f"oa{next(self._msg_ids)}", "user_id": ""}
        return self._answer(path, request.headers, body, error, data)

    async def _send_anonymous(self, request: Request) -> Response:
        """An answer to an anonymous visitor, in the conversation the visitor started."""
        path, body, error = await self._message(request)
        if body is None:
            return self._answer(path, request.headers, None, error)
        if not error and set(body["recipient"]) != {"anonymous_id", "conversation_id"}:
            error = -240  # followers are written to through the v3 consultation endpoint
        elif not error and "buttons" in (body["message"].get("attachment") or {}).get(
            "payload", {}
        ):
            error = -233  # no button template in an anonymous conversation
        data = None
        if not error:
            data = {"message_id": f"oa{next(self._msg_ids)}", **body["recipient"]}
        return self._answer(path, request.headers, body, error, data)

    async def _upload(self, request: Request) -> Response:
        path = request.url.path
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            return self._answer(path, request.headers, None, -201)
        async with request.form() as form:
            upload = form.get("file")
            if upload is None or isinstance(upload, str) or set(form.keys()) != {"file"}:
                return self._answer(path, request.headers, {k: "?" for k in form}, -201)
            content = await upload.read()
        described = {"file": (upload.filename, len(content), upload.content_type)}
        error = self._token_error(request) or self._pop(path)
        is_image = content[:3] == b"\xff\xd8\xff" or content[:8] == b"\x89PNG\r\n\x1a\n"
        if not error and (not is_image or len(content) > MAX_UPLOAD_BYTES):
            error = -201
        if error:
            return self._answer(path, request.headers, described, error)
        attachment_id = "att-" + secrets.token_hex(8)
        self.uploads[attachment_id] = content
        return self._answer(path, request.headers, described, 0, {"attachment_id": attachment_id})

    async def _token(self, request: Request) -> Response:
        path = request.url.path
        if request.headers.get("content-type", "") != "application/x-www-form-urlencoded":
            self.calls.append(Call(path, dict(request.headers), None, -14002))
            return JSONResponse({"error": -14002, "error_name": "Invalid parameter"})
        async with request.form() as received:
            form = {key: str(value) for key, value in received.items()}
        if self.refresh_delay:
            await asyncio.sleep(self.refresh_delay)
        error = 0
        grant = form.get("grant_type")
        if request.headers.get("secret_key") != self.app_secret:
            error = -14001  # invalid app secret
        elif form.get("app_id") != self.app_id or grant not in (
            "refresh_token",
            "authorization_code",
        ):
            error = -14002
        elif grant == "refresh_token" and form.get("refresh_token") not in self._refresh:
            error = -14014  # invalid (or already used) refresh token
        elif grant == "authorization_code":
            error = self._code_error(form.get("code", ""), form.get("code_verifier", ""))
        self.calls.append(Call(path, dict(request.headers), form, error))
        if error:
            return JSONResponse({"error": error, "error_name": "Invalid parameter"})
        if grant == "refresh_token":
            self._refresh.discard(form["refresh_token"])  # single use
        else:
            del self._codes[form["code"]]  # single use
        access, refresh = self.issue_tokens()
        # Zalo sends expires_in as a string.
        return JSONResponse(
            {"access_token": access, "refresh_token": refresh, "expires_in": str(self.access_ttl)}
        )

    def _code_error(self, code: str, verifier: str) -> int:
        found = self._codes.get(code)
        if found is None:
            return -14003  # unknown or spent authorization code
        challenge, expires_at = found
        if expires_at <= self.now:
            return -14004  # authorization code expired
        if not 43 <= len(verifier) <= 128 or pkce_challenge(verifier) != challenge:
            return -14005  # the verifier does not match the challenge
        return 0

    async def _permission(self, request: Request) -> Response:
        """The OA admin's consent screen, agreed at once: back to the callback with a code."""
        query = request.query_params
        self.calls.append(Call(request.url.path, dict(request.headers), dict(query), 0))
        redirect, challenge, state = (
            query.get(k, "") for k in ("redirect_uri", "code_challenge", "state")
        )
        problems = [
            query.get("app_id") != self.app_id and "unknown app_id",
            not redirect.startswith(("http://", "https://")) and "redirect_uri missing",
            self.callback_url is not None
            and redirect != self.callback_url
            and "redirect_uri not registered",
            len(challenge) != 43 and "code_challenge missing or not S256",
            not state and "state missing",
        ]
        problems = [p for p in problems if p]
        if problems:
            return Response("; ".join(problems), status_code=400, media_type="text/plain")
        code = "code-" + secrets.token_urlsafe(16)
        self._codes[code] = (challenge, self.now + CODE_TTL)
        separator = "&" if "?" in redirect else "?"
        target = (
            redirect + separator + urlencode({"code": code, "oa_id": self.oa_id, "state": state})
        )
        return Response(status_code=302, headers={"location": target})

    async def _file(self, request: Request) -> Response:
        content = self.files.get(request.url.path)
        if content is None:
            return Response(status_code=404)
        return Response(content, media_type="image/jpeg")

    def _pop(self, path: str) -> int:
        queue = self._errors.get(path)
        return queue.popleft() if queue else 0


def _recipient_ok(recipient: Any, zalo: FakeZalo) -> bool:
    if not isinstance(recipient, dict):
        return False
    if set(recipient) == {"anonymous_id", "conversation_id"}:
        return zalo.conversations.get(recipient["conversation_id"]) == recipient["anonymous_id"]
    user_id = recipient.get("user_id")
    return set(recipient) == {"user_id"} and isinstance(user_id, str) and user_id.isdigit()


def _message_error(body: Any, zalo: FakeZalo) -> int:
    """-201 unless the body has exactly the shape Zalo accepts for a consultation message."""
    if not isinstance(body, dict) or set(body) != {"recipient", "message"}:
        return -201
    recipient, message = body["recipient"], body["message"]
    if not _recipient_ok(recipient, zalo):
        return -201
    if not isinstance(message, dict) or not message or not set(message) <= {"text", "attachment"}:
        return -201
    text = message.get("text")
    if text is not None and (not isinstance(text, str) or not 0 < len(text) <= MAX_TEXT):
        return -201
    attachment = message.get("attachment")
    if attachment is None:
        return 0 if text is not None else -201
    if not isinstance(attachment, dict) or attachment.get("type") != "template":
        return -201
    payload = attachment.get("payload")
    if not isinstance(payload, dict):
        return -201
    if payload.get("template_type") == "media":
        elements = payload.get("elements")
        if set(payload) != {"template_type", "elements"} or not isinstance(elements, list):
            return -201
        if len(elements) != 1 or not isinstance(elements[0], dict):
            return -201
        element = elements[0]
        if element.get("media_type") != "image" or element.get("attachment_id") not in zalo.uploads:
            return -201
        return 0
    buttons = payload.get("buttons")
    if set(payload) != {"buttons"} or text is None or not isinstance(buttons, list):
        return -201
    if not 0 < len(buttons) <= MAX_BUTTONS:
        return -201
    for button in buttons:
        if not isinstance(button, dict) or set(button) != {"title", "type", "payload"}:
            return -201
        title = button["title"]
        if not isinstance(title, str) or not 0 < len(title) <= MAX_BUTTON_TITLE:
            return -201
        if button["type"] not in BUTTON_TYPES:
            return -201
        if button["type"].startswith("oa.query") and not isinstance(button["payload"], str):
            return -201
    return 0
