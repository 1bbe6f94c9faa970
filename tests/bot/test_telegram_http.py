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
