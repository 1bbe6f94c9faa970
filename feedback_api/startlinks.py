"""The links that open the bot at a given start payload (a forum's `f_<code>`, a quiz's
`q_<code>`): a Telegram deep link when the bot's name is set, a web-chat link when the chat's
address is known. One place, so posters, quiz pages and campaign announcements point the same
way.

The web chat is served at the root of the server (`langnghe serve`), so its address is
`LANGNGHE_WEBCHAT_URL` if set, else the server's public address `LANGNGHE_PUBLIC_URL`, else the
address an officer's page was opened at (`base_url`, pages only): a fresh `make run` can print a
working poster for phones on the same network, and the page says where the link came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from feedback_api.settings import Settings

TELEGRAM_PAYLOAD_LIMIT = 64  # Telegram's limit for /start payloads
# Telegram accepts only these characters in a /start payload (Bot API, "Deep linking").
TELEGRAM_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass(frozen=True)
class StartLinks:
    telegram: str
    webchat: str
    # The web-chat link was made from the address the page was opened at, not from settings.
    webchat_from_request: bool = False

    @property
    def primary(self) -> str:
        """The link a QR code carries: Telegram if configured, else the web chat."""
        return self.telegram or self.webchat


def for_payload(settings: Settings, payload: str, *, base_url: str = "") -> StartLinks:
    if not TELEGRAM_PAYLOAD.fullmatch(payload):
        raise ValueError(
            f"start payload must be 1-{TELEGRAM_PAYLOAD_LIMIT} characters of A-Z a-z 0-9 _ -: "
            f"{payload!r}"
        )
    name = settings.telegram_bot_username.strip().lstrip("@")
    configured = (settings.webchat_url or settings.public_url).strip().rstrip("/")
    webchat = configured or base_url.strip().rstrip("/")
    return StartLinks(
        telegram=f"https://t.me/{name}?start={payload}" if name else "",
        webchat=f"{webchat}/?start={payload}" if webchat else "",
        webchat_from_request=bool(webchat) and not configured,
    )
