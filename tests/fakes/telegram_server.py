"""A fake Telegram Bot API server for end-to-end tests.

Why a real HTTP server rather than mocking ``telegram.Bot``: the bot under test keeps its genuine
python-telegram-bot (PTB) stack — parameter encoding, JSON de-serialisation, error mapping
(``RetryAfter``, ``Forbidden``), polling and webhook plumbing — so tests catch the mistakes mocks
paper over, and never touch api.telegram.org.

PTB 22 composes URLs as ``base_url + token + "/" + method`` and ``base_file_url + token + "/" +
file_path``, hence the ``/bot`` and ``/file/bot`` suffixes of :attr:`FakeTelegram.base_url` and
:attr:`FakeTelegram.base_file_url`::

    with FakeTelegram() as tg:
        app = (ApplicationBuilder().token(TOKEN).base_url(tg.base_url)
               .base_file_url(tg.base_file_url).build())
        tg.push_update(tg.text_update(42, "/start"))
        tg.wait_for(lambda call: call.method == "sendMessage" and call.chat_id == 42)

Strict where Telegram is strict, because a lenient fake hides real bugs: a button press can only
carry callback data that is on that message's inline keyboard (and stays pressable only while
the keyboard is there); ``answerCallbackQuery`` refuses query ids it never issued; a reply-keyboard
button can only be "pressed" as the text message (or location/contact) a client sends for it; a
chat that blocked the bot answers 403 until it unblocks.

Deliberate simplifications: any token is accepted, every chat exists, webhook URLs may be plain
HTTP, ``allowed_updates`` is recorded but not applied.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import mimetypes
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import PurePosixPath
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, unquote, urlsplit

import httpx

JSON = dict[str, Any]

# PTB posts every non-string value JSON-encoded inside form or multipart fields (numbers,
# booleans, keyboards), so the fake decodes values back to JSON types. Free-text fields are exempt:
# a citizen typing "123" must stay the string "123".
_TEXT_FIELDS = frozenset(
    {"text", "caption", "url", "secret_token", "callback_query_id", "file_id", "parse_mode",
     "inline_message_id", "photo", "document", "ip_address", "business_connection_id"}
)  # fmt: skip
_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: invalid request",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


class Upload(NamedTuple):
    """A file the bot uploaded in a multipart request."""

    filename: str
    content: bytes


Files = dict[str, Upload]


@dataclass(frozen=True)
class Call:
    """One Bot API request as the fake saw it; failed (injected or invalid) calls are kept too."""

    method: str
    params: JSON
    token: str
    at: float  # time.monotonic() on arrival, so tests can assert a retry waited retry_after
    status: int = 200  # the HTTP status the fake answered with
    files: Files = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def chat_id(self) -> int | str | None:
        return self.params.get("chat_id")

    @property
    def text(self) -> str | None:
        return self.params.get("text", self.params.get("caption"))

    @property
    def reply_markup(self) -> JSON | None:
        """The keyboard the bot attached, already parsed from its JSON encoding."""
        return self.params.get("reply_markup")


@dataclass
class _Failure:
    method: str  # lower-cased: Telegram treats method names case-insensitively
    status: int
    retry_after: int
    times: int
    chat_id: int | str | None
    description: str | None


@dataclass(frozen=True)
class _Limits:
    per_second: int
    per_chat_interval: float
    retry_after: int


_SENDS = frozenset({"sendmessage", "sendphoto", "senddocument"})


@dataclass(frozen=True)
class _StoredFile:
    unique_id: str
    path: str
    content: bytes


class _ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status, self.description = status, description


def _error(status: int, description: str | None = None, retry_after: int | None = None) -> JSON:
    """The Bot API error shape; PTB maps ``parameters.retry_after`` to ``RetryAfter``."""
    if status == 429 and description is None:
        description = f"Too Many Requests: retry after {retry_after}"
    payload: JSON = {"ok": False, "error_code": status}
    payload["description"] = description or _DEFAULT_DESCRIPTIONS.get(status, "Error")
    if status == 429:
        payload["parameters"] = {"retry_after": retry_after}
    return payload


_HTML_TAGS = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
              "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
              "del": "strikethrough", "code": "code", "pre": "pre"}  # fmt: skip
_HTML_TOKEN = re.compile(r"<(/?)([a-zA-Z-]*)>|&(lt|gt|amp|quot|#\d+);|[<>&]")
_HTML_ENTITY = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def _parse_html(text: str) -> tuple[str, list[JSON]]:
    """Text and entities as Telegram's HTML parse mode reads them; refuses what it refuses: an
    unknown or unclosed tag, and a bare "<", ">" or "&" that is neither a tag nor an entity."""
    plain, entities, open_tags, position = [], [], [], 0
    for token in _HTML_TOKEN.finditer(text):
        plain.append(text[position : token.start()])
        position = token.end()
        closing, tag, entity = token.group(1), token.group(2), token.group(3)
        offset = len("".join(plain).encode("utf-16-le")) // 2
        if entity:
            plain.append(_HTML_ENTITY.get(entity) or chr(int(entity[1:])))
        elif tag is None or tag.lower() not in _HTML_TAGS:
            raise _ApiError(400, f"Bad Request: can't parse entities: unsupported {token[0]!r}")
        elif not closing:
            open_tags.append((tag.lower(), offset))
        elif not open_tags or open_tags[-1][0] != tag.lower():
            raise _ApiError(400, f"Bad Request: can't parse entities: unmatched </{tag}>")
        else:
            name, start = open_tags.pop()
            entities.append({"type": _HTML_TAGS[name], "offset": start, "length": offset - start})
    if open_tags:
        raise _ApiError(400, f"Bad Request: can't parse entities: <{open_tags[-1][0]}> not closed")
    plain.append(text[position:])
    return "".join(plain), entities


def _coerce(name: str, value: Any) -> Any:
    if not isinstance(value, str) or name in _TEXT_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value  # e.g. "@channel_name"


def _parse_multipart(content_type: str, body: bytes) -> tuple[JSON, Files]:
    """Split multipart/form-data by hand (the stdlib ``cgi`` module is deprecated)."""
    boundary = re.search(r'boundary="?([^";]+)"?', content_type)
    if boundary is None:
        raise _ApiError(400, "Bad Request: multipart boundary is missing")
    fields: JSON = {}
    files: Files = {}
    for part in body.split(b"--" + boundary[1].encode())[1:-1]:
        head, _, content = part.partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        name = re.search(rb'\bname="([^"]*)"', head)
        if name is None:
            continue
        filename = re.search(rb'\bfilename="([^"]*)"', head)
        if filename is not None:
            files[name[1].decode()] = Upload(unquote(filename[1].decode()), content)
        else:
            fields[name[1].decode()] = content.decode()
    return fields, files


def _parse_body(content_type: str, body: bytes) -> tuple[JSON, Files]:
    """Decode the three encodings the Bot API accepts; PTB 22 uses form and multipart."""
    kind = content_type.split(";")[0].strip().lower()
    if not body:
        return {}, {}
    if kind == "application/json":
        return dict(json.loads(body)), {}
    if kind == "multipart/form-data":
        return _parse_multipart(content_type, body)
    return dict(parse_qsl(body.decode(), keep_blank_values=True)), {}


def _user(user_id: int, *, is_bot: bool = False) -> JSON:
    # Real users carry names and often a username: identifying data the bot must not keep.
    return {
        "id": user_id,
        "is_bot": is_bot,
        "first_name": "Người dân",
        "last_name": "Nguyễn Văn Tố",
        "username": f"nguoidan{user_id}",
        "language_code": "vi",
    }


class FakeRefused(AssertionError):
    """The test asked for an input no real Telegram client can produce."""


def _chat(chat_id: Any) -> JSON:
    if not isinstance(chat_id, int) or isinstance(chat_id, bool):
        raise _ApiError(400, "Bad Request: chat not found")
    if chat_id > 0:
        return {
            "id": chat_id,
            "type": "private",
            "first_name": "Người dân",
            "last_name": "Nguyễn Văn Tố",
            "username": f"nguoidan{chat_id}",
        }
    kind = "supergroup" if str(chat_id).startswith("-100") else "group"
    return {"id": chat_id, "type": kind, "title": "Nhóm thử nghiệm"}


def _without(mapping: JSON, key: str) -> JSON:
    return {k: v for k, v in mapping.items() if k != key}


def _inline_data(message: JSON | None) -> list[str]:
    markup = (message or {}).get("reply_markup") or {}
    return [b.get("callback_data") for row in markup.get("inline_keyboard", []) for b in row]


def _check_markup(markup: Any) -> JSON | None:
    """Reject what Telegram rejects: callback_data over 64 *bytes* (Vietnamese is multi-byte)."""
    if markup is None:
        return None
    for row in markup.get("inline_keyboard", []) if isinstance(markup, dict) else []:
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= 64:
                raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    return markup


class FakeTelegram:
    """A local Bot API server plus the test-facing helpers to drive and inspect it."""

    def __init__(self, *, bot_username: str = "langnghe_test_bot") -> None:
        self.bot_username = bot_username
        self.tokens: set[str] = set()
        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        self._lock = threading.Condition()  # guards all state below; notified on every change
        self._updates: list[JSON] = []
        self._calls: list[Call] = []
        self._failures: list[_Failure] = []
        self._files: dict[str, _StoredFile] = {}
        self._messages: dict[tuple[int, int], JSON] = {}  # (chat_id, message_id) -> latest
        self._queries: set[str] = set()  # callback query ids issued and not yet answered
        self._reply_keyboards: dict[int, JSON] = {}  # chat -> the reply keyboard shown
        self.blocked: set[int] = set()  # chats that blocked the bot: sends answer 403
        self._update_ids, self._message_ids, self._ids = (itertools.count(1) for _ in range(3))
        self._last_token: str | None = None
        self._limits: _Limits | None = None  # opt-in, like Telegram's flood control
        self._closing = False
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeTelegram:
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._lock:  # wake long-polling getUpdates handlers so they return at once
            self._closing = True
            self._lock.notify_all()
        if self._server is not None and self._thread is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "FakeTelegram is not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    # -- driving the bot ---------------------------------------------------------------------

    def push_update(self, update: JSON) -> JSON:
        """Queue an update for getUpdates; it stays until a later offset confirms it."""
        with self._lock:
            update.setdefault("update_id", next(self._update_ids))
            self._updates.append(update)
            self._lock.notify_all()
        return update

    def text_update(self, chat_id: int, text: str, user_id: int | None = None) -> JSON:
        content: JSON = {"text": text}
        if text.startswith("/"):  # CommandHandler only fires on a bot_command entity
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
        return self._incoming(chat_id, user_id, content)

    def location_update(
        self, chat_id: int, lat: float, lon: float, user_id: int | None = None
    ) -> JSON:
        return self._incoming(chat_id, user_id, {"location": {"latitude": lat, "longitude": lon}})

    def contact_update(
        self,
        chat_id: int,
        phone_number: str,
        first_name: str = "Người dân",
        user_id: int | None = None,
    ) -> JSON:
        """A contact shared via a request_contact button: the sender's own number."""
        sender = user_id if user_id is not None else abs(chat_id)
        contact = {"phone_number": phone_number, "first_name": first_name, "user_id": sender}
        return self._incoming(chat_id, sender, {"contact": contact})

    def photo_update(
        self,
        chat_id: int,
        file_bytes: bytes,
        caption: str | None = None,
        user_id: int | None = None,
    ) -> JSON:
        """A photo message whose bytes the bot can fetch with getFile and a download."""
        with self._lock:
            photo = self._register_photo(file_bytes)
        content: JSON = {"photo": photo} | ({"caption": caption} if caption else {})
        return self._incoming(chat_id, user_id, content)

    def callback_update(
        self, chat_id: int, data: str, message_id: int | None = None, user_id: int | None = None
    ) -> JSON:
        """A button press on ``message_id`` (default: the latest message offering ``data``).

        Refused (FakeRefused) unless that message's inline keyboard carries ``data`` now: a
        client can only press what is on screen, and a removed keyboard cannot be pressed."""
        with self._lock:
            if message_id is None:
                offering = [
                    mid
                    for (cid, mid), m in self._messages.items()
                    if cid == chat_id and data in _inline_data(m)
                ]
                if not offering:
                    raise FakeRefused(f"no message in chat {chat_id} offers button {data!r}")
                message_id = max(offering)
            message = self._messages.get((chat_id, message_id))
            if message is None or data not in _inline_data(message):
                raise FakeRefused(f"message {message_id} in chat {chat_id} has no button {data!r}")
            query_id = str(next(self._ids))
            self._queries.add(query_id)
            query: JSON = {"id": query_id, "chat_instance": f"ci{chat_id}", "data": data}
            update_id = next(self._update_ids)
        sender = user_id if user_id is not None else abs(chat_id)
        query |= {"from": _user(sender), "message": message}
        return {"update_id": update_id, "callback_query": query}

    def wait_for_button(self, chat_id: int, data: str, timeout: float = 10) -> int:
        """Wait until a message in the chat offers the inline button ``data``; its id."""
        with self._lock:
            found = self._lock.wait_for(
                lambda: [
                    mid
                    for (cid, mid), m in self._messages.items()
                    if cid == chat_id and data in _inline_data(m)
                ],
                timeout=timeout,
            )
        if not found:
            raise AssertionError(f"no message in chat {chat_id} offered {data!r} within {timeout}s")
        return max(found)

    def reply_keyboard(self, chat_id: int) -> list[JSON]:
        """The buttons of the reply keyboard currently shown in the chat (flattened)."""
        with self._lock:
            keyboard = self._reply_keyboards.get(chat_id) or {}
            return [button for row in keyboard.get("keyboard", []) for button in row]

    def wait_for_reply_button(self, chat_id: int, label: str, timeout: float = 10) -> JSON:
        def find() -> JSON | None:
            keyboard = self._reply_keyboards.get(chat_id) or {}
            rows = keyboard.get("keyboard", [])
            return next((b for row in rows for b in row if _label(b) == label), None)

        with self._lock:
            button = self._lock.wait_for(find, timeout=timeout)
        if button is None:
            raise AssertionError(f"no reply keyboard in chat {chat_id} offered {label!r}")
        return button

    def tap_reply_button(
        self,
        chat_id: int,
        label: str,
        *,
        location: tuple[float, float] | None = None,
        timeout: float = 10,
    ) -> JSON:
        """What a client sends when a reply-keyboard button is tapped: its label as plain text,
        or the location / own contact for request_location / request_contact buttons."""
        button = self.wait_for_reply_button(chat_id, label, timeout)
        if isinstance(button, dict) and button.get("request_location"):
            lat, lon = location or (21.0285, 105.8542)
            return self.location_update(chat_id, lat, lon)
        if isinstance(button, dict) and button.get("request_contact"):
            return self.contact_update(chat_id, "+84912345678")
        return self.text_update(chat_id, label)

    def block(self, chat_id: int) -> JSON:
        """The citizen blocks the bot: sends to the chat now fail with 403, and the bot gets
        a my_chat_member update (member → kicked)."""
        with self._lock:
            self.blocked.add(chat_id)
        return self._member_update(chat_id, "member", "kicked")

    def unblock(self, chat_id: int) -> JSON:
        """The citizen unblocks (restarts) the bot: my_chat_member kicked → member."""
        with self._lock:
            self.blocked.discard(chat_id)
        return self._member_update(chat_id, "kicked", "member")

    def edit_update(self, original: JSON, text: str) -> JSON:
        """The citizen edits a text (or caption) they sent earlier: an edited_message."""
        message = dict(original["message"])
        if "caption" in message:
            message["caption"] = text
        else:
            message["text"] = text
        message["edit_date"] = int(time.time())
        with self._lock:
            update_id = next(self._update_ids)
        return {"update_id": update_id, "edited_message": message}

    def media_update(
        self,
        chat_id: int,
        kind: str,
        file_bytes: bytes,
        *,
        caption: str | None = None,
        mime_type: str | None = None,
        file_name: str | None = None,
        media_group_id: str | None = None,
        duration: int = 3,
    ) -> JSON:
        """A video, video_note, voice, audio, document or photo message, as a client sends it
        (a video note and a voice message never carry a caption)."""
        with self._lock:
            if kind == "photo":
                media: Any = self._register_photo(file_bytes)
            else:
                folder = {"video_note": "video_notes", "voice": "voice"}.get(kind, kind + "s")
                suffix = {"video": ".mp4", "video_note": ".mp4", "voice": ".oga", "audio": ".mp3"}
                media = self._register(file_bytes, folder, suffix.get(kind, ""))
                media["mime_type"] = mime_type or {
                    "video": "video/mp4",
                    "voice": "audio/ogg",
                    "audio": "audio/mpeg",
                    "document": "application/pdf",
                }.get(kind, "application/octet-stream")
                if kind in ("video", "video_note", "voice", "audio"):
                    media["duration"] = duration
                if kind in ("video", "video_note"):
                    media |= {"width": 240, "height": 240} if kind == "video" else {"length": 240}
                if kind == "video_note":
                    media.pop("mime_type")  # Telegram gives video notes no mime type
                if file_name and kind in ("video", "audio", "document"):
                    media["file_name"] = file_name
        if caption and kind in ("video_note", "voice"):
            raise FakeRefused(f"a {kind} cannot carry a caption")
        content: JSON = {kind: media} | ({"caption": caption} if caption else {})
        if media_group_id:
            content["media_group_id"] = media_group_id
        return self._incoming(chat_id, None, content)

    def album_updates(
        self, chat_id: int, files: list[bytes], caption: str | None = None
    ) -> list[JSON]:
        """An album: one message per photo sharing a media_group_id; a caption typed for the
        album arrives on the first message only."""
        group = f"album{next(self._ids)}"
        return [
            self.media_update(
                chat_id, "photo", content, caption=caption if i == 0 else None, media_group_id=group
            )
            for i, content in enumerate(files)
        ]

    def forwarded_update(self, chat_id: int, text: str, origin: JSON) -> JSON:
        """A message forwarded from elsewhere; ``origin`` is a MessageOrigin, e.g.
        {"type": "channel", "chat": {...}, "message_id": 7, "date": ...} or
        {"type": "hidden_user", "sender_user_name": "...", "date": ...}."""
        return self._incoming(chat_id, None, {"text": text, "forward_origin": origin})

    def text_link_update(
        self, chat_id: int, text: str, link_text: str, url: str, user_id: int | None = None
    ) -> JSON:
        """A message whose ``link_text`` hides ``url`` (a text_link entity, as pasted or
        forwarded formatted text arrives). Offsets count UTF-16 code units, as Telegram's do."""
        start = text.index(link_text)
        offset = len(text[:start].encode("utf-16-le")) // 2
        length = len(link_text.encode("utf-16-le")) // 2
        entity = {"type": "text_link", "offset": offset, "length": length, "url": url}
        return self._incoming(chat_id, user_id, {"text": text, "entities": [entity]})

    def venue_update(self, chat_id: int, lat: float, lon: float, title: str, address: str) -> JSON:
        """A venue picked from the attachment menu: Telegram sends the venue and its location."""
        location = {"latitude": lat, "longitude": lon}
        venue = {"location": location, "title": title, "address": address}
        return self._incoming(chat_id, None, {"venue": venue, "location": location})

    def bot_message_update(self, chat_id: int, text: str) -> JSON:
        """A message written by another bot (in a chat both are in)."""
        update = self._incoming(chat_id, None, {"text": text})
        update["message"]["from"] = _user(777_000_111, is_bot=True)
        return update

    def seed_bot_message(self, chat_id: int, text: str, buttons: list[tuple[str, str]]) -> int:
        """A message of this bot already in a chat (e.g. a group, from an earlier version),
        with an inline keyboard; its id."""
        markup = {"inline_keyboard": [[{"text": t, "callback_data": d}] for t, d in buttons]}
        with self._lock:
            message = self._message(self._last_token, chat_id, next(self._message_ids), text=text)
            message["reply_markup"] = markup
            self._messages[(chat_id, message["message_id"])] = message
            return message["message_id"]

    def deliver_webhook(
        self, update: JSON, url: str | None = None, secret: str | None = None
    ) -> httpx.Response:
        """POST an update as Telegram would. Blocking: from async code use asyncio.to_thread."""
        target, headers = self._webhook_target(url, secret)
        with httpx.Client(trust_env=False) as client:
            return client.post(target, json=update, headers=headers, timeout=10)

    def fail_next(
        self,
        method: str,
        status: int = 429,
        retry_after: int = 3,
        times: int = 1,
        chat_id: int | str | None = None,
        description: str | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (to ``chat_id`` only, if given) fail."""
        rule = _Failure(method.lower(), status, retry_after, times, chat_id, description)
        with self._lock:
            self._failures.append(rule)

    def enforce_rate_limit(
        self, per_second: int = 30, per_chat_interval: float = 1.0, retry_after: int = 1
    ) -> None:
        """Refuse sends like Telegram's flood control: 429 + retry_after once `per_second`
        messages were accepted in the last second, or a chat got one within the interval."""
        with self._lock:
            self._limits = _Limits(per_second, per_chat_interval, retry_after)

    def block_quietly(self, *chat_ids: int | str) -> None:
        """These citizens blocked the bot earlier (no update to deliver now): every send to
        them answers 403, as after `block`."""
        with self._lock:
            self.blocked.update(int(chat_id) for chat_id in chat_ids)

    # -- inspecting what the bot did ---------------------------------------------------------

    @property
    def sent(self) -> list[Call]:
        """A snapshot of every call except getUpdates (polling would drown the rest)."""
        with self._lock:
            return list(self._calls)

    def calls(self, method: str | None = None, chat_id: int | str | None = None) -> list[Call]:
        return [
            call
            for call in self.sent
            if (method is None or call.method.lower() == method.lower())
            and (chat_id is None or str(call.chat_id) == str(chat_id))
        ]

    def messages_to(self, chat_id: int | str) -> list[str]:
        """Texts (and captions) successfully sent to a chat, in order; edits are not included."""
        sends = {"sendmessage", "sendphoto", "senddocument"}
        return [
            call.text
            for call in self.calls(chat_id=chat_id)
            if call.ok and call.method.lower() in sends and call.text is not None
        ]

    def wait_for(self, predicate: Callable[[Call], bool], timeout: float = 5) -> Call:
        """Return the first recorded call matching ``predicate``, waiting for it if needed.

        Blocks the calling thread: inside an event loop that also runs the bot, use
        ``await tg.wait_for_async(...)`` instead, or the bot never gets to make the call.
        """
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                for call in self._calls:
                    if predicate(call):
                        return call
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [f"{c.method}({c.status})" for c in self._calls]
                    raise AssertionError(f"no matching Bot API call within {timeout}s; saw {seen}")
                self._lock.wait(remaining)

    async def wait_for_async(self, predicate: Callable[[Call], bool], timeout: float = 5) -> Call:
        return await asyncio.to_thread(self.wait_for, predicate, timeout)

    # -- request handling (server threads) ---------------------------------------------------

    def _handle(self, token: str, method: str, params: JSON, files: Files) -> tuple[int, JSON]:
        at = time.monotonic()
        params = {name: _coerce(name, value) for name, value in params.items()}
        handler = getattr(self, f"_api_{method.lower()}", None)
        with self._lock:
            self.tokens.add(token)
            self._last_token = token
            failure = self._take_failure(method, params) or self._refusal(method, params, at)
            if failure is not None:
                status = failure.status
                payload = _error(status, failure.description, failure.retry_after)
            else:
                try:
                    if handler is None:
                        raise _ApiError(404, "Not Found: method not found")
                    status, payload = 200, {"ok": True, "result": handler(token, params, files)}
                except _ApiError as err:
                    status, payload = err.status, _error(err.status, err.description)
            if method.lower() != "getupdates":
                self._calls.append(Call(method, params, token, at, status, files))
                self._lock.notify_all()
        return status, payload

    def _take_failure(self, method: str, params: JSON) -> _Failure | None:
        for rule in self._failures:
            chat_matches = rule.chat_id is None or str(rule.chat_id) == str(params.get("chat_id"))
            if rule.method == method.lower() and chat_matches:
                rule.times -= 1
                if rule.times <= 0:
                    self._failures.remove(rule)
                return rule
        return None

    def _refusal(self, method: str, params: JSON, at: float) -> _Failure | None:
        """A blocked chat (403) or flood control (429), for messages only (lock held)."""
        if method.lower() not in _SENDS:
            return None
        chat = str(params.get("chat_id"))
        if str(chat).lstrip("-").isdigit() and int(chat) in self.blocked:
            return _Failure(method, 403, 0, 1, chat, "Forbidden: bot was blocked by the user")
        limits = self._limits
        if limits is None:
            return None
        recent = 0
        for call in reversed(self._calls):
            if at - call.at >= 1.0:
                break
            if not (call.ok and call.method.lower() in _SENDS):
                continue
            recent += 1
            if str(call.chat_id) == chat and at - call.at < limits.per_chat_interval:
                return _Failure(method, 429, limits.retry_after, 1, chat, None)
        if recent >= limits.per_second:
            return _Failure(method, 429, limits.retry_after, 1, None, None)
        return None

    def _file_content(self, path: str) -> bytes | None:
        with self._lock:
            return next((f.content for f in self._files.values() if f.path == path), None)

    # Bot API methods: called with the lock held; getUpdates' wait releases it while polling.

    def _api_getme(self, token: str, p: JSON, files: Files) -> JSON:
        return self._bot_user(token) | {"can_join_groups": True, "supports_inline_queries": False}

    def _api_setwebhook(self, token: str, p: JSON, files: Files) -> bool:
        secret = p.get("secret_token")
        if secret is not None and not _SECRET_TOKEN.fullmatch(secret):
            raise _ApiError(400, "Bad Request: secret token contains unallowed characters")
        if p.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook_url, self.webhook_secret = p.get("url") or None, secret
        return True

    def _api_deletewebhook(self, token: str, p: JSON, files: Files) -> bool:
        if p.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook_url = self.webhook_secret = None
        return True

    def _api_getwebhookinfo(self, token: str, p: JSON, files: Files) -> JSON:
        return {
            "url": self.webhook_url or "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    def _api_getupdates(self, token: str, p: JSON, files: Files) -> list[JSON]:
        if self.webhook_url:
            raise _ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(p.get("offset") or 0)
        limit = min(max(int(p.get("limit") or 100), 1), 100)
        if offset > 0:  # an offset confirms every earlier update
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        timeout = float(p.get("timeout") or 0)
        self._lock.wait_for(lambda: bool(self._updates) or self._closing, timeout=timeout)
        return (self._updates[offset:] if offset < 0 else self._updates)[:limit]

    def _api_sendmessage(self, token: str, p: JSON, files: Files) -> JSON:
        text = p.get("text")
        if not text:
            raise _ApiError(400, "Bad Request: message text is empty")
        content: JSON = {"text": text}
        mode = p.get("parse_mode")
        if mode is not None and mode != "HTML":  # the bot only ever uses HTML
            raise _ApiError(400, f"Bad Request: unsupported parse_mode {mode!r}")
        if mode == "HTML":
            text, entities = _parse_html(text)
            content = {"text": text} | ({"entities": entities} if entities else {})
        if len(text) > 4096:
            raise _ApiError(400, "Bad Request: message is too long")
        return self._send(token, p, content)

    def _api_sendphoto(self, token: str, p: JSON, files: Files) -> JSON:
        photo = self._register_photo(self._upload(p, files, "photo").content)
        return self._send(token, p, {"photo": photo})

    def _api_senddocument(self, token: str, p: JSON, files: Files) -> JSON:
        upload = self._upload(p, files, "document")
        stored = self._register(upload.content, "documents", PurePosixPath(upload.filename).suffix)
        mime = mimetypes.guess_type(upload.filename)[0] or "application/octet-stream"
        document = stored | {"file_name": upload.filename, "mime_type": mime}
        return self._send(token, p, {"document": document})

    def _api_answercallbackquery(self, token: str, p: JSON, files: Files) -> bool:
        query_id = p.get("callback_query_id")
        if not query_id or query_id not in self._queries:
            raise _ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self._queries.discard(query_id)
        return True

    def _api_editmessagetext(self, token: str, p: JSON, files: Files) -> Any:
        if not p.get("text"):
            raise _ApiError(400, "Bad Request: message text is empty")
        return self._edit(token, p, {"text": p["text"]})

    def _api_editmessagereplymarkup(self, token: str, p: JSON, files: Files) -> Any:
        return self._edit(token, p, {})

    def _api_getfile(self, token: str, p: JSON, files: Files) -> JSON:
        stored = self._files.get(str(p.get("file_id")))
        if stored is None:
            raise _ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": p["file_id"],
            "file_unique_id": stored.unique_id,
            "file_size": len(stored.content),
            "file_path": stored.path,
        }

    # -- helpers (lock held) -----------------------------------------------------------------

    def _bot_user(self, token: str | None) -> JSON:
        # Real tokens are "<bot id>:<secret>"; PTB reads bot.id from getMe, so keep them consistent.
        match = re.match(r"(\d+):", token or "")
        bot_id = int(match[1]) if match else 1_000_001
        names = {"first_name": "Lắng Nghe", "username": self.bot_username}
        return {"id": bot_id, "is_bot": True} | names

    def _message(self, token: str | None, chat_id: Any, message_id: int, **content: Any) -> JSON:
        message = {"message_id": message_id, "date": int(time.time()), "chat": _chat(chat_id)}
        return message | {"from": self._bot_user(token)} | content

    def _send(self, token: str, params: JSON, content: JSON) -> JSON:
        if params.get("chat_id") in self.blocked:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")
        caption = params.get("caption")
        if caption is not None and len(caption) > 1024:
            raise _ApiError(400, "Bad Request: message caption is too long")
        markup = _check_markup(params.get("reply_markup"))
        message = self._message(token, params.get("chat_id"), next(self._message_ids), **content)
        message |= {"caption": caption} if caption else {}
        if markup and "inline_keyboard" in markup:  # Telegram echoes only inline keyboards
            message["reply_markup"] = markup
        elif markup and "keyboard" in markup:  # shown under the input field until replaced
            self._reply_keyboards[message["chat"]["id"]] = markup
        elif markup and markup.get("remove_keyboard"):
            self._reply_keyboards.pop(message["chat"]["id"], None)
        self._messages[(message["chat"]["id"], message["message_id"])] = message
        return message

    def _edit(self, token: str, params: JSON, changes: JSON) -> Any:
        if params.get("inline_message_id"):
            return True
        chat_id, message_id = params.get("chat_id"), int(params.get("message_id") or 0)
        old = self._messages.get((chat_id, message_id)) or self._message(token, chat_id, message_id)
        markup = _check_markup(params.get("reply_markup"))
        new = _without(old, "reply_markup") | changes
        if markup and "inline_keyboard" in markup:  # an edit without a keyboard removes it
            new["reply_markup"] = markup
        if _without(new, "edit_date") == _without(old, "edit_date"):
            raise _ApiError(400, "Bad Request: message is not modified")
        new["edit_date"] = int(time.time())
        self._messages[(chat_id, message_id)] = new
        return new

    def _upload(self, params: JSON, files: Files, name: str) -> Upload:
        if name in files:
            return files[name]
        ref = params.get(name)
        if isinstance(ref, str) and ref in self._files:  # re-sending by file_id
            return Upload(name, self._files[ref].content)
        if isinstance(ref, str) and ref.startswith(("http://", "https://")):
            return Upload(ref.rsplit("/", 1)[-1] or name, b"")
        raise _ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    def _register(self, content: bytes, folder: str, suffix: str) -> JSON:
        n = next(self._ids)
        file_id, unique_id = f"fake-file-{n}", f"uniq{n}"
        self._files[file_id] = _StoredFile(unique_id, f"{folder}/file_{n}{suffix}", content)
        return {"file_id": file_id, "file_unique_id": unique_id, "file_size": len(content)}

    def _register_photo(self, content: bytes) -> list[JSON]:
        # A single size is enough: handlers conventionally read photo[-1], the largest.
        stored = self._register(content, "photos", ".jpg")
        return [stored | {"width": 1280, "height": 960}]

    def _member_update(self, chat_id: int, old: str, new: str) -> JSON:
        with self._lock:
            update_id = next(self._update_ids)
            bot = self._bot_user(self._last_token)
        member = {
            "chat": _chat(chat_id),
            "from": _user(abs(chat_id)),
            "date": int(time.time()),
            "old_chat_member": {"status": old, "user": bot}
            | ({"until_date": 0} if old == "kicked" else {}),
            "new_chat_member": {"status": new, "user": bot}
            | ({"until_date": 0} if new == "kicked" else {}),
        }
        return {"update_id": update_id, "my_chat_member": member}

    def _incoming(self, chat_id: int, user_id: int | None, content: JSON) -> JSON:
        sender = user_id if user_id is not None else abs(chat_id)  # private chat id == user id
        with self._lock:
            update_id, message_id = next(self._update_ids), next(self._message_ids)
        message = {"message_id": message_id, "date": int(time.time()), "chat": _chat(chat_id)}
        return {"update_id": update_id, "message": message | {"from": _user(sender)} | content}

    def _webhook_target(self, url: str | None, secret: str | None) -> tuple[str, dict[str, str]]:
        target = url or self.webhook_url
        if not target:
            raise RuntimeError("no webhook URL: let the bot call setWebhook first, or pass url=")
        token = secret if secret is not None else self.webhook_secret
        return target, {"X-Telegram-Bot-Api-Secret-Token": token} if token else {}


def _label(button: Any) -> str:
    return button if isinstance(button, str) else button.get("text", "")


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a long-polling handler must never block interpreter exit
    request_queue_size = 128  # several bots' connection pools at once: Telegram drops none

    def __init__(self, fake: FakeTelegram) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        fake = self.server.fake
        split = urlsplit(self.path)
        path = unquote(split.path)
        try:
            if match := re.fullmatch(r"/file/bot([^/]+)/(.+)", path):
                content = fake._file_content(match[2])
                if content is not None:
                    self._reply(200, content, "application/octet-stream")
                    return
                status, payload = 404, _error(404, "Not Found: file not found")
            elif match := re.fullmatch(r"/bot([^/]+)/([^/]*)", path):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                params, files = _parse_body(self.headers.get("Content-Type", ""), body)
                params = dict(parse_qsl(split.query)) | params
                status, payload = fake._handle(match[1], match[2], params, files)
            else:
                status, payload = 404, _error(404, "Not Found")
        except _ApiError as err:
            status, payload = err.status, _error(err.status, err.description)
        except Exception as exc:  # surface fake bugs to the test instead of a dropped socket
            status, payload = 500, _error(500, f"Internal Server Error: fake crashed: {exc!r}")
        self._reply(status, json.dumps(payload, ensure_ascii=False).encode(), "application/json")

    do_POST = do_GET

    def _reply(self, status: int, body: bytes, content_type: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up, e.g. a long poll cancelled at shutdown

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep pytest output quiet
