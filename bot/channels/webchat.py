"""The built-in web chat: the page a citizen sees at "/" when no messaging platform is set up.

A browser session is an anonymous random token in the "ln_chat" cookie; the chat id the engine
and the contact registry see is a hash of it, so the database never holds a usable cookie. The
conversation is kept in `bot_webchat_message` (both directions): the page renders it, htmx polls
it for officers' replies, and `send()` (the sender's channel) appends to it.

Every POST answers htmx with an HTML fragment (new messages, appended to the list) and a plain
form with a 303 back to "/", so sending text works without JavaScript. A POST must carry the
HX-Request header (not settable cross-site without CORS) or the session's form token; the
cookie is SameSite=Lax as well. All text is rendered by autoescaping Jinja2.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine as SqlEngine
from starlette.datastructures import FormData, UploadFile

from bot.storage import webchat_messages
from handlers.engine import Engine
from handlers.events import EventKind, FileRef, InboundEvent, OutboundMessage
from handlers.texts import t

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
TEMPLATES_DIR = HERE / "webchat_templates"
STATIC_DIR = HERE / "webchat_static"
STATIC_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
}

COOKIE = "ln_chat"
COOKIE_MAX_AGE = 90 * 24 * 3600
MAX_BODY = 12 * 1024 * 1024
HISTORY = 200  # messages shown on the page
STORED_TEXT = 4000  # an over-long message is answered by the engine; we keep only its start
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")
_FILE_ID = re.compile(r"^[0-9a-f]{32}\.(?:jpg|png|gif|webp)$")
COMMANDS = {"start", "help", "cancel", "menu", "stop"}
VIETNAM = dt.timezone(dt.timedelta(hours=7))
NO_STORE = {"Cache-Control": "no-store"}
# htmx swaps 2xx and our polite refusals (413 too large, 415 not an image); other errors are
# reported by webchat.js. No eval: the page runs under a script-src 'self' CSP.
HTMX_CONFIG = (
    '{"responseHandling": [{"code": "204", "swap": false}, {"code": "[23]..", "swap": true},'
    ' {"code": "41[35]", "swap": true, "error": false},'
    ' {"code": "[45]..", "swap": false, "error": true}],'
    ' "includeIndicatorStyles": false, "allowEval": false, "allowScriptTags": false}'
)

TEXT = {
    "forbidden": "Yêu cầu không hợp lệ hoặc phiên trò chuyện đã hết hạn. Bạn vui lòng tải lại trang.",
    "too_large": "Dữ liệu gửi lên quá lớn (tối đa {limit} MB). Bạn vui lòng gửi ít hơn.",
    "not_image": "Mình chỉ nhận ảnh JPG, PNG, WebP hoặc GIF. Bạn chọn ảnh khác nhé.",
    "no_file": "Bạn chưa chọn ảnh nào.",
    "bad_location": "Vị trí không hợp lệ. Bạn có thể gõ địa chỉ (thôn/tổ, xã/phường).",
    "photo": "📷 Ảnh",
    "location": "📍 Vị trí: {lat:.5f}, {lon:.5f}",
}

_IMAGES = (  # (magic test, extension, mime): decided by content, never by the name sent
    (lambda b: b.startswith(b"\xff\xd8\xff"), ".jpg", "image/jpeg"),
    (lambda b: b.startswith(b"\x89PNG\r\n\x1a\n"), ".png", "image/png"),
    (lambda b: b[:6] in (b"GIF87a", b"GIF89a"), ".gif", "image/gif"),
    (lambda b: b[:4] == b"RIFF" and b[8:12] == b"WEBP", ".webp", "image/webp"),
)


def sniff_image(content: bytes) -> tuple[str, str] | None:
    """(extension, mime) of an image we accept, from its magic bytes; None otherwise."""
    for test, extension, mime in _IMAGES:
        if test(content):
            return extension, mime
    return None


def chat_id_for(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_for(token: str) -> str:
    return hmac.new(token.encode(), b"ln-chat-form", hashlib.sha256).hexdigest()[:40]


def message_json(message: OutboundMessage) -> dict:
    buttons = [[{"label": b.label, "data": b.data} for b in row] for row in message.buttons]
    return {"text": message.text, "buttons": buttons, "request_location": message.request_location}


async def _read_body(request: Request, limit: int) -> bytes | None:
    """The request body, or None when it is over `limit` (read no further than that)."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        return None
    chunks, seen = [], 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _replay(body: bytes) -> Callable[[], Awaitable[dict]]:
    async def receive() -> dict:
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def _int(value: object) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) < 18 else None


