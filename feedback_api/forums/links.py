"""The links a forum is reached by: a Telegram deep link and a web-chat link, both carrying
the start payload `f_<code>`, far within Telegram's 64-character limit for /start payloads."""

from __future__ import annotations

from dataclasses import dataclass

from feedback_api.forums.models import Forum
from feedback_api.settings import Settings

PAYLOAD_PREFIX = "f_"
TELEGRAM_PAYLOAD_LIMIT = 64


def payload(forum: Forum) -> str:
    value = f"{PAYLOAD_PREFIX}{forum.code}"
    assert len(value) <= TELEGRAM_PAYLOAD_LIMIT  # codes are 8 characters; the column allows 16
    return value


@dataclass(frozen=True)
class ForumLinks:
    telegram: str
    webchat: str

    @property
    def primary(self) -> str:
        """The link the poster's QR code carries: Telegram if configured, else the web chat."""
        return self.telegram or self.webchat


def links_for(settings: Settings, forum: Forum) -> ForumLinks:
    name = settings.telegram_bot_username.strip().lstrip("@")
    webchat = settings.webchat_url.strip().rstrip("/")
    return ForumLinks(
        telegram=f"https://t.me/{name}?start={payload(forum)}" if name else "",
        webchat=f"{webchat}/?start={payload(forum)}" if webchat else "",
    )
