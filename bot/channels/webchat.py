"""The built-in web chat: the page a citizen sees at "/" when no messaging platform is set up.

A browser session is an anonymous random token in the "ln_chat" cookie, signed by the server
(HMAC with a key derived from the server's secret): a token the client made up is refused and a
new session is issued, so nobody can choose (or plant) a chat id. The chat id the engine and the
contact registry see is a hash of the token, so the database never holds a usable cookie. Photo
uploads are rate-limited per session, counted from the session's stored messages, so the limit
holds whichever server process each upload reaches. The
conversation is kept in `bot_webchat_message` (both directions): the page renders it, its
script polls it for officers' replies, and `send()` (the sender's channel) appends to it.

Every POST answers the page's script (webchat.js, which sends the HX-Request header htmx used
to send) with an HTML fragment (the new messages, merged into the list by id) and a plain form
with a 303 back to "/", so text, choices and photos work without JavaScript. A POST must carry
that header (not settable cross-site without CORS) or the session's form token; the cookie is
SameSite=Lax as well. All text is rendered by autoescaping Jinja2.

Each message carries the page's id for it (`client_id`): a retry of a message already stored
is answered from the conversation, never stored or answered twice (`bot_webchat_request`).
"Xóa cuộc trò chuyện trên máy này" and /xoa end the session on the device; a session idle
longer than `idle_hours` is forgotten (see README, "The web chat on cheap and shared phones").
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import contextvars
import datetime as dt
import hashlib
import hmac
import math
import re
import secrets
import time
import unicodedata
from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Engine as SqlEngine
from sqlalchemy.exc import IntegrityError
from starlette.datastructures import FormData, UploadFile

from bot import dbio
from bot.contacts import ContactRegistry
from bot.storage import webchat_messages, webchat_requests
from handlers.engine import Engine
from handlers.events import EventKind, FileRef, InboundEvent, OutboundMessage
from handlers.texts import t

HERE = Path(__file__).resolve().parent
TEMPLATES_DIR = HERE / "webchat_templates"
STATIC_DIR = HERE / "webchat_static"
STATIC_FILES = {  # served at /chat/static/<version>/<name>; nothing else is
    "favicon.svg": "image/svg+xml",
}


def _lean(source: str, comment: str) -> str:
    """The file without its whole-line comments and indentation: the page carries it on every
    first visit, and the readable original stays in the repository. Nothing else is touched
    (no line ends inside a string in these files)."""
    lines = (line.strip() for line in source.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith(comment))


def _lean_css(source: str) -> str:
    return _lean(re.sub(r"/\*.*?\*/", "", source, flags=re.S), "/*")


SCRIPT = _lean((STATIC_DIR / "webchat.js").read_text(), "//")
STYLE = _lean_css((STATIC_DIR / "webchat.css").read_text())
# The page's policy: the feedback API's, with the page's one inline script allowed by hash.
_SCRIPT_HASH = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
PAGE_CSP = (
    f"default-src 'self'; script-src 'self' 'sha256-{_SCRIPT_HASH}'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
# A versioned file never changes under its URL: a phone keeps it a year and never asks again.
IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}

COOKIE = "ln_chat"
COOKIE_FLAGS = {"path": "/", "httponly": True, "samesite": "lax"}
IDLE_HOURS = 24.0  # a shared phone forgets the chat after this long without a message
CLEAR_COMMANDS = {"xoa", "xóa", "clear"}
_CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
# The page's id of the message being handled: stored with it, so the page recognises its own
# message when it arrives by another way (a poll) and takes it out of its queue.
_CLIENT = contextvars.ContextVar("webchat_client_id", default=None)
DUPLICATE_WAIT_SECONDS = 20.0  # a retry that overtakes its first copy waits for its answer
MAX_BODY = 12 * 1024 * 1024
HISTORY = 200  # messages shown on the page
STORED_TEXT = 4000  # an over-long message is answered by the engine; we keep only its start
COMMANDS = {"start", "help", "cancel", "menu", "stop", "forget"}
VIETNAM = dt.timezone(dt.timedelta(hours=7))
NO_STORE = {"Cache-Control": "no-store"}
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$")
PHOTOS_PER_WINDOW = 10  # per session: a tip takes up to 5, and a citizen may retry a few
PHOTO_WINDOW_SECONDS = 600.0
SWEEP_EVERY_SECONDS = 600.0  # how often uploads of expired drafts are looked for
_FILE_ID = re.compile(r"^[0-9a-f]{32}\.(?:jpg|png|gif|webp)$")
TEXT = {
    "forbidden": "Yêu cầu không hợp lệ hoặc phiên trò chuyện đã hết hạn. "
    "Bạn vui lòng tải lại trang.",
    "too_large": "Dữ liệu gửi lên quá lớn (tối đa {limit} MB). Bạn vui lòng gửi ít hơn.",
    "not_image": "Mình chỉ nhận ảnh JPG, PNG, WebP hoặc GIF. Bạn chọn ảnh khác nhé.",
    "no_file": "Bạn chưa chọn ảnh nào.",
    "bad_location": "Vị trí không hợp lệ. Bạn có thể gõ địa chỉ (thôn/tổ, xã/phường).",
    "photo": "📷 Ảnh",
    "big": "(dữ liệu quá lớn)",
    "location": "📍 Vị trí: {lat:.5f}, {lon:.5f}",
    "cleared": "Đã xóa cuộc trò chuyện trên máy này. Những gì bạn đã gửi vẫn được Công an "
    "tiếp nhận và xử lý; bạn tra cứu kết quả bằng mã theo dõi.",
}
_CODE = re.compile(r"\bLN-[0-9A-Z]{4}-[0-9A-Z]{4}\b")
_IMAGES = (  # (magic test, extension, mime): decided by content, never by the name sent
    (lambda b: b.startswith(b"\xff\xd8\xff"), ".jpg", "image/jpeg"),
    (lambda b: b.startswith(b"\x89PNG\r\n\x1a\n"), ".png", "image/png"),
    (lambda b: b[:6] in (b"GIF87a", b"GIF89a"), ".gif", "image/gif"),
    (lambda b: b[:4] == b"RIFF" and b[8:12] == b"WEBP", ".webp", "image/webp"),
)


def sniff_image(content: bytes) -> tuple[str, str] | None:
    """(extension, mime) of an image we accept, from its magic bytes; None otherwise."""
    return next(((ext, mime) for test, ext, mime in _IMAGES if test(content)), None)


def chat_id_for(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_for(token: str) -> str:
    return hmac.new(token.encode(), b"ln-chat-form", hashlib.sha256).hexdigest()[:40]


async def _read_body(request: Request, limit: int) -> bytes | None:
    """The request body, or None when it is over `limit` (read no further than that)."""
    declared = request.headers.get("content-length")
    if declared is not None and (
        not (declared.isascii() and declared.isdigit()) or int(declared) > limit
    ):
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


def _is_clear(text: object) -> bool:
    """The /xoa command (with or without its diacritic) ends the chat on this device."""
    if not isinstance(text, str):
        return False
    command = unicodedata.normalize("NFC", text.strip().lower())
    return command.startswith("/") and command[1:] in CLEAR_COMMANDS


def _int(value: object) -> int | None:
    return (
        int(value)
        if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 18
        else None
    )


def _float(value: object) -> float | None:
    try:
        number = float(value) if isinstance(value, str) else math.nan
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _version(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:10]


def _receipt_code(direction: str, text: str) -> str:
    """The tracking code a receipt gives ("Mã theo dõi: LN-…"), or ""."""
    found = _CODE.search(text) if direction == "out" and "Mã theo dõi" in text else None
    return found.group(0) if found else ""


def _view(row) -> dict:
    body, created = row.message or {}, row.created_at
    if created is not None and created.tzinfo is None:  # SQLite gives back naive UTC
        created = created.replace(tzinfo=dt.UTC)
    return {
        "id": row.id,
        "direction": row.direction,
        "kind": body.get("kind", "text"),
        "title": str(body.get("title", "")),
        "text": str(body.get("text", "")),
        "buttons": body.get("buttons") or [],
        "request_location": bool(body.get("request_location")),
        "client": str(body.get("client", "")),
        # A receipt: its tracking code gets a copy button, and a shared phone is offered the
        # clearing of the chat.
        "code": _receipt_code(row.direction, str(body.get("text", ""))),
        "time": created.astimezone(VIETNAM).strftime("%H:%M") if created else "",
    }


class _Refused(Exception):
    """A polite refusal, shown in the chat as the bot's answer and sent with this status."""

    def __init__(self, status: int, text: str, shown: dict | None = None):
        super().__init__(text)
        self.status, self.text, self.shown = status, text, shown


