"""The Bot API over aiohttp (bot.telegram_http): PTB still sees its own errors, so a reply to a
citizen fails the way the channel already handles (retried later, never a crash)."""

from __future__ import annotations

import asyncio
import socket

import pytest
from telegram.error import NetworkError, TimedOut

from bot.telegram_http import ReplyBot

TOKEN = "123456:TEST-TOKEN"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_bot_api_is_a_network_error_not_a_crash():
    async def scenario():
        bot = ReplyBot(TOKEN, base_url=f"http://127.0.0.1:{_closed_port()}/bot")
        try:
            with pytest.raises(NetworkError):
                await bot.call("sendMessage", {"chat_id": 42, "text": "Xin chào"})
        finally:
            await bot.request.shutdown()

    asyncio.run(scenario())


def test_a_bot_api_that_never_answers_times_out():
    async def scenario():
        writers = []

        async def silent(_reader, writer):
            writers.append(writer)  # reads the request, never answers

        server = await asyncio.start_server(silent, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        bot = ReplyBot(TOKEN, base_url=f"http://127.0.0.1:{port}/bot")
        bot.request._read_timeout = 0.2
        try:
            with pytest.raises(TimedOut):
                await bot.call("sendMessage", {"chat_id": 42, "text": "Xin chào"})
        finally:
            await bot.request.shutdown()
            for writer in writers:
                writer.close()
            server.close()
            await server.wait_closed()

    asyncio.run(scenario())


def test_a_campaign_send_that_may_have_arrived_is_unknown_and_one_that_never_left_is_retried():
    """Broadcasts: a connection refused certainly delivered nothing (retried later); a request
    whose answer never came may have been delivered (recorded "unknown", never sent again)."""
    from telegram import Bot

    from bot.broadcast_render import AmbiguousDelivery, TelegramBroadcast
    from bot.channels.base import DeliveryError
    from bot.telegram_http import AiohttpRequest
    from feedback_api.broadcasts.schemas import Content

    content = Content(broadcast_id=1, text="Cảnh giác lừa đảo", links=[], has_image=False)

    async def deliver(base_url: str) -> Exception:
        request = AiohttpRequest(read_timeout=0.2)
        bot = Bot(TOKEN, base_url=base_url, request=request)
        try:
            await TelegramBroadcast(bot).deliver("42", content, test=False, image=None)
        except DeliveryError as error:
            return error
        finally:
            await request.shutdown()
        raise AssertionError("delivered")

    async def scenario():
        refused = await deliver(f"http://127.0.0.1:{_closed_port()}/bot")
        writers = []

        async def silent(_reader, writer):
            writers.append(writer)

        server = await asyncio.start_server(silent, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            unanswered = await deliver(f"http://127.0.0.1:{port}/bot")
        finally:
            for writer in writers:
                writer.close()
            server.close()
            await server.wait_closed()
        return refused, unanswered

    refused, unanswered = asyncio.run(scenario())
    assert not isinstance(refused, AmbiguousDelivery)
    assert isinstance(unanswered, AmbiguousDelivery)