def _float(value: object) -> float | None:
    try:
        number = float(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return number if number is not None and abs(number) != float("inf") else None


class _Refused(Exception):
    """A polite refusal: shown in the chat as the bot's answer, with this HTTP status."""

    def __init__(self, status: int, text: str):
        super().__init__(text)
        self.status, self.text = status, text


class WebChat:
    name = "web"

    def __init__(
        self, engine: Engine, db: SqlEngine, upload_dir: Path, *, secure_cookies: bool = False
    ):
        self.engine = engine
        self.db = db
        self.upload_dir = Path(upload_dir)
        self.secure_cookies = secure_cookies
        self.max_photo_bytes = engine.deps.limits.max_photo_bytes
        self.templates = Environment(
            loader=FileSystemLoader(TEMPLATES_DIR),
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._router: APIRouter | None = None

    # --- the OutboundChannel and the engine's file fetcher -------------------------------

    async def send(self, chat_id: str, message: OutboundMessage) -> None:
        """Deliver to a web chat session: the next poll (or page load) shows it."""
        await asyncio.to_thread(self._insert, chat_id, "out", message_json(message))

    async def fetch(self, ref: FileRef) -> bytes:
        """The bytes of a photo a citizen uploaded here (the engine's fetcher for "web")."""
        if not _FILE_ID.match(ref.channel_file_id):
            raise LookupError(f"not a web chat file id: {ref.channel_file_id!r}")
        return await asyncio.to_thread((self.upload_dir / ref.channel_file_id).read_bytes)

    # --- storage --------------------------------------------------------------------------

    def _insert(self, chat_id: str, direction: str, body: dict) -> int:
        row = {
            "session_id": chat_id,
            "direction": direction,
            "message": body,
            "created_at": dt.datetime.now(dt.UTC),
        }
        with self.db.begin() as connection:
            return connection.execute(insert(webchat_messages).values(**row)).inserted_primary_key[
                0
            ]

    def _rows(self, chat_id: str, after: int | None = None, limit: int = HISTORY) -> list:
        table = webchat_messages
        query = select(table).where(table.c.session_id == chat_id)
        if after is None:  # the latest `limit`, oldest first
            query = query.order_by(table.c.id.desc()).limit(limit)
        else:
            query = query.where(table.c.id > after).order_by(table.c.id).limit(limit)
        with self.db.begin() as connection:
            rows = connection.execute(query).all()
        return rows[::-1] if after is None else rows

    def _last_id(self, chat_id: str) -> int:
        rows = self._rows(chat_id, None, 1)
        return rows[-1].id if rows else 0

    def _label(self, chat_id: str, data: str) -> str:
        """The label of the button the citizen pressed, from the latest messages they saw."""
        table = webchat_messages
        query = (
            select(table.c.message)
            .where(table.c.session_id == chat_id, table.c.direction == "out")
            .order_by(table.c.id.desc())
            .limit(30)
        )
        with self.db.begin() as connection:
            for (body,) in connection.execute(query):
                for row in body.get("buttons") or []:
                    for button in row:
                        if button.get("data") == data:
                            return str(button.get("label", data))
        return data

    def _store_photo(self, content: bytes, extension: str) -> str:
        self.upload_dir.mkdir(parents=True, exist_ok=True)
        file_id = secrets.token_hex(16) + extension
        partial = self.upload_dir / (file_id + ".part")
        partial.write_bytes(content)
        partial.replace(self.upload_dir / file_id)
        return file_id

    # --- conversation ---------------------------------------------------------------------

    async def _converse(self, chat_id: str, shown: dict, kind: EventKind, **fields) -> None:
        """Record what the citizen did, let the engine answer, record the answers."""
        row_id = await asyncio.to_thread(self._insert, chat_id, "in", shown)
        event = InboundEvent(
            channel=self.name, chat_id=chat_id, kind=kind, event_id=f"web-{row_id}", **fields
        )
        for message in await self.engine.handle(event):
            await self.send(chat_id, message)

    async def _refuse(self, chat_id: str, shown: dict, refusal: _Refused) -> None:
        await asyncio.to_thread(self._insert, chat_id, "in", shown)
        await asyncio.to_thread(self._insert, chat_id, "out", {"text": refusal.text})

    async def _on_text(self, chat_id: str, form: FormData) -> None:
        raw = form.get("text")
        text = raw if isinstance(raw, str) else ""
        shown = {
            "text": text[:STORED_TEXT] + ("…" if len(text) > STORED_TEXT else ""),
            "kind": "text",
        }
        command = text.strip().lower()
        if command.startswith("/") and command[1:] in COMMANDS:
            await self._converse(
                chat_id, {**shown, "kind": "command"}, EventKind.COMMAND, data=command[1:]
            )
        else:
            await self._converse(chat_id, shown, EventKind.TEXT, text=text)

    async def _on_press(self, chat_id: str, form: FormData) -> None:
        raw = form.get("data")
        data = raw[:64] if isinstance(raw, str) else ""
        label = await asyncio.to_thread(self._label, chat_id, data)
        await self._converse(
            chat_id, {"text": label, "kind": "button", "data": data}, EventKind.BUTTON, data=data
        )

    async def _on_location(self, chat_id: str, form: FormData) -> None:
        lat, lon = _float(form.get("lat")), _float(form.get("lon"))
        if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise _Refused(422, TEXT["bad_location"])
        shown = {"text": TEXT["location"].format(lat=lat, lon=lon), "kind": "location"}
        await self._converse(chat_id, shown, EventKind.LOCATION, latitude=lat, longitude=lon)

    async def _on_photo(self, chat_id: str, form: FormData) -> None:
        shown = {"text": TEXT["photo"], "kind": "photo"}
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise _Refused(422, TEXT["no_file"])
        content = await upload.read(self.max_photo_bytes + 1)
        if len(content) > self.max_photo_bytes:
            raise _Refused(413, self._too_large_photo())
        image = sniff_image(content)
        if image is None:
            raise _Refused(415, TEXT["not_image"])
        extension, mime = image
        file_id = await asyncio.to_thread(self._store_photo, content, extension)
        ref = FileRef(file_id, size=len(content), mime=mime, name=f"anh{extension}")
        await self._converse(chat_id, {**shown, "size": len(content)}, EventKind.PHOTO, file=ref)

    def _too_large_photo(self) -> str:
        return t("tip.photo_too_large", limit=self.max_photo_bytes // (1024 * 1024))

    # --- HTTP -----------------------------------------------------------------------------

    @property
    def router(self) -> APIRouter:
        if self._router is None:
            self._router = self._build_router()
        return self._router

    def _build_router(self) -> APIRouter:
        router = APIRouter(include_in_schema=False)
        router.add_api_route("/", self.page, methods=["GET"], response_class=HTMLResponse)
        router.add_api_route("/chat/poll", self.poll, methods=["GET"])
        router.add_api_route("/chat/static/{name}", self.static, methods=["GET"])
        posts = {
            "send": self._on_text,
            "press": self._on_press,
            "location": self._on_location,
            "photo": self._on_photo,
        }
        for path, on_post in posts.items():
            router.add_api_route(
                f"/chat/{path}",
                self._post_endpoint(on_post),
                methods=["POST"],
                name=f"webchat_{path}",
            )
        return router

    @staticmethod
    def _token(request: Request) -> str | None:
        token = request.cookies.get(COOKIE, "")
        return token if _TOKEN.match(token) else None

    def _set_cookie(self, response: Response, token: str) -> None:
        response.set_cookie(
            COOKIE,
            token,
            max_age=COOKIE_MAX_AGE,
            path="/",
            httponly=True,
            samesite="lax",
            secure=self.secure_cookies,
        )

    def _render(self, template: str, **context) -> str:
        return self.templates.get_template(template).render(**context)

    def _fragment(self, token: str, rows: list, after: int | None, status: int = 200) -> Response:
        """New messages for htmx; `after` moves on only when the list has no gap before them."""
        html = self._render(
            "messages.html",
            messages=[_view(r) for r in rows],
            csrf=csrf_for(token),
            oob_after=after,
        )
        return HTMLResponse(html, status_code=status, headers=NO_STORE)

    async def page(self, request: Request, start: str = "") -> HTMLResponse:
        token = self._token(request) or secrets.token_urlsafe(32)
        chat_id = chat_id_for(token)
        rows = await asyncio.to_thread(self._rows, chat_id)
        if not rows:  # first visit: the welcome and the menu ("/?start=tip" deep links)
            await self._converse(
                chat_id, {"text": "/start", "kind": "start"}, EventKind.START, data=start[:64]
            )
            rows = await asyncio.to_thread(self._rows, chat_id)
        html = self._render(
            "page.html",
            messages=[_view(r) for r in rows],
            csrf=csrf_for(token),
            after=rows[-1].id if rows else 0,
            htmx_config=HTMX_CONFIG,
            max_photo_bytes=self.max_photo_bytes,
        )
        response = HTMLResponse(html, headers=NO_STORE)
        self._set_cookie(response, token)
        return response

    async def poll(self, request: Request, after: int = 0) -> Response:
        token = self._token(request)
        if token is None:
            return Response(status_code=204, headers=NO_STORE)
        rows = await asyncio.to_thread(self._rows, chat_id_for(token), max(after, 0), 100)
        if not rows:
            return Response(status_code=204, headers=NO_STORE)
        return self._fragment(token, rows, rows[-1].id)

    async def static(self, name: str) -> Response:
        path = STATIC_DIR / name
        if "/" in name or name.startswith(".") or path.suffix not in STATIC_TYPES:
            return Response(status_code=404)
        if not path.is_file():
            return Response(status_code=404)
        return FileResponse(
            path,
            media_type=STATIC_TYPES[path.suffix],
            headers={"Cache-Control": "public, max-age=3600"},
        )

    def _post_endpoint(self, on_post: Callable[[str, FormData], Awaitable[None]]):
        async def endpoint(request: Request) -> Response:
            return await self._post(request, on_post)

        return endpoint

    async def _post(self, request: Request, on_post) -> Response:
        token = self._token(request)
        htmx = request.headers.get("hx-request") == "true"
        if token is None:  # no session: nothing to protect, nothing to answer into
            return HTMLResponse(TEXT["forbidden"], status_code=403, headers=NO_STORE)
        chat_id = chat_id_for(token)
        body = await _read_body(request, MAX_BODY)
        if body is None:
            photo = on_post == self._on_photo
            limit = MAX_BODY // (1024 * 1024)
            refusal = _Refused(413, self._too_large_photo() if photo
                               else TEXT["too_large"].format(limit=limit))
            if not htmx:  # the form token is in the body we refused to read: store nothing
                return HTMLResponse(refusal.text, status_code=413, headers=NO_STORE)
            since = await asyncio.to_thread(self._last_id, chat_id)
            await self._refuse(chat_id, {"text": TEXT["photo"] if photo else "…"}, refusal)
            rows = await asyncio.to_thread(self._rows, chat_id, since)
            return self._fragment(token, rows, None, status=413)
        replayed = Request(request.scope, _replay(body))
        async with replayed.form(max_files=1, max_fields=10, max_part_size=MAX_BODY) as form:
            sent = form.get("csrf_token")
            if not htmx and not (isinstance(sent, str)
                                 and hmac.compare_digest(sent, csrf_for(token))):
                return HTMLResponse(TEXT["forbidden"], status_code=403, headers=NO_STORE)
            after, status = _int(form.get("after")), 200
            since = after if after is not None else await asyncio.to_thread(self._last_id, chat_id)
            try:
                await on_post(chat_id, form)
            except _Refused as refusal:
                await asyncio.to_thread(self._insert, chat_id, "out", {"text": refusal.text})
                status = refusal.status
        if not htmx:
            return RedirectResponse("/#cuoi", status_code=303, headers=NO_STORE)
        rows = await asyncio.to_thread(self._rows, chat_id, since)
        # The page's cursor moves on only when it told us where it was (no gap is possible).
        return self._fragment(token, rows, rows[-1].id if after is not None and rows else None,
                              status=status)


def _view(row) -> dict:
    body = row.message or {}
    created = row.created_at
    if created is not None and created.tzinfo is None:
        created = created.replace(tzinfo=dt.UTC)
    return {
        "id": row.id,
        "direction": row.direction,
        "kind": body.get("kind", "text"),
        "text": str(body.get("text", "")),
        "buttons": body.get("buttons") or [],
        "request_location": bool(body.get("request_location")),
        "time": created.astimezone(VIETNAM).strftime("%H:%M") if created else "",
    }
