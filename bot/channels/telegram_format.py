"""Translating between Telegram and the engine's types: Update → InboundEvent, and
OutboundMessage → sendMessage arguments (inline keyboards, location requests, 4,096-character
chunks split at paragraph boundaries, a bold title in HTML parse mode)."""

from __future__ import annotations

import html

from telegram import (
    Message,
    MessageEntity,
    MessageOriginChannel,
    MessageOriginChat,
    MessageOriginHiddenUser,
    MessageOriginUser,
    Update,
)

from handlers.events import EventKind, FileRef, InboundEvent, OutboundMessage

MAX_MESSAGE_CHARS = 4096


def split_text(text: str, limit: int = MAX_MESSAGE_CHARS) -> list[str]:
    """Chunks of at most `limit` characters, cut at a blank line, else a line, else a space."""
    chunks: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), 0) or max(window.rfind("\n"), 0) or window.rfind(" ")
        if cut <= 0:
            cut = limit
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not chunks:
        chunks.append(rest)
    return chunks


def reply_markup(message: OutboundMessage) -> dict | None:
    """Inline buttons, or — when a location is asked — a one-time reply keyboard whose first
    button shares the location (Telegram cannot ask for a location from an inline button).
    In the Bot API's JSON shape: a reply is sent without building PTB objects for it."""
    if message.request_location:
        keyboard = [[{"text": "📍 Gửi vị trí", "request_location": True}]]
        keyboard += [[{"text": button.label} for button in row] for row in message.buttons]
        return {"keyboard": keyboard, "resize_keyboard": True, "one_time_keyboard": True}
    if not message.buttons:
        return None
    return {
        "inline_keyboard": [
            [{"text": b.label, "callback_data": b.data} for b in row] for row in message.buttons
        ]
    }


def send_arguments(chat_id: str, message: OutboundMessage) -> list[dict]:
    """The sendMessage calls for one outbound message (buttons go with the last chunk), as the
    Bot API's parameters.

    A message with a title is sent in HTML parse mode: the title in <b>, and everything (title
    and text, which may hold "<", "&" typed by anyone) escaped, so no text is ever read as markup.
    Untitled messages stay plain text, exactly as before.
    """
    if message.title:
        body = f"<b>{html.escape(message.title, quote=False)}</b>\n\n"
        body += html.escape(message.text, quote=False)
        extra = {"parse_mode": "HTML"}
    else:
        body, extra = message.text, {}
    chunks = split_text(body)
    calls = [{"chat_id": int(chat_id), "text": chunk, **extra} for chunk in chunks]
    markup = reply_markup(message)
    if markup is not None:
        calls[-1]["reply_markup"] = markup
    return calls


def _private_message(message: Message | None) -> bool:
    """Served: a private chat, written by a person (other bots are never answered)."""
    if message is None or message.chat.type != "private":
        return False
    return not (message.from_user is not None and message.from_user.is_bot)


def _media(message: Message) -> FileRef | None:
    """The file a message carries: the largest photo, a document, a video, a round video
    note, a voice message or an audio file — each with the type an officer's player needs."""
    if message.photo:
        largest = message.photo[-1]
        return FileRef(largest.file_id, largest.file_size, "image/jpeg", "anh.jpg")
    if message.video is not None:
        video = message.video
        return FileRef(
            video.file_id, video.file_size, video.mime_type or "video/mp4",
            video.file_name or "video.mp4",
        )  # fmt: skip
    if message.video_note is not None:
        note = message.video_note
        return FileRef(note.file_id, note.file_size, "video/mp4", "video-tron.mp4")
    if message.voice is not None:
        voice = message.voice
        return FileRef(voice.file_id, voice.file_size, voice.mime_type or "audio/ogg", "ghi-am.ogg")
    if message.audio is not None:
        audio = message.audio
        return FileRef(
            audio.file_id, audio.file_size, audio.mime_type or "audio/mpeg",
            audio.file_name or "am-thanh.mp3",
        )  # fmt: skip
    if message.document is not None:
        document = message.document
        return FileRef(document.file_id, document.file_size, document.mime_type, document.file_name)
    return None


