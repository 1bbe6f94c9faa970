"""The channel-agnostic message types: what a citizen did, and what the bot answers.

Adapters (bot/channels/*) translate Telegram updates, Zalo webhooks and web-chat posts into an
`InboundEvent`, and render `OutboundMessage`s back. Nothing here knows any channel's SDK.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class EventKind(StrEnum):
    TEXT = "text"
    BUTTON = "button"  # the citizen pressed a button; `data` holds its short id
    LOCATION = "location"
    PHOTO = "photo"
    FILE = "file"
    CONTACT = "contact"
    START = "start"  # /start, with an optional deep-link payload in `data`
    COMMAND = "command"  # /help, /cancel, /stop, /menu ... (`data` is the command name)
    EDITED = "edited"  # the citizen corrected an earlier message (`message_id`) to `text`


@dataclass(frozen=True)
class FileRef:
    """A file the citizen sent, as the channel knows it (fetched later through the adapter)."""

    channel_file_id: str
    size: int | None = None
    mime: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class InboundEvent:
    channel: str  # "telegram", "zalo", "web", "test"
    chat_id: str  # the channel's chat id: stays in bot/, never sent to feedback_api
    kind: EventKind
    text: str = ""
    data: str = ""
    latitude: float | None = None
    longitude: float | None = None
    file: FileRef | None = None
    phone: str | None = None
    event_id: str = ""  # the channel's id for this event (Telegram update_id), for idempotency
    message_id: str = ""  # the channel's id of the citizen's message, so an edit can find it
    # What the message carried besides its words, for the officer: {"links": [{text, url}],
    # "forwarded_from": {kind, sender, date}, "venue": {title, address}, "album": id}.
    details: dict | None = None


@dataclass(frozen=True)
class Button:
    label: str
    data: str  # short, ASCII: Telegram allows 64 bytes of callback data

    def __post_init__(self) -> None:
        if len(self.data.encode()) > 64:
            raise ValueError(f"button data over 64 bytes: {self.data!r}")


@dataclass(frozen=True)
class OutboundMessage:
    """What the bot says. `title`, when set, is shown above `text` in bold where the channel
    can (Telegram, the web chat) and as a plain first line elsewhere; `text` stays plain."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    request_location: bool = False
    title: str = ""

    def plain_text(self) -> str:
        """Title and text as one plain string, for channels without formatting."""
        return f"{self.title}\n\n{self.text}" if self.title else self.text

    def to_json(self) -> dict:
        """The one JSON form of an outbound message, shared by every channel's store."""
        body = {
            "text": self.text,
            "buttons": [[{"label": b.label, "data": b.data} for b in row] for row in self.buttons],
            "request_location": self.request_location,
        }
        if self.title:
            body["title"] = self.title
        return body

    @classmethod
    def from_json(cls, raw: dict) -> OutboundMessage:
        def button(value) -> Button:  # [label, data] pairs: records written before the codec
            return (
                Button(value["label"], value["data"]) if isinstance(value, dict) else Button(*value)
            )

        return cls(
            str(raw.get("text", "")),
            tuple(tuple(button(b) for b in row) for row in raw.get("buttons") or ()),
            bool(raw.get("request_location", False)),
            str(raw.get("title", "")),
        )

    def numbered_fallback(self) -> str:
        """The message as plain text with numbered choices, for channels without buttons."""
        choices = [button for row in self.buttons for button in row]
        if not choices:
            return self.plain_text()
        lines = [f"{number}. {button.label}" for number, button in enumerate(choices, start=1)]
        return self.plain_text() + "\n\n" + "\n".join(lines) + "\n\n(Trả lời bằng số để chọn.)"


def rows(*buttons: Button, per_row: int = 1) -> tuple[tuple[Button, ...], ...]:
    """Lay buttons out `per_row` to a row."""
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))
