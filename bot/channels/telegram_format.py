"""Translating between Telegram and the engine's types: Update → InboundEvent, and
OutboundMessage → sendMessage arguments (inline keyboards, location requests, 4,096-character
chunks split at paragraph boundaries, a bold title in HTML parse mode)."""

from __future__ import annotations

import html

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
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


def reply_markup(message: OutboundMessage):
    """Inline buttons, or — when a location is asked — a one-time reply keyboard whose first
    button shares the location (Telegram cannot ask for a location from an inline button)."""
    if message.request_location:
        keyboard = [[KeyboardButton("📍 Gửi vị trí", request_location=True)]]
        keyboard += [[KeyboardButton(button.label) for button in row] for row in message.buttons]
        return ReplyKeyboardMarkup(keyboard, resize_keyboard=True, one_time_keyboard=True)
    if not message.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.label, callback_data=b.data) for b in row]
            for row in message.buttons
        ]
    )


def send_arguments(chat_id: str, message: OutboundMessage) -> list[dict]:
    """The sendMessage calls for one outbound message (buttons go with the last chunk).

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


def to_event(update: Update) -> InboundEvent | None:
    """The engine's view of an update from a private chat; None for what the bot ignores."""
    event_id = str(update.update_id)
    if update.callback_query is not None:
        query = update.callback_query
        chat = query.message.chat if query.message else None
        chat_id = str(chat.id if chat else query.from_user.id)
        return InboundEvent(
            "telegram", chat_id, EventKind.BUTTON, data=query.data or "", event_id=event_id
        )
    message = update.message
    if message is None or message.chat.type != "private":
        return None
    chat_id = str(message.chat.id)
    base = {"channel": "telegram", "chat_id": chat_id, "event_id": event_id}
    text = message.text or ""
    if text.startswith("/"):
        command, _, payload = text[1:].partition(" ")
        name = command.split("@", 1)[0].lower()
        if name == "start":
            return InboundEvent(kind=EventKind.START, data=payload.strip(), **base)
        return InboundEvent(kind=EventKind.COMMAND, data=name, **base)
    if message.location is not None:
        return InboundEvent(
            kind=EventKind.LOCATION,
            latitude=message.location.latitude,
            longitude=message.location.longitude,
            **base,
        )
    if message.photo:
        largest = message.photo[-1]
        return InboundEvent(
            kind=EventKind.PHOTO,
            file=FileRef(largest.file_id, largest.file_size, "image/jpeg", "anh.jpg"),
            **base,
        )
    if message.document is not None:
        document = message.document
        return InboundEvent(
            kind=EventKind.FILE,
            file=FileRef(
                document.file_id, document.file_size, document.mime_type, document.file_name
            ),
            **base,
        )
    if message.contact is not None:
        own = message.from_user and message.contact.user_id == message.from_user.id
        return InboundEvent(
            kind=EventKind.CONTACT, phone=message.contact.phone_number if own else None, **base
        )
    return InboundEvent(kind=EventKind.TEXT, text=text or (message.caption or ""), **base)
