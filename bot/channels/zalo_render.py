"""OutboundMessage → the `message` objects of Zalo's consultation API.

- Text: plain (Zalo has no formatting; the title is a plain first line), cut into pieces of at
  most 2,000 characters at paragraph, line or word boundaries.
- Buttons: an OA button template on the last piece (`oa.query.hide`, whose payload "#<data>"
  comes back as the citizen's text), when Zalo allows it: at most 5 buttons with titles of at
  most 100 characters, and a last piece that still fits. Otherwise the numbered-text fallback
  ("1. …", answered by a digit), which every channel understands.
- Images: a media template naming an uploaded image (see ZaloChannel.send_image).
"""

from __future__ import annotations

from bot.channels.telegram_format import split_text
from handlers.events import OutboundMessage

MAX_TEXT = 2000
MAX_BUTTONS = 5
MAX_BUTTON_TITLE = 100
BUTTON_PREFIX = "#"


def kind_of(message: OutboundMessage) -> str:
    """The message type Zalo's rules speak of: "text" or "buttons" (a template)."""
    return "buttons" if message.buttons else "text"


def templatable(message: OutboundMessage) -> bool:
    choices = [button for row in message.buttons for button in row]
    return 0 < len(choices) <= MAX_BUTTONS and all(
        0 < len(button.label) <= MAX_BUTTON_TITLE for button in choices
    )


def render(message: OutboundMessage, *, allow_template: bool = True) -> list[dict]:
    if message.buttons and not (allow_template and templatable(message)):
        return [{"text": piece} for piece in split_text(message.numbered_fallback(), MAX_TEXT)]
    pieces = [{"text": piece} for piece in split_text(message.plain_text() or " ", MAX_TEXT)]
    if message.buttons:
        pieces[-1]["attachment"] = {
            "type": "template",
            "payload": {
                "buttons": [
                    {
                        "title": button.label,
                        "type": "oa.query.hide",
                        "payload": BUTTON_PREFIX + button.data,
                    }
                    for row in message.buttons
                    for button in row
                ]
            },
        }
    return pieces


def media(attachment_id: str) -> dict:
    return {
        "attachment": {
            "type": "template",
            "payload": {
                "template_type": "media",
                "elements": [{"media_type": "image", "attachment_id": attachment_id}],
            },
        }
    }
