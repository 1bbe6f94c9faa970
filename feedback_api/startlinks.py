"""The links that open the bot at a given start payload (a forum's `f_<code>`, a quiz's
`q_<code>`): a Telegram deep link when the bot's name is set, a web-chat link when its address
is. One place, so posters, quiz pages and campaign announcements point the same way."""

from __future__ import annotations

from dataclasses import dataclass

from feedback_api.settings import Settings

TELEGRAM_PAYLOAD_LIMIT = 64  # Telegram's limit for /start payloads


@dataclass(frozen=True)
class StartLinks:
    telegram: str
    webchat: str

    @property
    def primary(self) -> str:
        """The link a QR code carries: Telegram if configured, else the web chat."""
        return self.telegram or self.webchat


def for_payload(settings: Settings, payload: str) -> StartLinks:
    if len(payload) > TELEGRAM_PAYLOAD_LIMIT:
        raise ValueError(f"start payload over {TELEGRAM_PAYLOAD_LIMIT} characters: {payload!r}")
    name = settings.telegram_bot_username.strip().lstrip("@")
    webchat = settings.webchat_url.strip().rstrip("/")
    return StartLinks(
        telegram=f"https://t.me/{name}?start={payload}" if name else "",
        webchat=f"{webchat}/?start={payload}" if webchat else "",
    )
