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


def test_a_unit_behind_an_http_proxy_reaches_the_bot_api_through_it(monkeypatch):
    """Police networks often reach the internet only through a proxy named in HTTPS_PROXY /
    HTTP_PROXY; the Bot API calls honour it as PTB's default backend did."""
    seen: list[bytes] = []

    async def proxy(reader, writer):
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        length = next(
            int(line.split(b":")[1]) for line in lines if line.lower().startswith(b"content-length")
        )
        await reader.readexactly(length)
        seen.append(lines[0])
        body = b'{"ok": true, "result": {"message_id": 1}}'
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n")
        writer.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        await writer.drain()
        writer.close()

    async def scenario():
        server = await asyncio.start_server(proxy, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        for name in ("HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
        bot = ReplyBot(TOKEN, base_url="http://api.telegram.invalid/bot")
        try:
            return await bot.call("sendMessage", {"chat_id": 42, "text": "Xin chào"})
        finally:
            await bot.request.shutdown()
            server.close()
            await server.wait_closed()

    assert asyncio.run(scenario()) == {"message_id": 1}
    assert seen == [
        b"POST http://api.telegram.invalid/bot" + TOKEN.encode() + b"/sendMessage HTTP/1.1"
    ]
