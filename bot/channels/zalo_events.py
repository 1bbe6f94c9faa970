"""Zalo webhook events: authenticating them, and translating them into the engine's events.

Authentication (X-ZEvent-Signature): "mac=" + hex SHA-256 of app_id + the raw request body +
the `timestamp` field of that body + the OA secret key. It is a plain hash over the raw bytes
keyed by the OA secret key (not an HMAC, not the app secret), compared in constant time. The
timestamp (milliseconds) must be recent, so a captured event cannot be replayed later; within
the window, replays are absorbed by the event log's key (message.msg_id).

Pure functions: no I/O, so every hostile payload can be tested directly.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
from dataclasses import dataclass

from handlers.events import EventKind, FileRef, InboundEvent

CHANNEL = "zalo"
MAX_ID = 24  # Zalo ids are digit strings of ~19 characters; anything longer is refused
MAX_MSG_ID = 64
_CONVERSATION = re.compile(r"[A-Za-z0-9_-]{1,32}")  # so "anon:<id>:<conversation>" fits 64

# What each citizen event becomes for the engine.
FILE_EVENTS = {
    "user_send_file": ("file", None),
    "user_send_video": ("video", "video/mp4"),
    "user_send_audio": ("audio", "audio/aac"),
    "user_send_gif": ("gif", "image/gif"),
}
TEXT_EVENTS = {"user_send_text", "anonymous_send_text"}
# Delivery receipts and our own messages echoed back: recorded, nothing to answer.
RECEIPTS = {"user_received_message", "user_seen_message"}


class Rejected(Exception):
    """The request is not an authentic, fresh Zalo event (answered 401/400, nothing kept)."""


@dataclass(frozen=True)
class Verified:
    payload: dict
    key: str  # idempotency key: message.msg_id, or a hash of event, user and timestamp
    chat_id: str | None  # the citizen's chat, None for events about no one


def expected_signature(app_id: str, body: bytes, timestamp: str, oa_secret_key: str) -> str:
    digest = hashlib.sha256(app_id.encode() + body + timestamp.encode() + oa_secret_key.encode())
    return "mac=" + digest.hexdigest()


def verify(
    body: bytes,
    header: str | None,
    *,
    app_id: str,
    oa_secret_key: str,
    now_ms: int,
    max_age_seconds: float,
) -> Verified:
    """The event, if it is signed by Zalo for our app and recent; else Rejected."""
    if not header or not app_id or not oa_secret_key:
        raise Rejected("missing signature")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:  # nested past reason
        raise Rejected("not JSON") from error
    if not isinstance(payload, dict):
        raise Rejected("not an object")
    timestamp = payload.get("timestamp")
    if isinstance(timestamp, bool) or not isinstance(timestamp, str | int):
        raise Rejected("no timestamp")
    timestamp = str(timestamp)
    expected = expected_signature(app_id, body, timestamp, oa_secret_key)
    if not hmac.compare_digest(header.strip().encode(), expected.encode()):
        raise Rejected("bad signature")
    if str(payload.get("app_id", "")) != app_id:
        raise Rejected("another app")
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 16:
        raise Rejected("bad timestamp")
    if abs(now_ms - int(timestamp)) > max_age_seconds * 1000:
        raise Rejected("stale timestamp")
    chat = chat_of(payload)
    message = payload.get("message") if isinstance(payload.get("message"), dict) else {}
    msg_id = message.get("msg_id")
    event_name = str(payload.get("event_name", ""))[:40]
    if isinstance(msg_id, str) and 0 < len(msg_id) <= MAX_MSG_ID:
        key = f"msg:{msg_id}"
    else:  # follow/unfollow carry no msg_id; the key must not name the citizen
        digest = hashlib.sha256(f"{event_name}:{chat}:{timestamp}".encode()).hexdigest()
        key = f"ev:{digest[:40]}"
    return Verified(payload, key, chat)


def _id(value) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= MAX_ID:
        return value
    return None


def chat_of(payload: dict) -> str | None:
    """The citizen an event is about: the sender of a message, the (un)follower."""
    name = str(payload.get("event_name", ""))
    if name.startswith("oa_send_"):
        return None  # our own message: recipient is the citizen, but nothing is to be done
    holder = payload.get("follower") if name in ("follow", "unfollow") else payload.get("sender")
    if not isinstance(holder, dict):
        return None
    found = _id(holder.get("id"))
    if found and name == "anonymous_send_text":
        # Not the same person as a follower with that id; answered in that conversation.
        message = payload.get("message") if isinstance(payload.get("message"), dict) else {}
        conversation = message.get("conversation_id")
        if not isinstance(conversation, str) or not _CONVERSATION.fullmatch(conversation):
            return None
        return f"anon:{found}:{conversation}"
    return found


def anonymous(chat_id: str) -> bool:
    """An anonymous visitor's conversation (not a follower)."""
    return chat_id.startswith("anon:")