class WebChat:
    """The web chat channel: its pages (`router`), `send` for the sender, `fetch` for photos."""

    name = "web"

    def __init__(
        self,
        engine: Engine,
        db: SqlEngine,
        upload_dir: Path,
        *,
        secure_cookies: bool = False,
        contacts: ContactRegistry | None = None,
        secret: str | None = None,
        idle_hours: float = IDLE_HOURS,
    ):
        self.engine = engine
        # Warmed before the engine runs, so its citizen reference lookup never blocks the loop.
        self.contacts = contacts
        self.db = db
        self.upload_dir = Path(upload_dir)
        self.secure_cookies = secure_cookies
        # No secret configured (tests, a one-off process): sessions last as long as the process.
        material = secret.encode() if secret else secrets.token_bytes(32)
        self._signing_key = hmac.new(material, b"ln-chat-session-v1", hashlib.sha256).digest()
        # A draft lives `idle_expiry_minutes` after its last step; its photos an hour longer.
        self.upload_lifetime = (engine.deps.limits.idle_expiry_minutes + 60) * 60.0
        self._swept_at = 0.0
        self._forgotten_at = 0.0
        self.max_photo_bytes = engine.deps.limits.max_photo_bytes
        self.idle = dt.timedelta(hours=idle_hours)
        self.versions = {name: _version(STATIC_DIR / name) for name in STATIC_FILES}
        self.templates = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=True)
        self.templates.globals["max_photo_bytes"] = self.max_photo_bytes
        self.templates.globals["asset"] = self.asset
        self.templates.globals["idle_hours"] = f"{idle_hours:g}"
        self.templates.globals["idle_ms"] = int(idle_hours * 3600 * 1000)
        # The whole stylesheet is what the first screen needs (under 2 KB compressed): inline,
        # so the first paint waits for no second request on a slow network.
        self.templates.globals["css"] = STYLE
        self.templates.globals["script"] = SCRIPT
        self._router: APIRouter | None = None

    # --- the OutboundChannel, and the engine's file fetcher for "web" ---------------------

    async def send(self, chat_id: str, message: OutboundMessage) -> None:
        """Deliver to a web chat session: its next poll (or page load) shows the message."""
        await dbio.run(self.db, self._insert, chat_id, "out", message.to_json())

    async def fetch(self, ref: FileRef) -> bytes:
        """The bytes of a photo a citizen uploaded here."""
        if not _FILE_ID.match(ref.channel_file_id):
            raise LookupError(f"not a web chat file id: {ref.channel_file_id!r}")
        return await asyncio.to_thread((self.upload_dir / ref.channel_file_id).read_bytes)

    async def release(self, ref: FileRef) -> None:
        """Delete a photo no draft needs: the tip was sent (the feedback API keeps the sealed
        original and a cleaned copy) or the draft ended. Photos carry GPS; none linger here."""
        if _FILE_ID.match(ref.channel_file_id):
            await asyncio.to_thread((self.upload_dir / ref.channel_file_id).unlink, True)

    def sweep(self, now: float | None = None) -> int:
        """Delete uploads older than a draft can live (drafts that expired unseen)."""
        now = time.time() if now is None else now
        deadline = now - self.upload_lifetime
        removed = 0
        for path in self.upload_dir.glob("*"):
            with contextlib.suppress(FileNotFoundError):
                if path.stat().st_mtime < deadline:
                    path.unlink()
                    removed += 1
        self._swept_at = now
        return removed

    # --- storage --------------------------------------------------------------------------

    def _insert(self, chat_id: str, direction: str, body: dict) -> int:
        now = dt.datetime.now(dt.UTC)
        query = insert(webchat_messages).values(
            session_id=chat_id, direction=direction, message=body, created_at=now
        )
        with self.db.begin() as connection:
            return connection.execute(query).inserted_primary_key[0]

    def _photos_taken(self, chat_id: str) -> int:
        """Photos this session uploaded (and we accepted) within the last window: the stored
        messages are the one record every process shares."""
        since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=PHOTO_WINDOW_SECONDS)
        table = webchat_messages
        query = select(table.c.message).where(
            table.c.session_id == chat_id, table.c.direction == "in", table.c.created_at >= since
        )
        with self.db.begin() as connection:
            shown = connection.execute(query).scalars()
            return sum(1 for m in shown if m.get("kind") == "photo" and "size" in m)

    def _rows(self, chat_id: str, after: int | None = None, limit: int = HISTORY) -> list:
        """Messages after id `after`, or (None) the latest `limit`; oldest first."""
        table = webchat_messages
        query = select(table).where(table.c.session_id == chat_id)
        if after is None:
            query = query.order_by(table.c.id.desc()).limit(limit)
        else:
            query = query.where(table.c.id > after).order_by(table.c.id).limit(limit)
        with self.db.begin() as connection:
            rows = connection.execute(query).all()
        return rows[::-1] if after is None else rows

    def _claim(self, chat_id: str, client_id: str) -> bool:
        """Record that the page's message `client_id` is being handled; False if it was
        already (a retry): the database's primary key decides, so two processes agree."""
        row = {"session_id": chat_id, "client_id": client_id, "done": False}
        try:
            with self.db.begin() as connection:
                connection.execute(
                    insert(webchat_requests).values(**row, created_at=dt.datetime.now(dt.UTC))
                )
        except IntegrityError:
            return False
        return True

    def _finish(self, chat_id: str, client_id: str) -> None:
        table = webchat_requests
        with self.db.begin() as connection:
            connection.execute(
                update(table)
                .where(table.c.session_id == chat_id, table.c.client_id == client_id)
                .values(done=True)
            )

    def _is_done(self, chat_id: str, client_id: str) -> bool:
        table = webchat_requests
        query = select(table.c.done).where(
            table.c.session_id == chat_id, table.c.client_id == client_id
        )
        with self.db.begin() as connection:
            return bool(connection.execute(query).scalar())

    async def _await_first(self, chat_id: str, client_id: str) -> None:
        """A retry that arrived while its first copy is still being answered waits for it, so
        the answer it returns is complete."""
        deadline = time.monotonic() + DUPLICATE_WAIT_SECONDS
        while time.monotonic() < deadline:
            if await dbio.run(self.db, self._is_done, chat_id, client_id):
                return
            await asyncio.sleep(0.1)

    def _erase(self, chat_id: str) -> None:
        """Delete a session's conversation (both directions) and its message ids."""
        with self.db.begin() as connection:
            for table in (webchat_messages, webchat_requests):
                connection.execute(delete(table).where(table.c.session_id == chat_id))

    def forget_idle(self) -> int:
        """Delete the conversations of every session idle longer than the idle time, visited
        again or not: a shared phone's chat is not kept on the server either. Returns how
        many sessions were forgotten."""
        table = webchat_messages
        cutoff = dt.datetime.now(dt.UTC) - self.idle
        idle = (
            select(table.c.session_id)
            .group_by(table.c.session_id)
            .having(func.max(table.c.created_at) < cutoff)
        )
        with self.db.begin() as connection:
            sessions = list(connection.execute(idle).scalars())
        for chat_id in sessions:
            self._erase(chat_id)
        return len(sessions)

    def _idle(self, chat_id: str) -> bool:
        """True when the session's last message is older than the idle time."""
        rows = self._rows(chat_id, None, 1)
        if not rows or rows[-1].created_at is None:
            return False
        last = rows[-1].created_at
        last = last if last.tzinfo else last.replace(tzinfo=dt.UTC)
        return dt.datetime.now(dt.UTC) - last > self.idle

    def _last_id(self, chat_id: str) -> int:
        rows = self._rows(chat_id, None, 1)
        return rows[-1].id if rows else 0

    def _label(self, chat_id: str, data: str) -> str:
        """The label of the button pressed, from the latest messages the citizen saw."""
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
                            return str(button.get("label") or data)
        return data

    def _store_photo(self, content: bytes, extension: str) -> str:
        self.upload_dir.mkdir(parents=True, exist_ok=True)
        if time.time() - self._swept_at > SWEEP_EVERY_SECONDS:
            self.sweep()
        file_id = secrets.token_hex(16) + extension
        partial = self.upload_dir / (file_id + ".part")
        partial.write_bytes(content)
        partial.replace(self.upload_dir / file_id)
        return file_id

    # --- conversation ---------------------------------------------------------------------

    async def _converse(self, chat_id: str, shown: dict, kind: EventKind, **fields) -> None:
        """Record what the citizen did, let the engine answer, record the answers."""
        if (client := _CLIENT.get()) is not None:
            shown = {**shown, "client": client}
        row_id = await dbio.run(self.db, self._insert, chat_id, "in", shown)
        if self.contacts is not None:
            await self.contacts.seen(self.name, chat_id)
        event = InboundEvent(
            channel=self.name, chat_id=chat_id, kind=kind, event_id=f"web-{row_id}", **fields
        )
        for message in await self.engine.handle(event):
            await self.send(chat_id, message)

    async def _refuse(self, chat_id: str, refusal: _Refused) -> None:
        if refusal.shown:
            shown = refusal.shown
            if (client := _CLIENT.get()) is not None:
                shown = {**shown, "client": client}
            await dbio.run(self.db, self._insert, chat_id, "in", shown)
        await dbio.run(self.db, self._insert, chat_id, "out", {"text": refusal.text})

    async def _on_send(self, chat_id: str, form: FormData) -> None:
        raw = form.get("text")
        text = raw if isinstance(raw, str) else ""
        shown = {"text": text[:STORED_TEXT] + ("…" if len(text) > STORED_TEXT else "")}
        command = text.strip().lower()
        if command.startswith("/") and command[1:] in COMMANDS:
            shown["kind"] = "command"
            await self._converse(chat_id, shown, EventKind.COMMAND, data=command[1:])
        else:
            await self._converse(chat_id, shown, EventKind.TEXT, text=text)

    async def _on_press(self, chat_id: str, form: FormData) -> None:
        raw = form.get("data")
        data = raw[:64] if isinstance(raw, str) else ""
        label = await dbio.run(self.db, self._label, chat_id, data)
        shown = {"text": label, "kind": "button", "data": data}
        await self._converse(chat_id, shown, EventKind.BUTTON, data=data)

    async def _on_location(self, chat_id: str, form: FormData) -> None:
        lat, lon = _float(form.get("lat")), _float(form.get("lon"))
        if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise _Refused(422, TEXT["bad_location"])
        shown = {"text": TEXT["location"].format(lat=lat, lon=lon), "kind": "location"}
        await self._converse(chat_id, shown, EventKind.LOCATION, latitude=lat, longitude=lon)

    async def _on_photo(self, chat_id: str, form: FormData) -> None:
        shown = {"text": TEXT["photo"], "kind": "photo"}
        if await dbio.run(self.db, self._photos_taken, chat_id) >= PHOTOS_PER_WINDOW:
            raise _Refused(429, t("tip.photo_rate_limited"), shown)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise _Refused(422, TEXT["no_file"], shown)
        content = await upload.read(self.max_photo_bytes + 1)
        if len(content) > self.max_photo_bytes:
            raise _Refused(413, self._too_large_photo(), shown)
        image = sniff_image(content)
        if image is None:
            raise _Refused(415, TEXT["not_image"], shown)
        extension, mime = image
        file_id = await asyncio.to_thread(self._store_photo, content, extension)
        ref = FileRef(file_id, size=len(content), mime=mime, name=f"anh{extension}")
        await self._converse(chat_id, {**shown, "size": len(content)}, EventKind.PHOTO, file=ref)

    def _too_large_photo(self) -> str:
        return t("tip.photo_too_large", limit=self.max_photo_bytes // (1024 * 1024))

    # --- HTTP -----------------------------------------------------------------------------

    @property
    def router(self) -> APIRouter:
        """GET /, /chat/poll, /chat/static/<version>/<name>; POST /chat/send, press, location,
        photo, clear."""
        if self._router is None:
            router = APIRouter(include_in_schema=False)
            router.add_api_route("/", self.page, methods=["GET"], response_class=HTMLResponse)
            router.add_api_route("/chat/poll", self.poll, methods=["GET"])
            router.add_api_route("/chat/static/{version}/{name}", self.static, methods=["GET"])
            router.add_api_route("/chat/clear", self.clear, methods=["POST"])
            for path in ("send", "press", "location", "photo"):
                on_post = getattr(self, f"_on_{path}")
                router.add_api_route(f"/chat/{path}", self._endpoint(on_post), methods=["POST"])
            self._router = router
        return self._router

    def _signature(self, nonce: str) -> str:
        digest = hmac.new(self._signing_key, nonce.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def new_token(self) -> str:
        """A fresh session token: a random nonce and the server's signature of it."""
        nonce = secrets.token_urlsafe(32)
        return f"{nonce}.{self._signature(nonce)}"

    def _token(self, request: Request) -> str | None:
        """The session token, only if this server issued it."""
        token = request.cookies.get(COOKIE, "")
        if not _TOKEN.match(token):
            return None
        nonce, _, signature = token.partition(".")
        return (
            token
            if hmac.compare_digest(signature.encode(), self._signature(nonce).encode())
            else None
        )

    def asset(self, name: str) -> str:
        """The versioned URL of a static file: its content hash is in the path."""
        return f"/chat/static/{self.versions[name]}/{name}"

    def _render(self, template: str, token: str, rows: list, **context) -> str:
        messages = [_view(row) for row in rows]
        # Choices already answered stay visible but leave the Tab order: the keyboard goes
        # from the newest question straight to the text box.
        last_in = max((i for i, m in enumerate(messages) if m["direction"] == "in"), default=-1)
        for index, view in enumerate(messages):
            view["answered"] = index < last_in
        return self.templates.get_template(template).render(
            messages=messages,
            csrf=csrf_for(token),
            client_id=secrets.token_urlsafe(16),  # a plain form's resubmission is one message
            **context,
        )

    def _set_cookie(self, response: Response, token: str) -> None:
        """The cookie lives as long as the chat may stay idle on the device, renewed by use."""
        max_age = int(self.idle.total_seconds())
        response.set_cookie(
            COOKIE, token, max_age=max_age, secure=self.secure_cookies, **COOKIE_FLAGS
        )

    def _fragment(self, token: str, rows: list, after: int | None, status: int = 200) -> Response:
        """New messages for the page, and its new cursor when there is one."""
        html = self._render("messages.html", token, rows, oob_after=after)
        return HTMLResponse(html, status_code=status, headers=NO_STORE)

    async def page(self, request: Request, start: str = "", xoa: str = "") -> Response:
        if time.monotonic() - self._forgotten_at > SWEEP_EVERY_SECONDS:
            self._forgotten_at = time.monotonic()
            await dbio.run(self.db, self.forget_idle)
        token = self._token(request)
        if token is not None and await dbio.run(self.db, self._idle, chat_id_for(token)):
            # Idle too long on this device (a shared phone): the next person starts afresh.
            await self._end(chat_id_for(token))
            token = None
        token = token or self.new_token()
        chat_id = chat_id_for(token)
        rows = await dbio.run(self.db, self._rows, chat_id)
        payload = start.strip()[:64]
        if not rows or payload:
            # First visit: the welcome and the menu. A deep link ("/?start=f_<code>" from a
            # forum's poster, "/?start=tip") opens its flow on a returning visit too, then the
            # page moves to "/" so a reload does not start the flow again.
            shown = {"text": "/start", "kind": "start"}
            await self._converse(chat_id, shown, EventKind.START, data=payload)
            if payload:
                moved = RedirectResponse("/", status_code=303, headers=NO_STORE)
                self._set_cookie(moved, token)
                return moved
            rows = await dbio.run(self.db, self._rows, chat_id)
        cleared = TEXT["cleared"] if xoa else ""
        html = self._render(
            "page.html", token, rows, after=rows[-1].id if rows else 0, cleared=cleared
        )
        headers = {**NO_STORE, "Content-Security-Policy": PAGE_CSP}
        response = HTMLResponse(html, headers=headers)
        self._set_cookie(response, token)
        return response

    async def _end(self, chat_id: str) -> None:
        """End a session on this device: its draft is cancelled and its conversation deleted.
        What was submitted stays with the police, reachable by its tracking code."""
        event = InboundEvent(
            channel=self.name,
            chat_id=chat_id,
            kind=EventKind.COMMAND,
            event_id=f"web-end-{secrets.token_hex(8)}",
            data="cancel",
        )
        with contextlib.suppress(Exception):  # nothing to cancel is fine; deleting must happen
            await self.engine.handle(event)
        await dbio.run(self.db, self._erase, chat_id)

    async def clear(self, request: Request) -> Response:
        """ "Xóa cuộc trò chuyện trên máy này": a plain form (with or without the script). The
        first tap answers a page that asks again and repeats the conversation's tracking codes
        (once cleared, this device no longer shows them); the second (`confirm=1`) ends the
        session: the browser gets the cookie deleted and a fresh page. The typed /xoa command
        ends it at once (see `_post`)."""
        token = self._token(request)
        if token is None:
            return self._cleared()
        body = await _read_body(request, 64 * 1024)
        replayed = Request(request.scope, _replay(body or b""))
        async with replayed.form(max_files=0, max_fields=10) as form:
            sent = form.get("csrf_token")
            valid = isinstance(sent, str) and hmac.compare_digest(
                sent.encode(), csrf_for(token).encode()
            )
            confirmed = form.get("confirm") == "1"
        if not (valid or request.headers.get("hx-request") == "true"):
            return HTMLResponse(TEXT["forbidden"], status_code=403, headers=NO_STORE)
        chat_id = chat_id_for(token)
        if not confirmed:  # a tap too many must not lose the only copy of a tracking code
            rows = await dbio.run(self.db, self._rows, chat_id)
            codes = list(dict.fromkeys(v["code"] for v in map(_view, rows) if v["code"]))
            html = self.templates.get_template("clear.html").render(
                csrf=csrf_for(token), codes=codes
            )
            return HTMLResponse(html, headers=NO_STORE)
        await self._end(chat_id)
        return self._cleared()

    def _cleared(self) -> Response:
        response = RedirectResponse("/?xoa=1", status_code=303, headers=NO_STORE)
        response.headers["X-Chat-Cleared"] = "1"
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")
        return response

    async def poll(self, request: Request, after: int = 0) -> Response:
        token = self._token(request)
        if token is None:
            return Response(status_code=204, headers=NO_STORE)
        rows = await dbio.run(self.db, self._rows, chat_id_for(token), max(after, 0), 100)
        if not rows:
            return Response(status_code=204, headers=NO_STORE)
        return self._fragment(token, rows, rows[-1].id)

    async def static(self, version: str, name: str) -> Response:
        if name not in STATIC_FILES:
            return Response(status_code=404)
        # An old version's URL (a page cached before a release) gets today's file, uncached.
        cache = IMMUTABLE if version == self.versions[name] else {"Cache-Control": "no-cache"}
        return FileResponse(STATIC_DIR / name, media_type=STATIC_FILES[name], headers=cache)

    def _endpoint(self, on_post: Callable[[str, FormData], Awaitable[None]]):
        async def endpoint(request: Request) -> Response:
            return await self._post(request, on_post)

        return endpoint

    async def _post(self, request: Request, on_post) -> Response:
        token = self._token(request)
        htmx = request.headers.get("hx-request") == "true"  # the page's script
        if token is None:  # no session: nothing to protect, nowhere to answer
            return HTMLResponse(TEXT["forbidden"], status_code=403, headers=NO_STORE)
        chat_id = chat_id_for(token)
        body = await _read_body(request, MAX_BODY)
        if body is None:
            photo = on_post == self._on_photo
            limit = MAX_BODY // (1024 * 1024)
            text = self._too_large_photo() if photo else TEXT["too_large"].format(limit=limit)
            if not htmx:  # its form token is in the body we refused to read: store nothing
                return HTMLResponse(text, status_code=413, headers=NO_STORE)
            since = await dbio.run(self.db, self._last_id, chat_id)
            await self._refuse(
                chat_id, _Refused(413, text, {"text": TEXT["photo" if photo else "big"]})
            )
            rows = await dbio.run(self.db, self._rows, chat_id, since)
            return self._fragment(token, rows, None, status=413)
        replayed = Request(request.scope, _replay(body))
        async with replayed.form(max_files=1, max_fields=10, max_part_size=MAX_BODY) as form:
            sent = form.get("csrf_token")
            valid = isinstance(sent, str) and hmac.compare_digest(
                sent.encode(), csrf_for(token).encode()
            )
            if not (htmx or valid):
                return HTMLResponse(TEXT["forbidden"], status_code=403, headers=NO_STORE)
            if on_post == self._on_send and _is_clear(form.get("text")):
                await self._end(chat_id)
                return self._cleared()
            after, status = _int(form.get("after")), 200
            since = after if after is not None else await dbio.run(self.db, self._last_id, chat_id)
            raw_id = form.get("client_id")
            client_id = raw_id if isinstance(raw_id, str) and _CLIENT_ID.match(raw_id) else None
            first = client_id is None or await dbio.run(self.db, self._claim, chat_id, client_id)
            if not first:  # a retry of a message already stored: answer from the conversation
                await self._await_first(chat_id, client_id)
            else:
                marker = _CLIENT.set(client_id)
                try:
                    await on_post(chat_id, form)
                except _Refused as refusal:
                    await self._refuse(chat_id, refusal)
                    status = refusal.status
                finally:
                    _CLIENT.reset(marker)
                    if client_id is not None:
                        await dbio.run(self.db, self._finish, chat_id, client_id)
        rows = await dbio.run(self.db, self._rows, chat_id, since)
        if not htmx:
            # Without the script the browser lands on the citizen's own message, so a long
            # answer is read from its start (its bold title) rather than from its end.
            anchor = f"m-{rows[0].id}" if rows else "cuoi"
            response = RedirectResponse(f"/#{anchor}", status_code=303, headers=NO_STORE)
            self._set_cookie(response, token)
            return response
        # The page's cursor moves on only if it said where it was: then the list has no gap.
        cursor = rows[-1].id if after is not None and rows else None
        response = self._fragment(token, rows, cursor, status=status)
        self._set_cookie(response, token)  # the idle time counts from the last message
        return response
