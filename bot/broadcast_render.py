"""Turning a campaign's content into each channel's message, at send time, with the words the
citizen reads (the unsubscribe button, headings) taken from the one text catalogue.

Every campaign message ends with an unsubscribe button (`sub:stop`, handled by the engine
wherever the conversation is). Telegram gets the image (uploaded once, then re-sent by its
file_id), the links as URL buttons, and the unsubscribe button below them; channels without
URL buttons get the links written out under the text.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Awaitable, Callable
from typing import Protocol

import httpx
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.channels.base import DeliveryError, OutboundChannel
from feedback_api.broadcasts.schemas import Content
from handlers.events import Button, OutboundMessage
from handlers.texts import t

UNSUBSCRIBE = "sub:stop"

ImageLoader = Callable[[int], Awaitable[bytes]]


class AmbiguousDelivery(DeliveryError):
    """The request may have reached the platform (a read timeout, a dropped connection): the
    message may or may not have been delivered. Never retried; recorded as "unknown"."""


def _not_sent(error: Exception) -> bool:
    """True when the request certainly never reached the platform (no connection made)."""
    cause = error.__cause__
    if not isinstance(cause, httpx.TransportError):
        return True  # the platform answered (e.g. 502): it did not deliver
    return isinstance(cause, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))


class BroadcastChannel(Protocol):
    async def deliver(
        self, chat_id: str, content: Content, *, test: bool, image: ImageLoader
    ) -> None:
        """Deliver one campaign message or raise DeliveryError."""


def _text(content: Content, test: bool) -> str:
    return (t("bc.test_prefix") if test else "") + content.text


class PlainBroadcast:
    """Any channel with text and callback buttons (the web chat): links written out."""

    def __init__(self, channel: OutboundChannel):
        self._channel = channel

    async def deliver(
        self, chat_id: str, content: Content, *, test: bool, image: ImageLoader
    ) -> None:
        text = _text(content, test)
        if content.links:
            lines = [f"• {link.label}: {link.url}" for link in content.links]
            text += "\n\n" + t("bc.links_heading") + "\n" + "\n".join(lines)
        button = Button(t("bc.unsubscribe"), UNSUBSCRIBE)
        await self._channel.send(chat_id, OutboundMessage(text, ((button,),)))


def _retry_after(error: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


class TelegramBroadcast:
    """sendMessage / sendPhoto with an inline keyboard; errors mapped like the sender's."""

    def __init__(self, bot: Bot):
        self._bot = bot
        self._file_ids: dict[int, str] = {}  # campaign → Telegram's id of its uploaded image

    def _keyboard(self, content: Content) -> InlineKeyboardMarkup:
        rows = [[InlineKeyboardButton(link.label, url=link.url)] for link in content.links]
        rows.append([InlineKeyboardButton(t("bc.unsubscribe"), callback_data=UNSUBSCRIBE)])
        return InlineKeyboardMarkup(rows)

    async def deliver(
        self, chat_id: str, content: Content, *, test: bool, image: ImageLoader
    ) -> None:
        try:
            if content.has_image:
                photo = self._file_ids.get(content.broadcast_id) or await image(
                    content.broadcast_id
                )
                sent = await self._bot.send_photo(
                    chat_id,
                    photo=photo,
                    caption=_text(content, test),
                    reply_markup=self._keyboard(content),
                )
                if sent.photo:
                    self._file_ids.setdefault(content.broadcast_id, sent.photo[-1].file_id)
            else:
                await self._bot.send_message(
                    chat_id, _text(content, test), reply_markup=self._keyboard(content)
                )
        except RetryAfter as error:
            raise DeliveryError("rate limited", retry_after=_retry_after(error)) from error
        except Forbidden as error:
            raise DeliveryError(str(error), blocked=True) from error
        except (BadRequest, NetworkError, TelegramError) as error:
            if not _not_sent(error):
                raise AmbiguousDelivery(str(error)) from error
            raise DeliveryError(str(error)) from error