def recipient(chat_id: str) -> dict:
    """The `recipient` of a consultation message to this chat."""
    if anonymous(chat_id):
        _, anonymous_id, conversation_id = chat_id.split(":", 2)
        return {"anonymous_id": anonymous_id, "conversation_id": conversation_id}
    return {"user_id": chat_id}


def _coordinate(value, bound: float) -> float | None:
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and -bound <= number <= bound else None


def _attachment(message: dict) -> dict:
    attachments = message.get("attachments")
    if isinstance(attachments, list) and attachments and isinstance(attachments[0], dict):
        return attachments[0]
    return {}


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def to_event(verified: Verified) -> InboundEvent | None:
    """The engine's view of an event; None for events that need no answer (unfollow, receipts,
    echoes of our own messages, unknown events). follow becomes START (the welcome)."""
    payload, chat = verified.payload, verified.chat_id
    name = str(payload.get("event_name", ""))
    if chat is None or name.startswith("oa_send_") or name in RECEIPTS | {"unfollow"}:
        return None
    base = {"channel": CHANNEL, "chat_id": chat, "event_id": verified.key}
    if name == "follow":
        return InboundEvent(kind=EventKind.START, **base)
    message = payload.get("message")
    if not isinstance(message, dict):
        return None
    text = _text(message.get("text"))
    attachment = _attachment(message)
    content = attachment.get("payload") if isinstance(attachment.get("payload"), dict) else {}
    if name in TEXT_EVENTS:
        return InboundEvent(kind=EventKind.TEXT, text=text, **base)
    if name == "user_send_location":
        coordinates = content.get("coordinates")
        coordinates = coordinates if isinstance(coordinates, dict) else {}
        latitude = _coordinate(coordinates.get("latitude"), 90)
        longitude = _coordinate(coordinates.get("longitude"), 180)
        if latitude is None or longitude is None:
            return InboundEvent(kind=EventKind.TEXT, text=text, **base)
        return InboundEvent(
            kind=EventKind.LOCATION, latitude=latitude, longitude=longitude, text=text, **base
        )
    url = _text(content.get("url"))
    if name == "user_send_image":
        if not url:
            return InboundEvent(kind=EventKind.TEXT, text=text, **base)
        return InboundEvent(
            kind=EventKind.PHOTO, file=FileRef(url, None, "image/jpeg", "anh.jpg"), **base
        )
    if name in FILE_EVENTS:
        default_name, mime = FILE_EVENTS[name]
        if not url:
            return InboundEvent(kind=EventKind.TEXT, text=text, **base)
        size = content.get("size")
        size = int(size) if isinstance(size, str | int) and str(size).isdigit() else None
        file_name = _text(content.get("name"))[:120] or default_name
        return InboundEvent(kind=EventKind.FILE, file=FileRef(url, size, mime, file_name), **base)
    if name == "user_send_link":
        description = _text(content.get("description")) or _text(content.get("title"))
        return InboundEvent(kind=EventKind.TEXT, text=text or description or url, **base)
    if name == "user_send_sticker":
        return InboundEvent(kind=EventKind.TEXT, text="", **base)  # answered as empty text
    return None
