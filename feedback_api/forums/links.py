"""The links a forum is reached by: a Telegram deep link and a web-chat link, both carrying
the start payload `f_<code>`, far within Telegram's 64-character limit for /start payloads."""

from __future__ import annotations

from feedback_api.forums.models import Forum
from feedback_api.settings import Settings
from feedback_api.startlinks import StartLinks, for_payload

PAYLOAD_PREFIX = "f_"


def payload(forum: Forum) -> str:
    return f"{PAYLOAD_PREFIX}{forum.code}"  # codes are 8 characters; the column allows 16


def links_for(settings: Settings, forum: Forum, *, base_url: str = "") -> StartLinks:
    return for_payload(settings, payload(forum), base_url=base_url)