def _origin(message: Message) -> dict | None:
    """Who a forwarded message came from, as far as Telegram tells (a user who hides their
    account gives only a display name)."""
    origin = message.forward_origin
    if origin is None:
        return None
    if isinstance(origin, MessageOriginUser):
        user = origin.sender_user
        name = " ".join(filter(None, [user.first_name, user.last_name]))
        sender = name + (f" (@{user.username})" if user.username else "")
    elif isinstance(origin, MessageOriginHiddenUser):
        sender = origin.sender_user_name
    elif isinstance(origin, MessageOriginChat):
        chat = origin.sender_chat
        sender = (chat.title or "") + (f" (@{chat.username})" if chat.username else "")
    elif isinstance(origin, MessageOriginChannel):
        chat = origin.chat
        sender = (chat.title or "") + (f" (@{chat.username})" if chat.username else "")
    else:
        sender = ""
    return {"kind": origin.type, "sender": sender[:200], "date": origin.date.isoformat()}


def _details(message: Message) -> dict:
    """What a message carries besides its words, kept for the officer as structured fields:
    hidden link targets, a forward's origin, a venue, an album."""
    details: dict = {}
    entities = message.parse_entities([MessageEntity.TEXT_LINK]) or message.parse_caption_entities(
        [MessageEntity.TEXT_LINK]
    )
    links = [{"text": text[:200], "url": entity.url} for entity, text in entities.items()]
    if links:
        details["links"] = links[:20]
    origin = _origin(message)
    if origin:
        details["forwarded_from"] = origin
    if message.venue is not None:
        details["venue"] = {"title": message.venue.title, "address": message.venue.address}
    if message.media_group_id:
        details["album"] = str(message.media_group_id)
    return details


def to_event(update: Update) -> InboundEvent | None:
    """The engine's view of an update from a private chat; None for what the bot ignores
    (groups, supergroups, channels, presses on messages in them, bots, inline messages)."""
    event_id = str(update.update_id)
    if update.callback_query is not None:
        query = update.callback_query
        message = query.message
        if message is None or message.chat.type != "private" or query.from_user.is_bot:
            return None
        return InboundEvent(
            "telegram", str(message.chat.id), EventKind.BUTTON, data=query.data or "",
            event_id=event_id,
        )  # fmt: skip
    edited = update.edited_message
    if edited is not None:
        if not _private_message(edited):
            return None
        return InboundEvent(
            "telegram", str(edited.chat.id), EventKind.EDITED,
            text=edited.text or edited.caption or "", event_id=event_id,
            message_id=str(edited.message_id),
        )  # fmt: skip
    message = update.message
    if not _private_message(message):
        return None
    chat_id = str(message.chat.id)
    base = {
        "channel": "telegram",
        "chat_id": chat_id,
        "event_id": event_id,
        "message_id": str(message.message_id),
    }
    text = message.text or ""
    if text.startswith("/"):
        command, _, payload = text[1:].partition(" ")
        name = command.split("@", 1)[0].lower()
        if name == "start":
            return InboundEvent(kind=EventKind.START, data=payload.strip(), **base)
        return InboundEvent(kind=EventKind.COMMAND, data=name, text=payload.strip(), **base)
    details = _details(message)
    if message.location is not None:
        venue = details.get("venue")
        return InboundEvent(
            kind=EventKind.LOCATION,
            latitude=message.location.latitude,
            longitude=message.location.longitude,
            text=", ".join(filter(None, [venue["title"], venue["address"]])) if venue else "",
            details=details,
            **base,
        )
    file = _media(message)
    if file is not None:
        kind = EventKind.PHOTO if message.photo else EventKind.FILE
        return InboundEvent(
            kind=kind, file=file, text=message.caption or "", details=details, **base
        )
    if message.contact is not None:
        own = message.from_user and message.contact.user_id == message.from_user.id
        return InboundEvent(
            kind=EventKind.CONTACT, phone=message.contact.phone_number if own else None, **base
        )
    return InboundEvent(kind=EventKind.TEXT, text=text, details=details, **base)
