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

import aiohttp
import httpx
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.channels.base import DeliveryError, OutboundChannel
from bot.channels.zalo_render import render as render_zalo
from feedback_api.broadcasts.schemas import Content
from handlers.events import Button, OutboundMessage
from handlers.texts import t

UNSUBSCRIBE = "sub:stop"

ImageLoader = Callable[[int], Awaitable[bytes]]


class AmbiguousDelivery(DeliveryError):
    """The request may have reached the platform (a read timeout, a dropped connection): the
    message may or may not have been delivered. Never retried; recorded as "unknown"."""


def _not_sent(error: Exception) -> bool:
    """True when the request certainly never reached the platform (no connection made). The
    cause is the HTTP client's own error: aiohttp's for Telegram (bot.telegram_http), httpx's
    for Zalo; any other cause means the platform answered (e.g. 502) and did not deliver."""
    cause = error.__cause__
    if isinstance(cause, aiohttp.ClientError):
        return isinstance(cause, (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError))
    if isinstance(cause, httpx.TransportError):
        return isinstance(cause, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))
    return True


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


class ZaloBroadcast:
    """Campaign messages to Zalo followers, within Zalo's rules (bot/channels/zalo_rules.py).

    Before each send the rules are asked, as the sender asks them for the outbox: a citizen
    outside the consultation window (7 days after their last message), over their daily quota,
    or a message type broadcasts may not use (by default text only) is *skipped* with the
    reason — recorded in the campaign's report, never retried, never sent in breach. The OA
    quota for the day is a wait until tomorrow. The unsubscribe button becomes a line of text
    when broadcasts may not carry buttons; links are written out (Zalo has no URL buttons in a
    consultation message). Zalo's own refusals map as the channel maps them (-230/-232 outside
    the window → skipped; unfollowed → blocked; -32 → back off), and a request that may have
    left (a read timeout) is ambiguous, as on Telegram: "unknown", never re-sent."""

    # The shared send-rate bucket is the bot's Telegram limit: Zalo's "wait" (-32, the OA's
    # quota) delays this delivery only, and does not pause Telegram sends for every worker.
    shares_rate_bucket = False

    def __init__(self, channel):  # bot.channels.zalo.ZaloChannel (not imported: no cycle)
        self._channel = channel

    def _message(self, content: Content, test: bool) -> OutboundMessage:
        text = _text(content, test)
        if content.links:
            lines = [f"• {link.label}: {link.url}" for link in content.links]
            text += "\n\n" + t("bc.links_heading") + "\n" + "\n".join(lines)
        if "buttons" in self._channel.rules.config.broadcast_types:
            return OutboundMessage(text, ((Button(t("bc.unsubscribe"), UNSUBSCRIBE),),))
        return OutboundMessage(text + "\n\n" + t("bc.unsubscribe_hint"))

    async def deliver(
        self, chat_id: str, content: Content, *, test: bool, image: ImageLoader
    ) -> None:
        message = self._message(content, test)
        kind = "image" if content.has_image else ("buttons" if message.buttons else "text")
        refusal = await self._channel.rules.admit(
            chat_id, kind, purpose="test" if test else "broadcast"
        )
        if refusal is not None:
            if refusal.retry_after is not None:  # the OA's quota for today: wait for tomorrow
                raise DeliveryError(str(refusal), retry_after=refusal.retry_after)
            raise DeliveryError(f"{refusal.reason}: {refusal.detail}", skipped=refusal.reason)
        # Several requests (a long text in pieces, a caption then the image): once the first
        # has gone, a failure leaves a partial message, which a retry would repeat.
        several = content.has_image or len(render_zalo(message, allow_template=False)) > 1
        try:
            if content.has_image:
                await self._channel.send_image(
                    chat_id, await image(content.broadcast_id), caption=message.plain_text()
                )
            else:
                await self._channel.send(chat_id, message)
        except DeliveryError as error:
            if error.skipped:
                raise DeliveryError(f"{error.skipped}: {error}", skipped=error.skipped) from error
            if error.blocked:
                raise
            if several or not _not_sent(error):
                raise AmbiguousDelivery(str(error)) from error
            raise
